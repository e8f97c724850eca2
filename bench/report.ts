/** The bench's readable table: each figure, its goal where it has one, and whether it meets it. */

interface Row {
  name: string;
  label: string;
  goal?: { comparison: "<=" | ">="; value: number };
  unit?: string;
}

const rows: Row[] = [
  {
    name: "overhead_ratio_n50",
    label: "wall time over the floor, N=50",
    goal: { comparison: "<=", value: 1.05 },
  },
  { name: "wall_ms_n50", label: "  supervisor wall, N=50", unit: "ms" },
  { name: "floor_wall_ms_n50", label: "  floor wall, N=50", unit: "ms" },
  { name: "node_floor_ratio_n50", label: "  the floor spawned by a bare Node, over the floor" },
  { name: "cli_start_ms", label: "  CLI start (`supervise mcp`, tool w/o curl)", unit: "ms" },
  {
    name: "cost_growth_200_over_10",
    label: "CPU per workstream, N=200 over N=10",
    goal: { comparison: "<=", value: 1.3 },
  },
  { name: "cost_growth_50_over_10", label: "CPU per workstream, N=50 over N=10" },
  { name: "cpu_ms_per_workstream_n10", label: "  CPU per workstream, N=10", unit: "ms" },
  { name: "cpu_ms_per_workstream_n50", label: "  CPU per workstream, N=50", unit: "ms" },
  { name: "cpu_ms_per_workstream_n200", label: "  CPU per workstream, N=200", unit: "ms" },
  {
    name: "supervisor_cpu_ms_per_workstream_n50",
    label: "  of which the supervisor process, N=50",
    unit: "ms",
  },
  {
    name: "peak_rss_mb_n200",
    label: "supervisor peak RSS, N=200",
    goal: { comparison: "<=", value: 200 },
    unit: "MB",
  },
  { name: "peak_rss_mb_n50", label: "supervisor peak RSS, N=50", unit: "MB" },
  { name: "peak_heap_mb_n10", label: "  peak JS heap, N=10", unit: "MB" },
  { name: "peak_heap_mb_largest_n", label: "  peak JS heap, largest N", unit: "MB" },
  { name: "retained_heap_mb_n10", label: "  live JS heap after GC at exit, N=10", unit: "MB" },
  { name: "retained_heap_mb_largest_n", label: "  live JS heap after GC at exit, largest N", unit: "MB" },
  { name: "journal_bytes_per_workstream", label: "journal bytes per workstream", unit: "B" },
  {
    name: "resume_ms_10k_events",
    label: "resume: open + fold 10,000 events",
    goal: { comparison: "<=", value: 1000 },
    unit: "ms",
  },
  {
    name: "sandbox_added_ms_median",
    label: "bubblewrap added per command",
    goal: { comparison: "<=", value: 10 },
    unit: "ms",
  },
  { name: "wall_ms_n50_bwrap", label: "  supervisor wall, N=50, default isolation", unit: "ms" },
  {
    name: "cached_input_share_50_turns",
    label: "cached input share, 50 turns, cold",
    goal: { comparison: ">=", value: 0.97 },
  },
  { name: "cached_input_share_warm_session", label: "  same, a campaign's second session" },
  {
    name: "verification_overhead_ratio",
    label: "verification time over gate time",
    goal: { comparison: "<=", value: 1.05 },
  },
  { name: "verification_fixed_ms_median", label: "  fixed verification cost, trivial gate", unit: "ms" },
  { name: "forge_verification_ms_median", label: "  verification with forge gates", unit: "ms" },
  {
    name: "forge_wall_ms_per_workstream_n10",
    label: "  forge variant wall per workstream, N=10",
    unit: "ms",
  },
  {
    name: "github_requests_per_workstream",
    label: "GitHub requests per workstream (not 304)",
    goal: { comparison: "<=", value: 10 },
  },
  { name: "github_requests_per_workstream_total", label: "  with 304s" },
  {
    name: "github_requests_20_workstreams_hour",
    label: "GitHub requests, 20 PRs polled 1 h (not 304)",
    goal: { comparison: "<=", value: 1000 },
  },
  { name: "github_requests_20_workstreams_hour_total", label: "  with 304s" },
  {
    name: "gateway_added_ms_median",
    label: "model gateway added per request, median",
    goal: { comparison: "<=", value: 2 },
    unit: "ms",
  },
  { name: "gateway_added_ms_p99", label: "  added, p99", unit: "ms" },
  { name: "gateway_cpu_ms_per_request", label: "  gateway CPU per request", unit: "ms" },
  { name: "gateway_rss_mb_50_streams", label: "  gateway peak RSS, 50 workers streaming", unit: "MB" },
  { name: "gateway_rss_added_mb_50_streams", label: "  of which over its idle size", unit: "MB" },
  { name: "gateway_heap_mb_50_streams", label: "  gateway peak JS heap, 50 streaming", unit: "MB" },
  {
    name: "gate_order_saving",
    label: "fmt failure: chained check over named gates, time to verdict",
    goal: { comparison: ">=", value: 2 },
    unit: "×",
  },
  { name: "gate_order_named_ms", label: "  fmt as its own gate, first", unit: "ms" },
  { name: "gate_order_chained_ms", label: "  fmt chained into the check", unit: "ms" },
  {
    name: "tests_prove_change_added_ratio",
    label: "tests_prove_change: time added over one check run",
    goal: { comparison: "<=", value: 1.1 },
    unit: "×",
  },
  {
    name: "tests_prove_change_reclaim_added_ratio",
    label: "  on a re-claim that changed only source",
    unit: "×",
  },
  { name: "tests_prove_change_check_ms", label: "  the check command alone", unit: "ms" },
  { name: "merge_queue_ci_runs_20_prs", label: "merge queue: CI runs to land 20 green PRs, batched" },
  { name: "merge_queue_ci_runs_20_prs_one_by_one", label: "  one by one" },
  { name: "merge_queue_wall_ms_20_prs", label: "  wall time to land them, batched", unit: "ms" },
  { name: "merge_queue_wall_ms_20_prs_one_by_one", label: "  wall time, one by one", unit: "ms" },
  {
    name: "mutation_mutants_per_minute",
    label: "mutation gate: mutants judged per minute (StrykerJS, node:test)",
    unit: "/min",
  },
  {
    name: "mutation_builtin_mutants_per_minute",
    label: "  built-in engine (Python, unittest)",
    unit: "/min",
  },
];

export function renderTable(figures: Record<string, unknown>): string {
  const lines = rows.map((row) => {
    const value = figures[row.name];
    const shown = typeof value === "number" ? `${value}${row.unit ? ` ${row.unit}` : ""}` : "n/a";
    let verdict = "";
    if (row.goal && typeof value === "number") {
      const meets = row.goal.comparison === "<=" ? value <= row.goal.value : value >= row.goal.value;
      verdict = `${meets ? "ok  " : "MISS"} (goal ${row.goal.comparison} ${row.goal.value})`;
    } else if (row.goal) {
      verdict = `     (goal ${row.goal.comparison} ${row.goal.value})`;
    }
    return `${row.label.padEnd(46)} ${shown.padStart(12)}  ${verdict}`;
  });
  const notes = Array.isArray(figures.notes) ? figures.notes.map((note) => `note: ${String(note)}`) : [];
  return [...lines, "", ...notes].join("\n");
}
