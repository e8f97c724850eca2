/**
 * `supervise approve|deny|reply` when the run's files refuse the decision: a clear message naming
 * the path, exit 2, no stack trace, and the escalation still pending.
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { systemClock } from "../../src/clock.ts";
import { createEscalationStore } from "../../src/monitor/index.ts";
import { cliPath } from "../fakes/cli-harness.ts";
import { type SyntheticRun, writeSyntheticRun } from "../report/synthetic-run.ts";

let synthetic: SyntheticRun;

const supervise = (args: string[]) =>
  execa(process.execPath, [cliPath, ...args, "--state-dir", synthetic.stateDirectory], {
    reject: false,
    env: { NO_COLOR: "1", SUPERVISE_TOOL_TOKEN: "", SUPERVISE_TOOL_SOCKET: "" },
  });

const decisions: { kind: string; args: string[] }[] = [
  { kind: "approve", args: ["approve", "ask-1"] },
  { kind: "deny", args: ["deny", "ask-1"] },
  { kind: "reply", args: ["reply", "ask-1", "use the tabs"] },
];

beforeEach(async () => {
  synthetic = await writeSyntheticRun();
  await createEscalationStore(synthetic.run.dir, systemClock).open({
    id: "ask-1",
    workstream: "ws-pending",
    question: "Tabs or spaces?",
    source: "worker",
  });
});

afterEach(async () => {
  await execa("chmod", ["-R", "u+w", synthetic.stateDirectory], { reject: false });
  await synthetic.cleanup();
});

const escalationFile = () => join(synthetic.run.dir, "escalations", "ask-1.json");

async function expectStillPending(): Promise<void> {
  expect(JSON.parse(await readFile(escalationFile(), "utf8")).status).toBe("pending");
}

describe("a decision the state dir refuses", () => {
  it.each(decisions)(
    "supervise $kind names the path it cannot use, exit 2, no stack trace",
    async ({ args }) => {
      // Root ignores permissions, so take the run's decision key path with a folder instead: that
      // fails for every user.
      await mkdir(join(synthetic.run.dir, "decision.key"));
      const result = await supervise(args);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toContain(
        `error: Cannot record the decision on escalation ask-1: a file in the run directory ${synthetic.run.dir} cannot be written (EISDIR`,
      );
      expect(result.stderr).toContain("Nothing was decided.");
      expect(result.stderr).not.toMatch(/\n\s+at |this is a bug/i);
      await expectStillPending();
    },
  );

  const isRoot = process.getuid?.() === 0;
  it.skipIf(isRoot).each(decisions)(
    `supervise $kind on a read-only state dir names the file${isRoot ? " (skipped: root ignores permissions)" : ""}`,
    async ({ args }) => {
      await execa("chmod", ["-R", "a-w", synthetic.stateDirectory]);
      const result = await supervise(args);
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(
        /^error: Cannot record the decision on escalation ask-1: \S+ cannot be written \(EACCES/,
      );
      expect(result.stderr).toContain(synthetic.run.dir);
      expect(result.stderr).not.toMatch(/\n\s+at |this is a bug/i);
      await expectStillPending();
    },
  );
});
