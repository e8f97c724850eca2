/**
 * The hermetic demo: copies a target into a fresh temp workspace (its own git repository), puts a plan
 * and what its workers need beside it, and runs `supervise PLAN --no-wait` there, so it can be re-run
 * any number of times and leaves its state for `supervise status` and friends.
 *
 * `npm run demo` runs week2.yaml on the widget library with replayed model workers;
 * `npm run demo -- week2.live.yaml` (a real model) or `-- week2.claude.yaml` (Claude Code via MCP);
 * `npm run demo -- parallel-test-campaign` or `-- phased-build` runs an example of examples/ on the
 * bundled Rust workspace with scripted workers.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { main } from "../src/cli/index.ts";
import { checkIsolationAvailable } from "../src/sandbox/index.ts";

const sandbox = fileURLToPath(new URL(".", import.meta.url));
const examples = join(sandbox, "examples");

interface DemoSetup {
  planName: string;
  plan: string;
  /** Lines printed after the run: what to look at next. */
  tryNext: string[];
}

/** The example named `name` (`phased-build`, `phased-build.yaml`, `examples/phased-build.yaml`), if any. */
function exampleNamed(name: string | undefined): string | null {
  const bare = name?.replace(/^(?:sandbox\/)?examples\//, "").replace(/\.yaml$/, "");
  return bare && existsSync(join(examples, `${bare}.yaml`)) ? `${bare}.yaml` : null;
}

function importRepository(source: string, repository: string, message: string): void {
  cpSync(source, repository, { recursive: true });
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=demo", "-c", "user.email=demo@example.invalid", ...args], {
      cwd: repository,
      stdio: "ignore",
    });
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-qm", message);
}

function setUpWeek2(workspace: string, requested: string | undefined): DemoSetup {
  importRepository(join(sandbox, "target"), join(workspace, "widget"), "widget: initial import");
  cpSync(join(sandbox, "cassettes"), join(workspace, "cassettes"), { recursive: true });
  const planName = requested?.endsWith(".yaml") ? requested : "week2.yaml";
  return {
    planName,
    plan: readFileSync(join(sandbox, planName), "utf8"),
    tryNext: [
      "  supervise status                     every workstream, its gates and attempts",
      "  supervise evidence add-truncate      the evidence bundle that caught the stub writer",
      "  supervise escalations                the question left for you: approve, deny or reply",
      `  supervise ${planName}                 resume the run after your answer`,
      "  supervise report --format html > report.html",
    ],
  };
}

/**
 * An example on the bundled Rust workspace. Its workers are scripts, which a command worker names by
 * an absolute path (the sandbox lets a command read the files it names): the plan's `bash workers/…`
 * becomes this workspace's copy.
 */
function setUpExample(workspace: string, planName: string): DemoSetup {
  importRepository(
    join(examples, "rust-target"),
    join(workspace, "rust-target"),
    "rust-target: initial import",
  );
  cpSync(join(examples, "workers"), join(workspace, "workers"), { recursive: true });
  const plan = readFileSync(join(examples, planName), "utf8").replaceAll(
    "bash workers/",
    `bash ${join(workspace, "workers")}/`,
  );
  return {
    planName,
    plan,
    tryNext: [
      "  supervise status                     every workstream, its gates and attempts",
      "  supervise report                     the tests per module: run, passed, failed, ignored",
      "  supervise evidence WORKSTREAM        the evidence bundle of one workstream",
      "  supervise report --format html > report.html",
    ],
  };
}

const requested = process.argv[2];
const example = exampleNamed(requested);
const workspace = mkdtempSync(join(tmpdir(), "supervise-demo-"));
const setup = example ? setUpExample(workspace, example) : setUpWeek2(workspace, requested);
const { planName } = setup;
const extraArguments = process.argv.slice(example || requested?.endsWith(".yaml") ? 3 : 2);
let plan = setup.plan;
const isolation = await checkIsolationAvailable();
if (!isolation.available) {
  // The demo still runs; a real plan would refuse to start, and says so in its error.
  process.stdout.write(
    `Note: bubblewrap is not usable here (${isolation.reason}); the demo runs without OS isolation.\n`,
  );
  plan = plan.replace("forge: { kind: local }", "forge: { kind: local }\nsandbox: { isolation: none }");
}
writeFileSync(join(workspace, planName), plan);

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
    ...setup.tryNext,
    "",
  ].join("\n"),
);
process.exitCode = exitCode === 3 ? 0 : exitCode;
