/** The per-workstream table shared by `supervise status` and the live view. */
import { type GateStatus, verdictOf } from "../evidence/index.ts";
import type { RunState, WorkstreamState } from "../run/index.ts";
import { printable } from "../text.ts";
import { displayWidth } from "./frame-rows.ts";
import { humanWaitMs } from "./human-wait.ts";

const colors: Partial<Record<WorkstreamState["status"], string>> = {
  accepted: "\x1b[32m",
  rejected: "\x1b[31m",
  blocked: "\x1b[33m",
  aborted: "\x1b[31m",
  escalated: "\x1b[35m",
  running: "\x1b[36m",
  verifying: "\x1b[36m",
};

export interface StatusRow {
  /** The workstream's id (also as `id`, the plan's own word for it). */
  workstream: string;
  id: string;
  state: WorkstreamState["status"];
  /** The bundle's word for how it ended: accepted, rejected, or pending while it is open. */
  verdict: "accepted" | "rejected" | "pending";
  /** Each gate of the last claim with its status, and its command's duration and log (null for none). */
  gates: { id: string; status: GateStatus; duration_ms: number | null; log: string | null }[];
  gates_passed: number;
  gates_failed: number;
  attempts: number;
  claims: number;
  turns: number;
  tokens: number;
  cost_usd: number;
  /** The part of cost_usd from turns replayed from a cassette: simulated, never spent. */
  simulated_cost_usd: number;
  elapsed_seconds: number | null;
  /** Of elapsed_seconds, the time spent waiting on a human decision. */
  human_wait_seconds: number;
  reason: string | null;
  /** The worker host it runs on (`h1`), `waiting for a host`, or `h1 lost`; null when it runs here. */
  host: string | null;
}

/** A workstream's status; one the run has not seen yet is pending. */
export function statusOf(state: RunState, id: string): WorkstreamState["status"] {
  return state.workstreams.get(id)?.status ?? "pending";
}

export function statusRows(ids: readonly string[], state: RunState, nowMs: number): StatusRow[] {
  return ids.map((id) => {
    const workstream = state.workstreams.get(id);
    const lastClaim = workstream?.claims.at(-1);
    const started = workstream?.startedAt ? Date.parse(workstream.startedAt) : null;
    const ended = workstream?.endedAt ? Date.parse(workstream.endedAt) : nowMs;
    const status = statusOf(state, id);
    return {
      workstream: id,
      id,
      state: status,
      verdict: verdictOf(status),
      gates: (lastClaim?.gates ?? []).map((gate) => ({
        id: gate.gate,
        status: gate.status,
        duration_ms: gate.command?.durationMs ?? null,
        log: gate.command?.log ?? null,
      })),
      gates_passed: lastClaim?.gates.filter((gate) => gate.status === "pass").length ?? 0,
      gates_failed:
        lastClaim?.gates.filter((gate) => gate.status === "fail" || gate.status === "error").length ?? 0,
      attempts: workstream?.attempt ?? 0,
      claims: workstream?.claims.length ?? 0,
      turns: workstream?.turns ?? 0,
      tokens: (workstream?.inputTokens ?? 0) + (workstream?.outputTokens ?? 0),
      cost_usd: Number((workstream?.costUsd ?? 0).toFixed(4)),
      simulated_cost_usd: Number((workstream?.simulatedCostUsd ?? 0).toFixed(4)),
      elapsed_seconds: started === null ? null : Math.max(0, Math.round((ended - started) / 1000)),
      human_wait_seconds: Math.round(humanWaitMs(workstream?.escalations ?? [], ended) / 1000),
      reason: workstream?.reason ?? null,
      host: hostCell(workstream?.host ?? null, status),
    };
  });
}

