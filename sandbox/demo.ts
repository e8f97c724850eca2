/**
 * The hermetic demo: copies the widget target into a fresh temp workspace (its own git repo),
 * puts the week-2 plan and its cassettes beside it, and runs `supervise week2.yaml --no-wait` there,
 * so it can be re-run any number of times and leaves its state for `supervise status` and friends.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../src/cli/index.ts";
import { checkIsolationAvailable } from "../src/sandbox/index.ts";

const sandbox = fileURLToPath(new URL(".", import.meta.url));
const workspace = mkdtempSync(join(tmpdir(), "supervise-demo-"));
const repository = join(workspace, "widget");
cpSync(join(sandbox, "target"), repository, { recursive: true });
cpSync(join(sandbox, "cassettes"), join(workspace, "cassettes"), { recursive: true });
const git = (...args: string[]) =>
  execFileSync("git", ["-c", "user.name=demo", "-c", "user.email=demo@example.invalid", ...args], {
    cwd: repository,
    stdio: "ignore",
  });
git("init", "-q", "-b", "main");
git("add", "-A");
git("commit", "-qm", "widget: initial import");

// `npm run demo -- week2.live.yaml` (a real model) or `-- week2.claude.yaml` (Claude Code via MCP).
const planName = process.argv[2]?.endsWith(".yaml") ? process.argv[2] : "week2.yaml";
const extraArguments = process.argv.slice(planName === process.argv[2] ? 3 : 2);
let plan = readFileSync(join(sandbox, planName), "utf8");
const isolation = await checkIsolationAvailable();
if (!isolation.available) {
  // The demo still runs; a real plan would refuse to start, and says so in its error.
  process.stdout.write(
    `Note: bubblewrap is not usable here (${isolation.reason}); the demo runs without OS isolation.\n`,
  );
  plan = plan.replace("forge: { kind: local }", "forge: { kind: local }\nsandbox: { isolation: none }");
}
const planFile = join(workspace, planName);
writeFileSync(planFile, plan);

// bin/supervise.js runs from any folder on any Node: it re-runs itself on the project's Node 24.
const supervise = join(sandbox, "..", "bin", "supervise.js");
process.stdout.write(
  `Demo workspace: ${workspace}\n$ cd ${workspace} && supervise ${planName} --no-wait\n\n`,
);
process.chdir(workspace);
const exitCode = await main([planName, "--no-wait", ...extraArguments]);
process.stdout.write(
  [
    "",
    `The demo's state is in ${workspace}/.supervise. Try, from there (alias supervise=${supervise}):`,
    `  cd ${workspace}`,
    "  supervise status                     every workstream, its gates and attempts",
    "  supervise evidence add-truncate      the evidence bundle that caught the stub writer",
    "  supervise escalations                the question left for you: approve, deny or reply",
    `  supervise ${planName}                 resume the run after your answer`,
    "  supervise report --format html > report.html",
    "",
  ].join("\n"),
);
process.exitCode = exitCode === 3 ? 0 : exitCode;
