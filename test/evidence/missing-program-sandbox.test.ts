/**
 * Who a gate's exit 127 belongs to, decided in the real sandbox: a program the command line names
 * that the sandbox lacks, or a 127 at the base too, is the environment's; a 127 only the claim's
 * code brings about is the claim's failure. Real bwrap, real git, the plan gate path of verifyClaim.
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type GateServices, verifyClaim } from "../../src/evidence/index.ts";
import type { Forge } from "../../src/forge/index.ts";
import { checkIsolationAvailable, createCommandRunner, createRunIsolation } from "../../src/sandbox/index.ts";
import { testPlan, testWorkstream } from "../fakes/plan-builder.ts";

const isolation = await checkIsolationAvailable();

let root: string;
let checkout: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "supervise-127-"));
  checkout = join(root, "checkout");
  for (const folder of ["checkout", "state", "repository", "mirror", "run"]) await mkdir(join(root, folder));
  await writeFile(join(root, "state", "socket"), "");
  git(["init", "-q", "-b", "main"]);
});
afterEach(() => rm(root, { recursive: true, force: true }));

function git(args: string[]): string {
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], {
    cwd: checkout,
    encoding: "utf8",
  }).trim();
}

async function commit(check: string): Promise<string> {
  await writeFile(join(checkout, "check.sh"), check);
  git(["add", "-A"]);
  git(["commit", "-qm", "check"]);
  return git(["rev-parse", "HEAD"]);
}

async function verify(run: string, baseSha: string, commitSha: string) {
  const runner = createCommandRunner({
    isolate: createRunIsolation({
      stateDirectory: join(root, "state"),
      userRepository: join(root, "repository"),
      mirrorPath: join(root, "mirror"),
      socketPath: join(root, "state", "socket"),
      readOnly: [],
      network: "none",
      home: undefined,
    }),
  });
  const gate = { name: "lint", run, fixHint: undefined, timeoutMinutes: 1, metric: undefined, playbooks: [] };
  const services: GateServices = {
    runner,
    environment: { PATH: "/usr/bin:/bin", HOME: join(root, "home") },
    runDirectory: join(root, "run"),
    readCheckout: async () => ({ head: commitSha, uncommittedChanges: [] }),
    forge: {} as Forge,
    plan: testPlan([]),
    ciWaitMs: 0,
  };
  const [result] = await verifyClaim(
    {
      workstream: testWorkstream("ws", { done: ["lint"], commandGates: { lint: gate } }),
      claimId: 1,
      commit: commitSha,
      uncommittedChanges: [],
      checkoutPath: checkout,
      baseSha,
    },
    services,
    async () => {},
  );
  return result!;
}

describe.skipIf(!isolation.available && !process.env.CI)("a gate's exit 127 in the sandbox", () => {
  it("is the environment's when a program its command line names is not in the sandbox", async () => {
    const base = await commit("true\n");
    const result = await verify("lint-nowhere-8q3 --check", base, base);
    expect(result.status).toBe("error");
    expect(result.environmentProblem).toBeDefined();
    expect(result.detail).toMatch(/\(not found in the sandbox: `lint-nowhere-8q3`\)$/);
  });

  it("is the environment's when the command exits 127 at the base too", async () => {
    const base = await commit("lint-nowhere-8q3 src\n");
    const claim = await commit("lint-nowhere-8q3 src lib\n");
    const result = await verify("bash check.sh", base, claim);
    expect(result.status).toBe("error");
    expect(result.environmentProblem).toBeDefined();
    expect(result.detail).toMatch(/\(it exits 127 at the base too\)$/);
  });

  it("is the claim's failure when only the claim's code runs what is missing", async () => {
    const base = await commit("true\n");
    const claim = await commit("lint-nowhere-8q3 src\n");
    const result = await verify("bash check.sh", base, claim);
    expect(result.status).toBe("fail");
    expect(result.environmentProblem).toBeUndefined();
    expect(result.detail).toBe(
      "`bash check.sh` exited 127, a program not found or not executable, yet every program its command line names is in the sandbox and it exits 0 at the base: the claim's own code runs what is missing (check.sh: line 1: lint-nowhere-8q3: command not found)",
    );
  });
});
