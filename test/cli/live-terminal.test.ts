/**
 * The live view and Ctrl-C as a person meets them: `supervise` in a real pseudo-terminal (tmux),
 * started the three ways a person starts it, with keys pressed and the whole scrollback read back.
 */
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createWorkspace, type Workspace } from "../fakes/cli-harness.ts";
import { after, isTmuxAvailable, openTmuxTerminal, type TmuxTerminal } from "../fakes/tmux-terminal.ts";

const projectRoot = fileURLToPath(new URL("../../", import.meta.url));

// Named per workstream: two workers committing the same change in the same second would make
// one commit, and the second claimant would rightly be refused another workstream's commit.
const honestWorker = `#!/usr/bin/env bash
set -eu
cat >/dev/null
echo 2 > src/value.txt
git commit -qam "value is 2 for $SUPERVISE_WORKSTREAM"
supervise tool claim_done --input '{"summary": "value set to 2"}'
`;
const waitingWorker = "#!/usr/bin/env bash\ncat >/dev/null\nexec sleep 600\n";

function plan(workers: Record<string, string>): string {
  return [
    "name: terminal",
    "repo: ./repo",
    `concurrency: ${Object.keys(workers).length}`,
    "defaults:",
    "  done: [local_check]",
    '  commands: { check: "test \\"$(cat src/value.txt)\\" = 2" }',
    "  stall: { max_restarts: 1, max_rejections: 2 }",
    "workstreams:",
    ...Object.entries(workers).map(
      ([id, worker]) =>
        `  - id: ${id}\n    goal: set the value to 2\n    agent: { provider: command, command: "bash ${worker}" }`,
    ),
  ].join("\n");
}

/**
 * The shell's environment: the machine's PATH without the node_modules/.bin the test runner put
 * first, so `bin/supervise.js` meets the machine's own `node`, as it does for a person.
 */
function shellEnvironment(): Record<string, string> {
  const path = (process.env.PATH ?? "")
    .split(":")
    .filter((entry) => !entry.includes("node_modules/.bin"))
    .join(":");
  return {
    PATH: path,
    HOME: process.env.HOME ?? "/tmp",
    LANG: "C.UTF-8",
    PS1: "$ ",
    ...(process.env.CI ? { CI: process.env.CI } : {}),
  };
}

const tables = (text: string) => text.match(/^WORKSTREAM +STATE +GATES/gm)?.length ?? 0;
/**
 * The shell's `echo exit=$?`. The terminal echoes a Ctrl-C as "^C" when it sends the signal, which
 * may land after the last line supervise wrote, and so before this.
 */
const exitLine = /^(?:\^C)?exit=(\d+)$/m;
const exitCodeShown = (text: string) => exitLine.test(text);
const exitCode = (text: string) => Number(exitLine.exec(text)?.[1]);
/**
 * The last lines before the shell's `exit=N`: what the person reads when it stops. Left out: blank
 * lines (npm ends an interrupted script with one of its own) and the terminal's "^C" echoes.
 */
const lastLines = (text: string, count: number) => {
  const lines = text.split("\n");
  const end = lines.findIndex((line) => exitLine.test(line));
  return lines
    .slice(0, end)
    .filter((line) => line.trim() !== "" && line !== "^C")
    .slice(-count);
};

