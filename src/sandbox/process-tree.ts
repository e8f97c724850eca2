/**
 * The processes one command started, and how they end. Each command runs as the leader of its own
 * process group (process-group.ts) and carries a unique marker in its environment, which its
 * children inherit even when they leave the group.
 */
import type { ChildProcess } from "node:child_process";
import { signalGroup } from "./process-group.ts";
import {
  findProcessGroupMembers,
  isProcessGroupGone,
  sweepProcessesWithMarker,
  sweepProcessesWithMarkerSettled,
  waitUntilDead,
} from "./process-sweep.ts";

/**
 * The marker's name and form are systemd's own (`INVOCATION_ID`, 32 hex digits), which many a
 * machine's processes carry anyway: a gate or CI command must not be able to tell from its
 * environment that it runs under supervision, or code could behave only while it is judged.
 */
export const processTreeMarker = "INVOCATION_ID";

export interface ProcessTree {
  /** The main process's pid, which is also the group id; undefined when it never started. */
  groupId: number | undefined;
  /** The value of `processTreeMarker` stamped on this tree. */
  treeId: string;
  /** Isolated in a PID namespace of its own: the kernel ends every process when the main one exits. */
  hasPidNamespace?: boolean;
  /**
   * Empties the command's cgroup, when it has one (see CommandProcessBound): for an isolated
   * command that replaces the scan of every process for the marker.
   */
  killEveryProcess?: () => Promise<void>;
}

/**
 * SIGKILLs the group and every marked process (or every process in the command's cgroup, which
 * holds them all), and resolves once they are dead, so a command's
 * result always means its processes are gone. The group's members are waited for separately:
 * one may have dropped the marker, and a dying process loses its environment (so the marker
 * scan no longer sees it) before it is a zombie; the usual empty group is told by one signal-0
 * call, without a scan.
 *
 * Signalling the group after its leader exited is safe here (execa warned against it): a
 * group id stays reserved while any member lives, and once the group is empty Linux hands the
 * number out again only after the pid counter wraps around. We kill within a second of the exit;
 * wrapping even a 32768 pid_max in that time would take tens of thousands of forks a second.
 */
export async function killProcessTree(tree: ProcessTree): Promise<void> {
  if (tree.groupId === undefined) return;
  signalGroup(tree.groupId, "SIGKILL");
  // A PID namespace needs one scan: its processes all die with the main one. Without one, a
  // child caught inside execve can escape a scan, which the settled sweep reads again.
  // The cgroup holds every process of an isolated command (the sandbox has no /sys to leave it
  // by). Without isolation a process could write itself into another cgroup, whose files are its
  // user's: the cgroup is emptied and the marker scanned for as well.
  if (tree.killEveryProcess) await tree.killEveryProcess();
  if (tree.killEveryProcess && tree.hasPidNamespace) {
    // Done: the cgroup was the whole tree.
  } else if (tree.hasPidNamespace || tree.killEveryProcess) {
    // One scan: in a PID namespace everything died with the main process; with a cgroup emptied,
    // only a process that wrote itself out of it can be left, and it ran code to do so (it is
    // past its execve, so its marker shows).
    await sweepProcessesWithMarker(processTreeMarker, tree.treeId);
  } else await sweepProcessesWithMarkerSettled(processTreeMarker, tree.treeId);
  if (!isProcessGroupGone(tree.groupId)) {
    await waitUntilDead(findProcessGroupMembers(tree.groupId), 1000);
  }
}

export interface LingerWatch {
  /**
   * Cancels pending steps and waits for a kill already under way: it is the one waiting for its
   * victims to die, and the pipes close before a dying process is even a zombie.
   */
  stop(): Promise<void>;
  /** True when the output pipes had to be closed on our side: an unreachable process held them. */
  readonly isOutputAbandoned: boolean;
}

/**
 * Decides when a command whose main process exited is finished, though children may linger.
 *
 * We wait for the output pipes to close, not only for the main process: output written by a
 * child just before the end must not be lost, and a command is not over while something it
 * started still writes. But a background child (`server &`, a daemon) may hold the pipes open
 * for ever. So once the main process has exited, whatever it left behind gets `lingerGraceMs` to
 * finish and close the pipes; then the tree is killed, which closes them. A pipe holder we cannot
 * find (it left the group and dropped the marker with `env -i`) would still hang the run, so after
 * a further `abandonAfterMs` we stop reading and report it. Rejected: returning as soon as the
 * main process exits (loses late output and leaves readers on live pipes) and waiting for the
 * timeout (a clean command would be reported as timed out).
 */
export function watchForLingeringChildren(
  subprocess: ChildProcess,
  tree: ProcessTree,
  timing: { lingerGraceMs: number; abandonAfterMs: number },
): LingerWatch {
  let isStopped = false;
  let isOutputAbandoned = false;
  const timers: NodeJS.Timeout[] = [];
  const abandonOutput = () => {
    isOutputAbandoned = true;
    subprocess.stdout?.destroy();
    subprocess.stderr?.destroy();
  };
  let leftoverKill: Promise<void> | undefined;
  const killLeftovers = async () => {
    await killProcessTree(tree);
    if (!isStopped) timers.push(setTimeout(abandonOutput, timing.abandonAfterMs));
  };
  subprocess.once("exit", () => {
    if (isStopped) return;
    timers.push(
      setTimeout(() => {
        leftoverKill = killLeftovers();
      }, timing.lingerGraceMs),
    );
  });
  return {
    async stop() {
      isStopped = true;
      for (const timer of timers) clearTimeout(timer);
      await leftoverKill;
    },
    get isOutputAbandoned() {
      return isOutputAbandoned;
    },
  };
}
