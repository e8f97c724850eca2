/**
 * Each phase of a run as `status` and the report show it: its workstreams, its gates and what the
 * latest check of them on the integrated base gave, and a human's decision on a red one. Pure.
 */
import type { JournalEvent, RunState } from "../run/index.ts";

export interface PhaseRow {
  phase: string;
  /** pending · passed · failed (a human is asked) · waived · denied · no gates. */
  state: string;
  /** One line: the state in words, with who decided or what is awaited. */
  summary: string;
  workstreams: string[];
  gates: { id: string; status: string; detail: string; log: string | null; first_errors: string | null }[];
  /** The integrated base the latest check ran on; null before any check. */
  base_sha: string | null;
  checks: number;
  escalation: string | null;
  note: string | null;
}

export function phaseRows(events: readonly JournalEvent[], state: RunState): PhaseRow[] {
  const started = events.find((event) => event.type === "run.started");
  const planned = started?.type === "run.started" ? (started.phases ?? []) : [];
  const names = [...planned.map((phase) => phase.name)];
  for (const name of state.phases.keys()) if (!names.includes(name)) names.push(name);
  return names.map((name) => {
    const plan = planned.find((phase) => phase.name === name);
    const phase = state.phases.get(name);
    const hasGates = (plan?.gates.length ?? 0) > 0 || phase !== undefined;
    const status = phase?.status ?? "pending";
    const who = phase?.decision?.decidedBy ?? "a human";
    const summaries: Record<typeof status, string> = {
      pending: hasGates ? "pending" : "no gates",
      passed: "passed",
      failed: `failed, waiting on ${phase?.escalation}`,
      waived: `waived by ${who} (${phase?.escalation})`,
      denied: `denied by ${who} (${phase?.escalation}): later phases blocked`,
    };
    return {
      phase: name,
      state: status === "pending" && !hasGates ? "no gates" : status,
      summary: summaries[status],
      workstreams: plan?.workstreams ?? [],
      gates:
        phase?.gates.map((gate) => ({
          id: gate.gate,
          status: gate.status,
          detail: gate.detail,
          log: gate.command?.log ?? null,
          first_errors: gate.command?.excerpt || null,
        })) ??
        (plan?.gates ?? []).map((id) => ({
          id,
          status: "pending",
          detail: "",
          log: null,
          first_errors: null,
        })),
      base_sha: phase?.baseSha || null,
      checks: phase?.checks ?? 0,
      escalation: phase?.escalation ?? null,
      note: phase?.decision?.note ?? null,
    };
  });
}

/** `registry: fail, lint: skipped`: each gate with the status of its latest check. */
export function formatPhaseGates(row: PhaseRow): string {
  return row.gates.map((gate) => `${gate.id}: ${gate.status}`).join(", ") || "-";
}

/** The phases as `status` prints them under the workstreams; empty when the run has none. */
export function renderPhaseTable(rows: readonly PhaseRow[]): string {
  if (rows.length === 0) return "";
  const cells = [
    ["PHASE", "STATE", "GATES", "WORKSTREAMS", "BASE"],
    ...rows.map((row) => [
      row.phase,
      row.summary,
      formatPhaseGates(row),
      row.workstreams.join(", ") || "-",
      row.base_sha?.slice(0, 12) ?? "-",
    ]),
  ];
  const widths = cells[0]!.map((_, column) => Math.max(...cells.map((line) => line[column]!.length)));
  const lines = cells.map((line) =>
    line.map((cell, column) => (column === line.length - 1 ? cell : cell.padEnd(widths[column]!))).join("  "),
  );
  const failures = rows.flatMap((row) =>
    row.gates
      .filter((gate) => gate.status === "fail" || gate.status === "error")
      .map((gate) => `${row.phase}: ${gate.id} — ${gate.detail}${gate.log ? ` (log: ${gate.log})` : ""}`),
  );
  return `${[...lines, ...(failures.length > 0 ? ["", ...failures] : [])].join("\n")}\n`;
}