// A laptop without tmux skips these; CI installs it (.ci/run), so there a missing tmux fails.
describe.skipIf(!isTmuxAvailable() && !process.env.CI)("supervise in a terminal", () => {
  let workspace: Workspace;
  let terminal: TmuxTerminal;
  beforeEach(() => {
    workspace = createWorkspace({ "README.md": "# demo\n", "src/value.txt": "1\n" });
    terminal = openTmuxTerminal({
      columns: 160,
      rows: 50,
      cwd: projectRoot,
      environment: shellEnvironment(),
    });
    // A trap, so the shell runs `echo exit=$?` even when npm ends by re-raising the SIGINT.
    terminal.type("trap true INT");
  });
  afterEach(() => {
    terminal.close();
    workspace.cleanup();
  });

  it("redraws one table in place, keeps the stop message, stops on one Ctrl-C and resumes where it stopped", async () => {
    const quickA = workspace.writeWorker("quick-a.sh", honestWorker);
    const quickB = workspace.writeWorker("quick-b.sh", honestWorker);
    const slow = workspace.writeWorker("slow.sh", waitingWorker);
    const planFile = workspace.writePlan("plan.yaml", plan({ "quick-a": quickA, "quick-b": quickB, slow }));

    // A screen full of earlier output, as a terminal in use has: the frame is drawn at the bottom.
    terminal.type("seq 1 60");
    await terminal.mark("first run");
    terminal.type(`npx supervise ${planFile}; echo exit=$?`);
    const running = await terminal.waitFor(
      (text) => /2\/3 ended · 1 running · 2 accepted/.test(after(text, "first run")),
      "two workstreams accepted while the third works",
    );
    expect(tables(after(running, "first run"))).toBe(1);
    // ELAPSED moves with no event to redraw on: the slow worker only sleeps.
    const elapsedOfSlow = (text: string) => /^slow +running .* (\d+s)$/m.exec(after(text, "first run"))?.[1];
    const before = elapsedOfSlow(running);
    await terminal.waitFor(
      (text) => elapsedOfSlow(text) !== undefined && elapsedOfSlow(text) !== before,
      "the slow workstream's ELAPSED moving on",
    );

    // A narrower terminal: the redraw still erases all of the old, reflowed frame.
    terminal.resize(60, 50);
    await terminal.waitFor(
      (text) =>
        after(text, "first run")
          .split("\n")
          .some((line) => /^WORKSTREAM .*…$/.test(line)),
      "the table cut to 60 columns",
    );
    terminal.resize(160, 50);

    terminal.press("C-c");
    const stopped = after(
      await terminal.waitFor((text) => exitCodeShown(after(text, "first run")), "the exit code"),
      "first run",
    );
    expect(exitCode(stopped)).toBe(130);
    expect(tables(stopped)).toBe(1);
    expect(stopped.match(/^Stopping: workers are being stopped/gm)).toHaveLength(1);
    expect(stopped).not.toContain("Interrupted again");
    expect(stopped).toMatch(/^quick-a +accepted/m);
    expect(lastLines(stopped, 2)).toEqual([
      "Stopped: the worker of slow; it continues from its checkout on resume.",
      `Resume with: npx supervise ${planFile}`,
    ]);

    workspace.writeWorker("slow.sh", honestWorker);
    await terminal.mark("resumed");
    terminal.type(`npx supervise ${planFile}; echo exit=$?`);
    const resumed = after(
      await terminal.waitFor(
        (text) => /^quick-b +accepted/m.test(after(text, "resumed")),
        "the resumed table",
      ),
      "resumed",
    );
    expect(resumed.split("\n")[1]).toMatch(/^Resuming run \S+: 2 accepted, 1 to go\.$/);
    expect(resumed).toMatch(/^quick-a +accepted/m);
    const finished = after(
      await terminal.waitFor((text) => exitCodeShown(after(text, "resumed")), "the resumed run's exit code"),
      "resumed",
    );
    expect(exitCode(finished)).toBe(0);
    expect(tables(finished)).toBe(1);
    expect(finished).toMatch(/^slow +accepted/m);
    expect(finished).toMatch(/^Run \S+ finished: 3 accepted\.$/m);
  }, 900_000);

  it("exits at once on a second Ctrl-C while the first still stops the workers, saying how to resume", async () => {
    // A worker that ignores SIGTERM: the first stop waits out the grace (2 s) before its SIGKILL.
    // Without OS isolation, where the sandbox's own SIGTERM would end it at once.
    const stubborn = workspace.writeWorker(
      "stubborn.sh",
      "#!/usr/bin/env bash\ntrap '' TERM\ncat >/dev/null\nsleep 600\n",
    );
    const planFile = workspace.writePlan(
      "plan.yaml",
      `${plan({ stubborn })}\nsandbox: { isolation: none }\n`,
    );
    await terminal.mark("run");
    terminal.type(`bin/supervise.js ${planFile}; echo exit=$?`);
    await terminal.waitFor(
      (text) => /^ {2}stubborn: worker\.started/m.test(after(text, "run")),
      "the worker started",
    );
    terminal.press("C-c");
    await terminal.waitFor((text) => /^Stopping: /m.test(after(text, "run")), "the stop message");
    terminal.press("C-c");
    const forced = after(
      await terminal.waitFor((text) => exitCodeShown(after(text, "run")), "the exit code"),
      "run",
    );
    expect(exitCode(forced)).toBe(130);
    expect(tables(forced)).toBe(1);
    expect(lastLines(forced, 1)).toEqual([
      `Interrupted again: exiting now. The journal is consistent; resume with: bin/supervise.js ${planFile}`,
    ]);
  }, 900_000);

  it.each([
    ["bin/supervise.js", (planFile: string) => `bin/supervise.js ${planFile}`],
    ["npm run supervise", (planFile: string) => `npm run supervise -- ${planFile}`],
  ])(
    "stops on one Ctrl-C when started as %s, and says how to resume the same way",
    async (_, command) => {
      const slow = workspace.writeWorker("slow.sh", waitingWorker);
      const planFile = workspace.writePlan("plan.yaml", plan({ slow }));
      await terminal.mark("run");
      terminal.type(`${command(planFile)}; echo exit=$?`);
      await terminal.waitFor(
        (text) =>
          /0\/1 ended · 1 running/.test(after(text, "run")) &&
          /^ {2}slow: worker\.started/m.test(after(text, "run")),
        "the worker started",
      );
      terminal.press("C-c");
      const stopped = after(
        await terminal.waitFor((text) => exitCodeShown(after(text, "run")), "the exit code"),
        "run",
      );
      expect(exitCode(stopped)).toBe(130);
      expect(stopped).not.toContain("Interrupted again");
      expect(tables(stopped)).toBe(1);
      expect(lastLines(stopped, 1)).toEqual([`Resume with: ${command(planFile)}`]);
    },
    900_000,
  );
});
