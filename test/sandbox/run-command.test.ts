import { existsSync } from "node:fs";
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  buildCommandEnvironment,
  type CommandRequest,
  createCommandRunner,
} from "../../src/sandbox/index.ts";
import { fixtureCommand, testEnvironment } from "./process-fixtures.ts";

const runner = createCommandRunner({ forceKillAfterMs: 300, lingerGraceMs: 200 });
let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "supervise-run-command-"));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

function request(command: string, extra: Partial<CommandRequest> = {}): CommandRequest {
  return { command, cwd: directory, env: testEnvironment(), timeoutMs: 10_000, ...extra };
}

const finished = {
  exitCode: 0,
  signal: null,
  isTimedOut: false,
  isCanceled: false,
  durationMs: expect.any(Number),
  isOutputTruncated: false,
  error: null,
};

describe("createCommandRunner().run", () => {
  it("reports the exit code of a bash script with pipes and &&", async () => {
    const result = await runner.run(request("echo one | tr a-z A-Z && pwd && exit 7"));
    expect(result).toEqual({
      ...finished,
      exitCode: 7,
      output: `ONE\n${directory}\n`,
      outputBytes: 5 + directory.length,
    });
  });

  it("writes stdin, then closes it", async () => {
    const result = await runner.run(request("cat; echo '<eof>'", { stdin: "line 1\nline 2\n" }));
    expect(result).toEqual({ ...finished, output: "line 1\nline 2\n<eof>\n", outputBytes: 20 });
  });

  it("gives a command /dev/null as stdin when there is none", async () => {
    const result = await runner.run(request("cat; readlink /proc/self/fd/0"));
    expect(result).toEqual({ ...finished, output: "/dev/null\n", outputBytes: 10 });
  });

  it("keeps stdout and stderr in the order they were written", async () => {
    const chunks: string[] = [];
    const result = await runner.run(
      request("echo a; echo b >&2; echo c; echo d >&2", { onOutput: (chunk) => chunks.push(chunk) }),
    );
    expect(result).toEqual({ ...finished, output: "a\nb\nc\nd\n", outputBytes: 8 });
    expect(chunks.join("")).toBe("a\nb\nc\nd\n");
  });

  it("runs with exactly the scrubbed environment, plus the markers", async () => {
    const path = process.env.PATH ?? "/usr/bin:/bin";
    const parent = {
      PATH: path,
      HOME: directory,
      LANG: "C.UTF-8",
      ANTHROPIC_API_KEY: "sk-ant-test",
      GITHUB_TOKEN: "ghp_test",
      GH_TOKEN: "gho_test",
      NODE_OPTIONS: "--inspect",
      npm_config_prefix: "/somewhere",
      GIT_DIR: "/elsewhere/.git",
    };
    const result = await runner.run({
      command: "env",
      cwd: directory,
      env: buildCommandEnvironment({ parent }),
      timeoutMs: 10_000,
      markers: { SUPERVISE_RUN: "run-42" },
    });
    const environment = Object.fromEntries(
      result.output
        .trim()
        .split("\n")
        .map((line) => line.split(/=(.*)/s, 2)),
    );
    expect(environment).toEqual({
      PATH: path,
      HOME: directory,
      LANG: "C.UTF-8",
      SUPERVISE_RUN: "run-42",
      INVOCATION_ID: expect.stringMatching(/^[0-9a-f]{32}$/),
      // Set by bash itself.
      PWD: directory,
      SHLVL: expect.any(String),
      _: "/usr/bin/env",
    });
  });

  it("caps the output of a 50 MB flood and logs every byte", async () => {
    const floodBytes = 50 * 1024 * 1024;
    const totalBytes = "BEGIN\n".length + floodBytes + "\nEND\n".length;
    const logFile = join(directory, "logs", "flood.log");
    const result = await runner.run(request(fixtureCommand("flood.sh", String(floodBytes)), { logFile }));

    const head = `BEGIN\n${"x".repeat(32 * 1024 - 6)}`;
    const tail = `${"x".repeat(32 * 1024 - 5)}\nEND\n`;
    expect(result).toEqual({
      ...finished,
      output: `${head}\n[… ${totalBytes - 64 * 1024} bytes elided …]\n${tail}`,
      outputBytes: totalBytes,
      isOutputTruncated: true,
    });
    expect((await stat(logFile)).size).toBe(totalBytes);
    expect(await readBytes(logFile, 0, 6)).toBe("BEGIN\n");
    expect(await readBytes(logFile, totalBytes - 6, 6)).toBe("x\nEND\n");
  });

  it("reports a missing working directory as an error, not a throw", async () => {
    const missing = join(directory, "missing");
    const result = await runner.run(request("true", { cwd: missing }));
    expect(result).toEqual({
      exitCode: null,
      signal: null,
      isTimedOut: false,
      isCanceled: false,
      durationMs: expect.any(Number),
      output: "",
      outputBytes: 0,
      isOutputTruncated: false,
      error: `Could not start the command: the working directory ${missing} does not exist (spawn /bin/bash ENOENT)`,
    });
  });

  it("reports a command the kernel refuses to start (an argument past its size limit) as an error", async () => {
    const result = await runner.run(request(`echo ${"x".repeat(200 * 1024)}`));
    expect(result).toMatchObject({ exitCode: null, isCanceled: false, output: "" });
    expect(result.error).toMatch(/^Could not start the command: .*E2BIG/);
  });

  it("starts nothing when it is cancelled before it starts", async () => {
    const marker = join(directory, "ran");
    const controller = new AbortController();
    controller.abort();
    const result = await runner.run({ ...request(`touch ${marker}`), signal: controller.signal });
    expect(result).toMatchObject({ exitCode: null, isCanceled: true, error: null });
    expect(existsSync(marker)).toBe(false);
  });

  it("reports an unwritable log file as an error without running the command", async () => {
    const marker = join(directory, "ran");
    const result = await runner.run(request(`touch ${marker}`, { logFile: "/etc/passwd/command.log" }));
    expect(result.error).toMatch(
      /^Could not open the log file \/etc\/passwd\/command\.log: .*(EEXIST|ENOTDIR)/,
    );
    await expect(stat(marker)).rejects.toThrow("ENOENT");
  });

  it("rejects requests that are programming errors", async () => {
    await expect(runner.run(request("true", { timeoutMs: 0 }))).rejects.toThrow(
      "Expected `timeoutMs` to be a positive integer, got 0.",
    );
    await expect(runner.run(request("true", { cwd: "relative" }))).rejects.toThrow(
      'Expected `cwd` to be an absolute path, got "relative".',
    );
  });

  it("lets an isolation step rewrite what is spawned", async () => {
    const isolated = createCommandRunner({
      isolate: (invocation) => ({
        ...invocation,
        argv: ["/usr/bin/env", "ISOLATED=yes", ...invocation.argv],
      }),
    });
    const result = await isolated.run(request("echo $ISOLATED"));
    expect(result).toEqual({ ...finished, output: "yes\n", outputBytes: 4 });
  });
});

async function readBytes(path: string, position: number, length: number): Promise<string> {
  const handle = await open(path, "r");
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(length), 0, length, position);
    return buffer.subarray(0, bytesRead).toString("utf8");
  } finally {
    await handle.close();
  }
}
