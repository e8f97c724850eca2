import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startToolServer, type ToolServer } from "../../src/agent/bridge/tool-server.ts";
import { writeSuperviseShim } from "../../src/agent/bridge/worker-shim.ts";
import { FakeWorkerServices } from "./fake-worker-services.ts";

const cliPath = fileURLToPath(new URL("../../src/cli.ts", import.meta.url));

interface Outcome {
  stdout: string;
  stderr: string;
  exitCode: number;
}

let directory: string;
let toolServer: ToolServer;
let services: FakeWorkerServices;
let token: string;
/** The shim as run writes it. */
let shim: string;
/** The same shim whose CLI is a stand-in that only says it ran: what this one answers, curl answered. */
let curlOnlyShim: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "supervise-shim-"));
  toolServer = await startToolServer(join(directory, "tools.sock"));
  services = new FakeWorkerServices(directory);
  token = toolServer.grant("ws1", services);
  shim = join(
    await writeSuperviseShim(join(directory, "bin"), { nodePath: process.execPath, cliPath }),
    "supervise",
  );
  const standIn = join(directory, "stand-in-cli.sh");
  await writeFile(standIn, '#!/bin/sh\necho "the CLI ran: $*" >&2\nexit 99\n');
  await chmod(standIn, 0o755);
  curlOnlyShim = join(
    await writeSuperviseShim(join(directory, "curl-only"), { nodePath: "/bin/sh", cliPath: standIn }),
    "supervise",
  );
});
afterEach(async () => {
  await toolServer.close();
  await rm(directory, { recursive: true, force: true });
});

function run(
  program: string,
  args: string[],
  environment: Record<string, string> = {},
  path = process.env.PATH ?? "/usr/bin:/bin",
): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(
      program,
      args,
      {
        env: {
          PATH: path,
          SUPERVISE_TOOL_SOCKET: toolServer.socketPath,
          SUPERVISE_TOOL_TOKEN: token,
          ...environment,
        },
      },
      (error, stdout, stderr) => {
        resolve({ stdout, stderr, exitCode: error ? Number(error.code) : 0 });
      },
    );
  });
}

/** The CLI itself, as every `supervise tool` ran before the shim had a fast path. */
const throughTheCli = (args: string[], environment?: Record<string, string>) =>
  run(process.execPath, [cliPath, ...args], environment);
/** The shim with no curl on its PATH: it hands everything to the CLI. */
const withoutCurl = (args: string[], environment?: Record<string, string>) =>
  run(shim, args, environment, "/nonexistent");

describe("the supervise shim on a worker's PATH", () => {
  it.each([
    ["a result", ["tool", "push"]],
    ["input as a separate argument", ["tool", "merge_pull_request", "--input", '{"method": "rebase"}']],
    ["input with =", ["tool", "close_issue", '--input={"comment": "fixed"}']],
    ["null input, which the CLI sends as {}", ["tool", "push", "--input", "null"]],
    ["input that fails the tool's schema (exit 2)", ["tool", "claim_done", "--input", "{}"]],
    ["a tool that does not exist (exit 2)", ["tool", "no_such_tool"]],
  ])("answers %s through curl exactly as the CLI does", async (_case, args) => {
    const expected = await throughTheCli(args);
    const callsThroughTheCli = services.calls.splice(0);
    expect(await run(curlOnlyShim, args)).toEqual(expected);
    expect(services.calls).toEqual(callsThroughTheCli);
    expect(await withoutCurl(args)).toEqual(expected);
  });

  it("exits 1 with the verdict when the tool answers with an error", async () => {
    services.claimVerdict = { isError: true, text: "Rejected: local_check failed." };
    const args = ["tool", "claim_done", "--input", '{"summary": "done"}'];
    expect(await run(curlOnlyShim, args)).toEqual({
      stdout: "Rejected: local_check failed.\n",
      stderr: "",
      exitCode: 1,
    });
    expect(await throughTheCli(args)).toEqual(await run(curlOnlyShim, args));
  });

  it("refuses a revoked token the way the CLI does", async () => {
    toolServer.revoke(token);
    const expected = await throughTheCli(["tool", "push"]);
    expect(expected).toEqual({
      stdout: "This worker token is not valid (any more): the supervisor refused the call.\n",
      stderr: "",
      exitCode: 1,
    });
    expect(await run(curlOnlyShim, ["tool", "push"])).toEqual(expected);
  });

  it("leaves input that is not JSON to the CLI, and the tool is not called", async () => {
    const args = ["tool", "push", "--input", "{not json"];
    expect(await run(curlOnlyShim, args)).toEqual({
      stdout: "",
      stderr: "the CLI ran: tool push --input {not json\n",
      exitCode: 99,
    });
    const expected = await throughTheCli(args);
    expect(expected.exitCode).toBe(2);
    expect(expected.stderr).toMatch(/^error: --input must be JSON: /);
    expect(await run(shim, args)).toEqual(expected);
    expect(services.calls).toEqual([]);
  });

  it.each([
    ["another subcommand", ["--version"]],
    ["an argument shape the fast path does not read", ["tool", "push", "--input", "{}", "extra"]],
    ["an empty input", ["tool", "push", "--input", ""]],
    ["a value that looks like an option", ["tool", "push", "--input", "--json"]],
  ])("hands %s to the CLI", async (_case, args) => {
    expect((await run(curlOnlyShim, args)).stderr).toBe(`the CLI ran: ${args.join(" ")}\n`);
    expect(await run(shim, args)).toEqual(await throughTheCli(args));
    expect(services.calls).toEqual([]);
  });

  it("hands an unreachable supervisor to the CLI, which says so", async () => {
    const gone = { SUPERVISE_TOOL_SOCKET: join(directory, "gone.sock") };
    const expected = await throughTheCli(["tool", "push"], gone);
    expect(expected.exitCode).toBe(1);
    expect(expected.stderr).toMatch(/^error: Could not reach the supervisor: connect ENOENT/);
    expect(await run(shim, ["tool", "push"], gone)).toEqual(expected);
  });

  it("appends to a file the worker redirects into, as the CLI's own write does", async () => {
    const log = join(directory, "tool.log");
    await writeFile(log, "before\n");
    const script = `'${shim}' tool push >> '${log}' && '${shim}' tool ci_status >> '${log}' && cat '${log}'`;
    expect(await run("/bin/sh", ["-c", script])).toEqual({
      stdout: "before\nPushed abc123 to ws/branch.\nCI: success\n",
      stderr: "",
      exitCode: 0,
    });
  });
});
