/**
 * Where the campaigns' workspaces go: $SUPERVISE_BENCH_DIR when set, else a tmpfs (/dev/shm) when
 * there is one, else the temp dir. On the virtual disks of the machines this was measured on,
 * deleting and creating thousands of small files (checkouts) made the next minutes' file system
 * calls slow: the same floor took 0.8 s and then 4 s. In memory, the supervisor and its floor are
 * measured without that noise; both sides run on the same file system either way.
 */
import { accessSync, constants, statfsSync } from "node:fs";
import { tmpdir } from "node:os";

const tmpfsMagic = 0x01021994;
const minimumFreeBytes = 2 * 1024 ** 3;

export function benchWorkspaceRoot(): string {
  const chosen = process.env.SUPERVISE_BENCH_DIR;
  if (chosen) return chosen;
  try {
    accessSync("/dev/shm", constants.W_OK);
    const fileSystem = statfsSync("/dev/shm");
    // A container's /dev/shm is often 64 MB: a campaign of 200 checkouts needs far more.
    if (fileSystem.type === tmpfsMagic && fileSystem.bavail * fileSystem.bsize >= minimumFreeBytes)
      return "/dev/shm";
  } catch {
    // No usable /dev/shm: the temp dir.
  }
  return tmpdir();
}