/** Where it runs, or ran once it ended; a workstream that ended while waiting had none. */
function hostCell(host: WorkstreamState["host"], status: WorkstreamState["status"]): string | null {
  if (host === null) return null;
  if (host.status === "waiting" || host.name === null) {
    return status === "running" || status === "pending" ? "waiting for a host" : "no host took it";
  }
  return host.status === "lost" ? `${host.name} lost` : host.name;
}

/** The table's cells before layout: one header, one row per workstream, notes printed below. */
export interface StatusTableCells {
  header: string[];
  rows: { cells: string[]; state: WorkstreamState["status"] }[];
  /** Why a workstream ended or waits, one line each (worker-written text made printable). */
  notes: string[];
}

const header = ["WORKSTREAM", "STATE", "GATES", "ATTEMPTS", "TURNS", "TOKENS", "COST", "ELAPSED"];

export function statusTableCells(ids: readonly string[], state: RunState, nowMs: number): StatusTableCells {
  const rows = statusRows(ids, state, nowMs);
  // A run with worker hosts says where each workstream runs, after its state; others keep their columns.
  const hasHosts = rows.some((row) => row.host !== null);
  return {
    header: hasHosts ? [...header.slice(0, 2), "HOST", ...header.slice(2)] : header,
    rows: rows.map((row) => ({
      state: row.state,
      cells: [
        row.workstream,
        row.state,
        ...(hasHosts ? [row.host ?? "-"] : []),
        row.claims === 0 ? "-" : `${row.gates_passed} ok ${row.gates_failed} failed`,
        String(row.attempts),
        String(row.turns),
        String(row.tokens),
        costCell(row),
        elapsedCell(row),
      ],
    })),
    notes: rows
      .filter((row) => row.reason && row.state !== "running")
      .map((row) => `  ${row.workstream}: ${printable(row.reason!.split("\n")[0]!)}`),
  };
}

/** Replayed cost is marked: it was never spent. */
function costCell(row: StatusRow): string {
  const cost = `$${row.cost_usd.toFixed(2)}`;
  if (row.simulated_cost_usd <= 0) return cost;
  return row.simulated_cost_usd >= row.cost_usd
    ? `${cost} sim`
    : `${cost} ($${row.simulated_cost_usd.toFixed(2)} sim)`;
}

/** The workers' time, with the time a human was waited on apart: `1m05s +4m00s human`. */
function elapsedCell(row: StatusRow): string {
  if (row.elapsed_seconds === null) return "-";
  if (row.human_wait_seconds <= 0) return formatDuration(row.elapsed_seconds);
  const working = Math.max(0, row.elapsed_seconds - row.human_wait_seconds);
  return `${formatDuration(working)} +${formatDuration(row.human_wait_seconds)} human`;
}

/** The widest cell of each column, header included. */
export function columnWidths(cells: StatusTableCells): number[] {
  return cells.header.map((title, column) =>
    Math.max(displayWidth(title), ...cells.rows.map((row) => displayWidth(row.cells[column]!))),
  );
}

/** The header and one line per workstream, each column padded to `widths`. */
export function layoutStatusTable(
  cells: StatusTableCells,
  widths: readonly number[],
  useColor: boolean,
): string[] {
  const line = (row: string[], status?: WorkstreamState["status"]) =>
    row
      .map((cell, column) => {
        const padded = cell + " ".repeat(Math.max(0, (widths[column] ?? 0) - displayWidth(cell)));
        const color = status && column === 1 && useColor ? colors[status] : undefined;
        return color ? `${color}${padded}\x1b[0m` : padded;
      })
      .join("  ")
      .trimEnd();
  return [line(cells.header), ...cells.rows.map((row) => line(row.cells, row.state))];
}

export function renderStatusTable(
  ids: readonly string[],
  state: RunState,
  nowMs: number,
  useColor: boolean,
): string {
  const cells = statusTableCells(ids, state, nowMs);
  return [...layoutStatusTable(cells, columnWidths(cells), useColor), ...cells.notes].join("\n");
}

export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, "0")}m`;
}
