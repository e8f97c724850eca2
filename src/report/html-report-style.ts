/** The HTML report's stylesheet, inlined: the file must open anywhere with no network. */
export const htmlReportStyle = `
:root { color-scheme: light; --accepted: #1a7f37; --rejected: #cf222e; --pending: #6e7781; --escalated: #8250df;
  --warn: #bf8700; --ink: #1f2328; --muted: #59636e; --line: #d1d9e0; --band: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1280px; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 32px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
p.run { color: var(--muted); margin: 0 0 12px; }
p.totals { font-size: 15px; font-weight: 600; background: var(--band); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; vertical-align: top; padding: 5px 8px; border-bottom: 1px solid var(--line); }
thead th { background: var(--band); font-weight: 600; white-space: nowrap; }
td.number, th.number { text-align: right; font-variant-numeric: tabular-nums; }
tr.total th, tr.total td { font-weight: 700; border-top: 2px solid var(--ink); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-weight: 600; font-size: 12px; }
.badge.accepted { background: var(--accepted); } .badge.rejected { background: var(--rejected); }
.badge.pending { background: var(--pending); }
.gate { display: inline-block; margin: 0 4px 2px 0; padding: 0 6px; border-radius: 4px; font-size: 12px; border: 1px solid var(--line); }
.gate.pass { border-color: var(--accepted); color: var(--accepted); }
.gate.fail, .gate.error { border-color: var(--rejected); color: var(--rejected); }
.gate.waived, .gate.skipped { color: var(--muted); }
ul.reasons { color: var(--muted); }
.muted { color: var(--muted); }
.lanes { border: 1px solid var(--line); border-radius: 6px; padding: 8px 12px; }
.lane { display: flex; align-items: center; height: 40px; }
.lane-name { width: 220px; flex: none; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-weight: 600; padding-right: 8px; }
.track { position: relative; flex: 1; height: 22px; border-left: 1px solid var(--line); border-right: 1px solid var(--line); }
.track::before { content: ""; position: absolute; left: 0; right: 0; top: 50%; border-top: 1px dashed var(--line); }
.span { position: absolute; top: 6px; height: 10px; border-radius: 5px; opacity: 0.25; min-width: 2px; }
.span.accepted { background: var(--accepted); } .span.rejected { background: var(--rejected); }
.span.pending { background: var(--pending); }
.wait, .wait-key { position: absolute; top: 4px; height: 14px; min-width: 2px; background: repeating-linear-gradient(45deg, var(--pending) 0 3px, transparent 3px 6px); opacity: 0.6; }
.wait-key { position: relative; display: inline-block; top: 2px; width: 18px; }
.mark { position: absolute; top: 1px; transform: translateX(-50%); font-size: 14px; line-height: 20px; cursor: default; }
.axis { display: flex; justify-content: space-between; margin-left: 220px; color: var(--muted); font-size: 12px; }
.legend { color: var(--muted); font-size: 12px; margin: 6px 0; }
.legend span { margin-right: 12px; }
.kind-worker-started { color: #0969da; } .kind-workstream-started { color: var(--muted); }
.kind-claim-made { color: var(--ink); } .kind-claim-rejected { color: var(--rejected); }
.kind-claim-accepted { color: var(--accepted); } .kind-signal-detected { color: var(--warn); }
.kind-intervention-applied { color: #bc4c00; } .kind-escalation-opened, .kind-escalation-decided { color: var(--escalated); }
.kind-workstream-ended { color: var(--rejected); } .kind-run { color: var(--muted); }
ol.events { list-style: none; padding: 0; margin: 8px 0; }
ol.events li { padding: 2px 0; border-bottom: 1px dotted var(--line); }
ol.events time { font-family: ui-monospace, monospace; font-size: 12px; color: var(--muted); margin-right: 8px; }
ol.events .who { display: inline-block; min-width: 230px; font-weight: 600; }
details { border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; margin: 8px 0; }
summary { cursor: pointer; font-weight: 600; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
`;
