/**
 * Stops every process of a running command (SIGSTOP, which no process can catch or ignore) and
 * lets them go on later (SIGCONT). The supervisor pauses a CLI agent while it verifies the
 * agent's claim: a process the agent left running in the background could otherwise change the
 * checkout while the gate command runs and put it back before the supervisor looks again, so
 * that the gate passes on files the claimed commit does not hold.
 */
import { isProcessRunning, sendSignal } from "./process-sweep.ts";

/** A paused command: resume() continues exactly the processes pause() stopped. */
export interface PausedProcesses {
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
    const running = (await listProcesses()).filter((pid) => pid !== process.pid && isProcessRunning(pid));
    if (running.length === 0) break;
    for (const pid of running) {
      if (sendSignal(pid, "SIGSTOP")) stopped.add(pid);
    }
    await waitUntilStopped(running);
  }
  return {
    resume() {
      for (const pid of stopped) sendSignal(pid, "SIGCONT");
    },
  };
}

/** SIGSTOP is delivered asynchronously: a process keeps running until the kernel acts on it. */
async function waitUntilStopped(pids: readonly number[]): Promise<void> {
  for (let attempt = 0; attempt < 100 && pids.some(isProcessRunning); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}
