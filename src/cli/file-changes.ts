/**
 * Waits until something changes in one of a few folders, for the commands that follow a run from
 * another terminal. fs.watch wakes the follower when the run writes; the timeout is the fallback
 * where watching is not available (some network and container file systems never report), so a
 * follower reads at least once per interval and never spins.
 */
import { type FSWatcher, watch } from "node:fs";

export interface ChangeWaiter {
  /** Resolves on a change in one of the folders, after `timeoutMs`, or when `signal` aborts. */
  next(signal: AbortSignal): Promise<void>;
  close(): void;
}

export function watchFolders(folders: readonly string[], timeoutMs: number): ChangeWaiter {
  let wake: (() => void) | undefined;
  let hasPendingChange = false;
  const onChange = () => {
    if (wake) wake();
    else hasPendingChange = true;
  };
  const watchers: FSWatcher[] = [];
  for (const folder of folders) {
    try {
      const watcher = watch(folder, { persistent: false }, onChange);
      // A folder removed while watched is no reason to fail: the timeout still reads.
      watcher.on("error", () => watcher.close());
      watchers.push(watcher);
    } catch {
      // Missing or not watchable: the timeout stands in.
    }
  }
  return {
    next(signal) {
      if (hasPendingChange || signal.aborted) {
        hasPendingChange = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener("abort", done);
          wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, timeoutMs);
        signal.addEventListener("abort", done, { once: true });
        wake = done;
      });
    },
    close() {
      for (const watcher of watchers) watcher.close();
    },
  };
}
