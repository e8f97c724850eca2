import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";

let workspace: Workspace;
beforeEach(() => {
  workspace = createWorkspace({ "README.md": "# demo\n", "src/value.txt": "1\n" });
});
afterEach(() => workspace.cleanup());

const asker = `#!/usr/bin/env bash
set -eu
cat >/dev/null
answer=$(supervise tool ask_human --input '{"question": "Which value should it be?"}')
echo "$answer" > .git/answer.txt
value=$(echo "$answer" | sed -n 's/^Their reply: //p')
echo "$value" > src/value.txt
git commit -qam "value is $value"
supervise tool claim_done --input '{"summary": "set as the human said"}'
`;

describe("a human answers a command worker's ask_human from the CLI", () => {
  it("reply arrives as the tool result while the supervisor runs; bad decisions exit 2", async () => {
    const worker = workspace.writeWorker("asker.sh", asker);
    workspace.writePlan(
      "plan.yaml",
      [
        "repo: ./repo",
        "defaults:",
        "  done: [local_check]",
        '  commands: { check: "test \\"$(cat src/value.txt)\\" = 42" }',
        "workstreams:",
        `  - { id: ask, goal: set the value the human wants, agent: { provider: command, command: "bash ${worker}" } }`,
      ].join("\n"),
    );
    const run = workspace.supervise(["plan.yaml", "--json"]);
    await new Promise<void>((resolve) => {
      run.stdout?.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes('"escalation.opened"')) resolve();
      });
    });
    const listed = await workspace.supervise(["escalations", "--json"]);
    expect(JSON.parse(listed.stdout).escalations).toMatchObject([
      {
        id: "ask-1",
        workstream: "ask",
        question: "Which value should it be?",
        source: "worker",
        status: "pending",
      },
    ]);
    const empty = await workspace.supervise(["reply", "ask-1", "  "]);
    expect(empty.exitCode).toBe(2);
    const unknown = await workspace.supervise(["approve", "nope-9"]);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain('There is no escalation "nope-9"');
    const badWaiver = await workspace.supervise(["approve", "ask-1", "--waive", "bogus_gate"]);
    expect(badWaiver.exitCode).toBe(2);
    expect(badWaiver.stderr).toContain("--waive takes gate ids");
    expect((await workspace.supervise(["deny", "ask-1", "--waive", "local_check"])).exitCode).toBe(2);
    const fromWorker = await workspace.supervise(["approve", "ask-1"], {
      env: { SUPERVISE_TOOL_TOKEN: "a-worker-token", SUPERVISE_TOOL_SOCKET: "/nowhere.sock" },
    });
    expect(fromWorker.exitCode).toBe(2);
    expect(fromWorker.stderr).toContain("cannot be made from inside a worker");
    const reply = await workspace.supervise(["reply", "ask-1", "42"]);
    expect(reply.exitCode, reply.stderr).toBe(0);
    const again = await workspace.supervise(["approve", "ask-1"]);
    expect(again.exitCode).toBe(2);
    expect(again.stderr).toContain("already decided (replied)");

    const result = await run;
    expect(result.exitCode).toBe(0);
    const answer = readFileSync(
      join(workspace.directory, ".supervise", "checkouts", "ask", ".git", "answer.txt"),
      "utf8",
    );
    expect(answer).toContain("Their reply: 42");
    const decided = result.stdout
      .split("\n")
      .map((line) => JSON.parse(line))
      .find((event) => event.type === "escalation.decided");
    expect(decided).toMatchObject({
      escalation: "ask-1",
      decision: "reply",
      text: "42",
      decided_by: expect.any(String),
    });
  });
});
