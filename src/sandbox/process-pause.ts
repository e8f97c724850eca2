/**
 * Stops every process of a running command (SIGSTOP, which no process can catch or ignore) and
 * lets them go on later (SIGCONT). The supervisor pauses a CLI agent while it verifies the
 * agent's claim: a process the agent left running in the background could otherwise change the
 * checkout while the gate command runs and put it back before the supervisor looks again, so
 * that the gate passes on files the claimed commit does not hold.
 */
import { readFileSync } from "node:fs";

/** A paused command: resume() continues exactly the processes pause() stopped, and any new ones. */
export interface PausedProcesses {
  readonly stoppedCount: number;
  resume(): void;
}

/** Rounds of listing and stopping before a command that keeps starting processes is left as is. */
const maximumRounds = 50;

/**
 * Stops the processes `listProcesses` names, again and again until a listing shows none running:
 * a process may fork between a listing and its stop, and its child appears in the next listing.
 * Each round waits until the stopped processes are seen stopped, so none runs on after pause().
 */
export async function pauseProcesses(
  listProcesses: () => number[] | Promise<number[]>,
): Promise<PausedProcesses> {
  const stopped = new Set<number>();
  for (let round = 0; round < maximumRounds; round++) {
    const running = (await listProcesses()).filter((pid) => pid !== process.pid && isRunning(pid));
    if (running.length === 0) break;
    for (const pid of running) {
      if (sendSignal(pid, "SIGSTOP")) stopped.add(pid);
    }
    await waitUntilStopped(running);
  }
  return {
    stoppedCount: stopped.size,
    resume() {
      for (const pid of stopped) sendSignal(pid, "SIGCONT");
    },
  };
}

/** Running, not stopped, not a zombie; false when the process is gone or unreadable. */
function isRunning(pid: number): boolean {
  const state = processState(pid);
  return state !== undefined && state !== "T" && state !== "t" && state !== "Z" && state !== "X";
}

function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // The state follows the command name, which is in parentheses and may itself hold them.
    return stat.charAt(stat.lastIndexOf(")") + 2);
  } catch {
    return undefined;
  }
}

/** SIGSTOP is delivered asynchronously: a process keeps running until the kernel acts on it. */
async function waitUntilStopped(pids: readonly number[]): Promise<void> {
  for (let attempt = 0; attempt < 100 && pids.some(isRunning); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

function sendSignal(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}
