/**
 * The resume path of a run, timed: `Journal.open` (read, verify every checksum and seq) and
 * `foldEvents` into the run state. Run as a fresh process per measurement (see measureReplay), so
 * the time is what a resumed supervisor pays, cold, not a warmed-up loop's.
 */
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { systemClock } from "../src/clock.ts";
import { Journal } from "../src/run/journal.ts";
import { foldEvents } from "../src/run/workstream-state.ts";

export async function replayJournalOnce(file: string, workstreamIds: readonly string[]): Promise<number> {
  const startedMs = performance.now();
  const { journal, events } = await Journal.open(file, { clock: systemClock });
  const state = foldEvents(workstreamIds, events);
  const elapsedMs = performance.now() - startedMs;
  await journal.close();
  if (!state.isFinished) throw new Error(`the journal ${file} did not fold into a finished run`);
  return elapsedMs;
}

/** One fresh process per call; resolves to its replay time in milliseconds. */
export async function measureReplay(file: string, workstreamIds: readonly string[]): Promise<number> {
  const result = await execa(process.execPath, [
    fileURLToPath(import.meta.url),
    file,
    workstreamIds.join(","),
  ]);
  return Number(JSON.parse(result.stdout).replay_ms);
}

if (import.meta.main) {
  const [file, ids] = process.argv.slice(2);
  const replayMs = await replayJournalOnce(file!, (ids ?? "").split(","));
  process.stdout.write(`${JSON.stringify({ replay_ms: replayMs })}\n`);
}
