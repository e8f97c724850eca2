import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.ts";
import { StateError } from "../../src/errors.ts";
import { acquireStateLock, isProcessAlive, readProcessStartTime } from "../../src/run/state-lock.ts";

const holdLockFixture = fileURLToPath(new URL("../fixtures/run/hold-state-lock.ts", import.meta.url));

let directory: string;
let stateDir: string;
let lockFile: string;
const children: ChildProcess[] = [];

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "supervise-lock-"));
  stateDir = join(directory, "state");
  lockFile = join(stateDir, "supervise.lock");
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) killGroup(child);
  }
  await rm(directory, { recursive: true, force: true });
});

function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, "SIGKILL");
  } catch {
    // already gone
  }
}

async function rejection(promise: Promise<unknown>): Promise<StateError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(StateError);
    return error as StateError;
  }
  throw new Error("expected a StateError");
}

/** The pid of a process that has exited (and been reaped), so no process has it now. */
async function deadPid(): Promise<number> {
  const child = spawn("true");
  await once(child, "exit");
  return child.pid!;
}

function lockText(record: { pid: number; startTime: string | null; hostname?: string }): string {
  return `${JSON.stringify({ hostname: hostname(), acquiredAt: "2026-01-01T00:00:00.000Z", ...record })}\n`;
}

