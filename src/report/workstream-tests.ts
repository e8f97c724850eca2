/**
 * Which output holds a workstream's test results: the latest local_check the supervisor ran, and
 * the latest CI run ci_green looked at. Pure: the logs are read at the edge and handed in.
 */

import { parseTestOutput, passRate, tallyByModule } from "../evidence/index.ts";
import type { ClaimSummary, GateSummary, WorkstreamState } from "../run/index.ts";
import type { TestEvidence } from "./report-model.ts";

/** Log text by the path the journal names (relative to the run directory, or the CI's absolute path). */
export type LogTexts = ReadonlyMap<string, string>;

/** The logs the report wants read for this workstream. */
export function testLogReferences(workstream: WorkstreamState): string[] {
  const localCheck = latestGate(workstream.claims, "local_check", (gate) => gate.command !== null);
  const ci = latestGate(workstream.claims, "ci_green", () => true);
  const localLog = localCheck?.gate.command?.log;
  return [...(localLog === undefined ? [] : [localLog]), ...(ci ? ciLogPaths(ci.gate) : [])];
}

export function localCheckTests(workstream: WorkstreamState, logs: LogTexts): TestEvidence | null {
  const found = latestGate(workstream.claims, "local_check", (gate) => gate.command !== null);
  if (!found) return null;
  const { log, outputTail } = found.gate.command!;
  const fullText = logs.get(log);
  // A deleted or unreadable log still leaves the tail the journal kept, which holds the summary.
  const text = fullText ?? outputTail;
  return evidence(found.claim.id, "local_check", log, fullText === undefined ? "output_tail" : "log", text);
}

export function ciTests(workstream: WorkstreamState, logs: LogTexts): TestEvidence | null {
  const found = latestGate(workstream.claims, "ci_green", () => true);
  if (!found) return null;
  const paths = ciLogPaths(found.gate);
  const readable = paths.filter((path) => logs.has(path));
  if (readable.length > 0) {
    const text = readable.map((path) => logs.get(path)).join("\n");
    return evidence(found.claim.id, "ci_green", readable.join(" "), "log", text);
  }
  // The gate's detail carries the tail of a failing check's output.
  return evidence(found.claim.id, "ci_green", paths[0] ?? null, "ci_summary", found.gate.detail);
}

function evidence(
  claim: number,
  gate: string,
  log: string | null,
  readFrom: TestEvidence["read_from"],
  text: string,
): TestEvidence {
  const tally = parseTestOutput(text);
  const modules = readFrom === "log" ? tallyByModule(text) : null;
  return {
    claim,
    gate,
    log,
    read_from: readFrom,
    tally,
    pass_rate: tally ? passRate(tally) : null,
    ...(modules === null ? {} : { modules }),
  };
}

function latestGate(
  claims: readonly ClaimSummary[],
  gateId: string,
  isWanted: (gate: GateSummary) => boolean,
): { claim: ClaimSummary; gate: GateSummary } | null {
  for (const claim of [...claims].reverse()) {
    const gate = claim.gates.findLast((candidate) => candidate.gate === gateId && isWanted(candidate));
    if (gate) return { claim, gate };
  }
  return null;
}

/** The checks' log locations; a URL (GitHub's details page) is named but never fetched. */
function ciLogPaths(gate: GateSummary): string[] {
  const checks = Array.isArray(gate.observed.checks) ? (gate.observed.checks as unknown[]) : [];
  return checks
    .map((check) => (check as { details?: unknown } | null)?.details)
    .filter((details): details is string => typeof details === "string" && details !== "");
}

export function isUrl(path: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(path);
}
