import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { documentedCommands } from "../../src/cli/command-usage.ts";
import { commands } from "../../src/cli/dispatch.ts";
import { main } from "../../src/cli/main.ts";
import type { Output } from "../../src/cli/output.ts";

async function supervise(...argv: string[]) {
  let stdout = "";
  let stderr = "";
  const output: Output = {
    out: (text) => {
      stdout += text;
    },
    err: (text) => {
      stderr += text;
    },
    isTty: false,
    useColor: false,
    columns: 100,
    rows: 30,
    onResize: () => () => {},
  };
  const exitCode = await main(argv, output);
  return { exitCode, stdout, stderr };
}

const version = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

describe("supervise COMMAND --help", () => {
  it("documents every command", () => {
    expect(Object.keys(commands).filter((command) => !documentedCommands.includes(command))).toEqual([]);
  });

  it.each(documentedCommands)("prints the usage of %s and exits 0", async (command) => {
    for (const argv of [
      [command, "--help"],
      [command, "-h"],
      ["help", command],
    ]) {
      const result = await supervise(...argv);
      expect(result).toMatchObject({ exitCode: 0, stderr: "" });
      expect(result.stdout).toMatch(new RegExp(`^Usage: supervise ${command}\\b`));
      expect(result.stdout).toContain("-h, --help");
    }
  });

  it("prints the run's usage for a plan followed by --help, without reading the plan", async () => {
    const result = await supervise("no-such-plan.yaml", "--help");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^Usage: supervise run PLAN \[flags\]\n {3}or: supervise PLAN \[flags\]\n/);
  });

  it("prints the status command's flags", async () => {
    expect((await supervise("status", "--help")).stdout).toMatchInlineSnapshot(`
      "Usage: supervise status [--json] [--state-dir DIR | --plan PLAN]

      Workstreams with state, gates, attempts, turns, tokens, cost and elapsed time.

      Flags:
        --json           print JSON instead of text
        --state-dir DIR  the state dir to read (default: found as \`run\` finds it)
        --plan PLAN      find the state dir from this plan
        -h, --help       this help
      "
    `);
  });

  it("prints the overview on --help, and with exit 2 when called with nothing", async () => {
    const help = await supervise("--help");
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain("`supervise COMMAND --help` explains one command.");
    expect((await supervise()).exitCode).toBe(2);
  });
});

describe("supervise version", () => {
  it.each([["version"], ["--version"], ["-V"]])("%s prints the version", async (word) => {
    expect(await supervise(word)).toEqual({ exitCode: 0, stdout: `supervise ${version}\n`, stderr: "" });
  });
});

describe("unknown commands and flags", () => {
  it("rejects a word that is neither a command nor a plan with exit 2, and names the commands", async () => {
    const result = await supervise("frobnicate");
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatchInlineSnapshot(`
      "error: Unknown command "frobnicate".
      hint: Commands: run, host, validate, status, evidence, logs, watch, escalations, approve, deny, reply, report, init, completion, schema, clean, tool, mcp, version, help. A plan is run as \`supervise PLAN.yaml\`; \`supervise --help\` says more.
      "
    `);
  });

  it("suggests the command a typo was meant to be", async () => {
    expect((await supervise("stauts")).stderr).toMatch(
      /^error: Unknown command "stauts" \(did you mean "status"\?\)\./,
    );
    expect((await supervise("escalation")).stderr).toMatch(/\(did you mean "escalations"\?\)/);
    expect((await supervise("versoin")).stderr).toMatch(/\(did you mean "version"\?\)/);
  });

  it("reads a word as a plan when it looks like one: a .yaml or .yml name, a path, or an existing file", async () => {
    for (const plan of ["missing.yaml", "missing.YML", "plans/missing"]) {
      const result = await supervise(plan);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).not.toContain("Unknown command");
    }
    // README.md exists: it is read as a plan, and fails as one.
    expect((await supervise("README.md")).stderr).not.toContain("Unknown command");
  });

  it("suggests the flag a typo was meant to be, for a command and before a plan", async () => {
    expect((await supervise("status", "--jsn")).stderr).toMatchInlineSnapshot(`
      "error: supervise status: unknown flag --jsn (did you mean "--json"?).
      hint: \`supervise status --help\` lists its arguments and flags.
      "
    `);
    expect((await supervise("missing.yaml", "--no-wiat")).stderr).toMatch(
      /^error: supervise run: unknown flag --no-wiat \(did you mean "--no-wait"\?\)\./,
    );
    const before = await supervise("--dryrun", "missing.yaml");
    expect(before.exitCode).toBe(2);
    expect(before.stderr).toMatch(/^error: Unknown flag --dryrun \(did you mean "--dry-run"\?\)\./);
  });
});