describe("acquireStateLock", () => {
  it("creates the state dir and a lock naming this process by pid and start time", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 24, 8, 53, 48));
    const lock = await acquireStateLock(stateDir, { clock });
    expect(lock.file).toBe(lockFile);
    expect(JSON.parse(await readFile(lockFile, "utf8"))).toEqual({
      pid: process.pid,
      startTime: readProcessStartTime(process.pid),
      hostname: hostname(),
      acquiredAt: "2026-11-24T08:53:48.000Z",
    });
    expect(readProcessStartTime(process.pid)).toMatch(/^\d+$/);
    await lock.release();
  });

  it("refuses a second acquire while the first holds the lock, and allows it after release", async () => {
    const clock = new ManualClock(Date.UTC(2026, 10, 24, 8, 53, 48));
    const first = await acquireStateLock(stateDir, { clock });
    const error = await rejection(acquireStateLock(stateDir));
    expect(error.message.replace(directory, "<dir>")).toBe(
      `Another supervisor (pid ${process.pid}, started 2026-11-24T08:53:48.000Z) is using the state dir <dir>/state. Wait for it to finish, or stop it.`,
    );
    expect(error.exitCode).toBe(2);
    await first.release();
    expect(await readdir(stateDir)).toEqual([]);
    const second = await acquireStateLock(stateDir);
    await second.release();
  });

  it("takes over a lock whose pid no longer exists", async () => {
    const pid = await deadPid();
    await acquireStateLock(stateDir).then((lock) => lock.release()); // creates the state dir
    await writeFile(lockFile, lockText({ pid, startTime: "12345" }));
    const lock = await acquireStateLock(stateDir);
    expect(JSON.parse(await readFile(lockFile, "utf8")).pid).toBe(process.pid);
    expect(await readdir(stateDir)).toEqual(["supervise.lock"]);
    await lock.release();
  });

  it("takes over a lock whose pid is alive but started at another time (a reused pid)", async () => {
    await acquireStateLock(stateDir).then((lock) => lock.release());
    await writeFile(lockFile, lockText({ pid: process.pid, startTime: "1" }));
    const lock = await acquireStateLock(stateDir);
    expect(JSON.parse(await readFile(lockFile, "utf8")).startTime).toBe(readProcessStartTime(process.pid));
    await lock.release();
  });

  it("lets exactly one of several racing takers win a stale lock", async () => {
    await acquireStateLock(stateDir).then((lock) => lock.release());
    await writeFile(lockFile, lockText({ pid: await deadPid(), startTime: "12345" }));
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => acquireStateLock(stateDir)));
    const winners = results.filter((result) => result.status === "fulfilled");
    expect(winners).toHaveLength(1);
    for (const result of results) {
      if (result.status === "rejected") expect(result.reason).toBeInstanceOf(StateError);
    }
    await winners[0]!.value.release();
  });

  it("never deletes the lock of a faster taker that won after this one judged the old lock stale", async () => {
    await acquireStateLock(stateDir).then((lock) => lock.release());
    const stalePid = await deadPid();
    await writeFile(lockFile, lockText({ pid: stalePid, startTime: "12345" }));
    const fasterTakersLock = lockText({ pid: process.pid, startTime: readProcessStartTime(process.pid) });
    const error = await rejection(
      acquireStateLock(stateDir, {
        processAlive: (pid, startTime) => {
          // Right after this taker finds the holder dead, a faster taker replaces the lock with its own.
          if (pid === stalePid) writeFileSync(lockFile, fasterTakersLock);
          return isProcessAlive(pid, startTime);
        },
      }),
    );
    expect(error.message).toContain(
      `Another supervisor (pid ${process.pid}, started 2026-01-01T00:00:00.000Z)`,
    );
    expect(await readFile(lockFile, "utf8")).toBe(fasterTakersLock);
    expect(await readdir(stateDir)).toEqual(["supervise.lock"]);
  });

  it("finishes a takeover that a dead taker left half done", async () => {
    await acquireStateLock(stateDir).then((lock) => lock.release());
    const staleText = lockText({ pid: await deadPid(), startTime: "12345" });
    const staleId = createHash("sha256").update(staleText).digest("hex").slice(0, 16);
    await writeFile(lockFile, staleText);
    await writeFile(
      `${lockFile}.takeover-${staleId}-0`,
      lockText({ pid: await deadPid(), startTime: "777" }),
    );
    const lock = await acquireStateLock(stateDir);
    expect(await readdir(stateDir)).toEqual(["supervise.lock"]);
    await lock.release();
  });

  it("treats a lock from another host as held, since its process cannot be checked", async () => {
    await acquireStateLock(stateDir).then((lock) => lock.release());
    await writeFile(lockFile, lockText({ pid: 4242, startTime: "1", hostname: "build-7" }));
    const error = await rejection(acquireStateLock(stateDir));
    expect(error.message.replace(directory, "<dir>")).toBe(
      "Another supervisor (pid 4242 on host build-7, started 2026-01-01T00:00:00.000Z) is using the state dir <dir>/state. Wait for it to finish, or stop it.",
    );
    expect(error.hint?.replace(directory, "<dir>")).toBe(
      "Its liveness cannot be checked from this host; if it is gone, delete <dir>/state/supervise.lock.",
    );
  });

  it("uses the injected liveness check", async () => {
    await acquireStateLock(stateDir).then((lock) => lock.release());
    await writeFile(lockFile, lockText({ pid: 4242, startTime: "1" }));
    const checked: [number, string | null][] = [];
    const error = await rejection(
      acquireStateLock(stateDir, {
        processAlive: (pid, startTime) => {
          checked.push([pid, startTime]);
          return true;
        },
      }),
    );
    expect(error.message).toContain("Another supervisor (pid 4242,");
    expect(checked).toEqual([[4242, "1"]]);
  });

  it("refuses a lock file that holds no lock record, and leaves it", async () => {
    await acquireStateLock(stateDir).then((lock) => lock.release());
    await writeFile(lockFile, "garbage");
    const error = await rejection(acquireStateLock(stateDir));
    expect(error.message.replace(directory, "<dir>")).toBe(
      "The lock file <dir>/state/supervise.lock does not hold a supervise lock record.",
    );
    expect(await readFile(lockFile, "utf8")).toBe("garbage");
  });

  it("names the state dir and the OS error when the state dir cannot be created", async () => {
    await writeFile(join(directory, "a-file"), "");
    const error = await rejection(acquireStateLock(join(directory, "a-file", "state")));
    expect(error.message.replace(directory, "<dir>").replace(directory, "<dir>")).toBe(
      "Cannot use the state dir <dir>/a-file/state: ENOTDIR: not a directory, mkdir '<dir>/a-file/state'.",
    );
    expect(error.exitCode).toBe(2);
  });

  it("release leaves a lock that is no longer its own", async () => {
    const lock = await acquireStateLock(stateDir);
    const other = lockText({ pid: 4242, startTime: "1", hostname: "build-7" });
    await writeFile(lockFile, other);
    await lock.release();
    expect(await readFile(lockFile, "utf8")).toBe(other);
  });

  it("is refused while a real child process holds the lock, and granted at once after kill -9", async () => {
    await acquireStateLock(stateDir).then((lock) => lock.release());
    // npx runs node through npm and a shell: a process group lets one kill reach the holder.
    const child = spawn("npx", ["node", holdLockFixture, stateDir], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    const holderPid = await readLockedLine(child);
    const error = await rejection(acquireStateLock(stateDir));
    expect(error.message).toContain(`Another supervisor (pid ${holderPid}, started `);

    killGroup(child);
    await once(child, "close"); // every process of the group has closed the pipes: the holder is gone
    const lock = await acquireStateLock(stateDir);
    expect(JSON.parse(await readFile(lockFile, "utf8")).pid).toBe(process.pid);
    await lock.release();
  });
});

/** Waits for the fixture's `locked <pid>` line. */
function readLockedLine(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = "";
    let errors = "";
    child.stderr!.on("data", (chunk: Buffer) => {
      errors += chunk.toString();
    });
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /locked (\d+)\n/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.on("close", () =>
      reject(new Error(`the lock-holding fixture exited without taking the lock:\n${errors}`)),
    );
  });
}
