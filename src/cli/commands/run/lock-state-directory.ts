import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import { acquireStateLock } from "../../../run/index.ts";
import { sweepProcessesWithMarker } from "../../../sandbox/index.ts";
import type { CleanupStack } from "./cleanup-stack.ts";

/**
 * Takes the state dir's lock, released by the cleanup stack after everything deferred later, and
 * stops whatever a supervisor that died left running there. Returns the state dir's marker: every
 * command the run starts carries it in its environment (SUPERVISE_STATE).
 */
export async function lockStateDirectory(stateDirectory: string, cleanups: CleanupStack): Promise<string> {
  const lock = await acquireStateLock(stateDirectory);
  cleanups.defer(() => lock.release());
  const stateMarker = createHash("sha256").update(realpathSync(stateDirectory)).digest("hex").slice(0, 24);
  // Whatever still carries this state dir's marker belongs to a supervisor that died: stop it
  // before any worker of this run starts in the same checkouts.
  await sweepProcessesWithMarker("SUPERVISE_STATE", stateMarker);
  return stateMarker;
}
