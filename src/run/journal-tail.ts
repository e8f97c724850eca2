/**
 * Reads a journal that another process is appending to, without its lock: `supervise watch` and
 * `logs -f` follow a run from a second terminal. A line the writer has not finished is read later.
 */
import { StateError } from "../errors.ts";
import { createLineTail } from "../line-tail.ts";
import type { JournalEvent } from "./events.ts";
import { parseJournalLine } from "./journal.ts";

export interface JournalTail {
  /** The events appended since the last read (all of them on the first). */
  readNew(): Promise<JournalEvent[]>;
}

export function createJournalTail(file: string): JournalTail {
  const lines = createLineTail(file, "the journal");
  let lineNumber = 0;
  return {
    async readNew() {
      const events: JournalEvent[] = [];
      for (const line of await lines.readNewLines()) {
        lineNumber += 1;
        const parsed = parseJournalLine(line);
        if ("problem" in parsed) {
          throw new StateError(`Line ${lineNumber} of the journal ${file} is damaged: ${parsed.problem}.`, {
            hint: "The run reports and handles a damaged journal when it resumes; `supervise status` names the line too.",
          });
        }
        events.push(parsed.event);
      }
      return events;
    },
  };
}
