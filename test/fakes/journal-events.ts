/**
 * Journal events for tests that hand events to the fold, the report or the live view directly:
 * each is parsed and checked at the boundary the journal's reader uses, so a test cannot pass an
 * event that no real journal could hold.
 */
import { type JournalEvent, parseJournalEvent } from "../../src/run/events.ts";

export function journalEvent(
  seq: number,
  ts: string,
  type: string,
  workstream: string | null,
  data: Record<string, unknown> = {},
): JournalEvent {
  const parsed = parseJournalEvent({ seq, ts, type, workstream, ...data });
  if ("problem" in parsed) throw new Error(`test event ${seq} (${type}): ${parsed.problem}`);
  return parsed.event;
}
