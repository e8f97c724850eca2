/**
 * A claimed commit whose few objects expand past the limits: no gate reads it, each fails with the
 * figure measured and the limit passed, and the supervisor writes nothing of it (no base run, no
 * clone, no log). Real git: the workspace's own measurement, in a real checkout.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it } from "vitest";
import { verifyClaim } from "../../src/evidence/verify-claim.ts";
import type { Forge } from "../../src/forge/forge.ts";
import { type Checkout, Workspace } from "../../src/workspace/index.ts";
import { FakeCommandRunner } from "../fakes/fake-command-runner.ts";
import { testPlan, testWorkstream } from "../fakes/plan-builder.ts";
import { createFixture, type Fixture } from "../workspace/repositories.ts";
import { commitManyFiles } from "../workspace/tree-bombs.ts";

let fixture: Fixture;
let workspace: Workspace;
let checkout: Checkout;
let runner: FakeCommandRunner;
let runDirectory: string;

beforeEach(async () => {
  fixture = await createFixture();
  workspace = new Workspace({
    stateDir: fixture.stateDir,
    userRepository: fixture.userRepository,
    base: "main",
    environment: { PATH: process.env.PATH },
  });
  await workspace.prepare({ workstreamIds: ["ws1"] });
  checkout = await workspace.ensureCheckout({ id: "ws1", branch: "supervise/ws1" });
  runner = new FakeCommandRunner();
  runDirectory = join(fixture.root, "run");
});
afterEach(() => fixture.cleanup());

const noForge = new Proxy({} as Forge, {
  get: (_target, property) => () => Promise.reject(new Error(`unexpected forge call ${String(property)}`)),
});

function verify(commit: string) {
  const workstream = testWorkstream("ws1", { done: ["local_check", "diff_scope"] });
  return verifyClaim(
    {
      workstream,
      claimId: 1,
      commit,
      uncommittedChanges: [],
      checkoutPath: checkout.path,
      baseSha: checkout.baseSha,
    },
    {
      runner,
      environment: { PATH: process.env.PATH ?? "" },
      runDirectory,
      readCheckout: () => workspace.readCheckout(checkout.path),
      forge: noForge,
      plan: testPlan([workstream]),
      ciWaitMs: 0,
      trustedRepositories: { mirror: workspace.mirrorPath, user: fixture.userRepository },
      workerCommitRefusal: (workstreamId, sha) => workspace.workerCommitRefusal(workstreamId, sha),
    },
    async () => {},
  );
}

it("fails every gate of a claim whose tree expands to 100,000 files, running and writing nothing", async () => {
  const bomb = await commitManyFiles(checkout.path, "HEAD", 100_000);
  await fixture.gitOk(checkout.path, ["reset", "--quiet", "--soft", bomb]);

  const results = await verify(bomb);

  const problem = "the claimed commit's tree has 100,002 files, over the 50,000 the supervisor checks out";
  expect(results.map(({ id, status, detail }) => ({ id, status, detail }))).toEqual([
    { id: "local_check", status: "fail", detail: problem },
    { id: "diff_scope", status: "fail", detail: problem },
  ]);
  expect(results[1]?.observed).toMatchObject({
    worker_commit_limits: { commit: bomb, tree: { files: 100_002 }, limits: { tree: { maxFiles: 50_000 } } },
  });
  expect(runner.requests).toEqual([]);
  // No base run, no clone, no log: the run directory was never made.
  await expect(readdir(runDirectory)).rejects.toThrow(/ENOENT/);
});

it("runs the gates of a claim within every limit", async () => {
  const sha = await commitManyFiles(checkout.path, "HEAD", 2_000);
  await fixture.gitOk(checkout.path, ["reset", "--quiet", "--hard", sha]);

  const results = await verify(sha);

  expect(results.map(({ id, status }) => ({ id, status }))).toEqual([
    { id: "local_check", status: "pass" },
    // The diff was read and the check ran at the base and the claim; `true` lists no tests by name.
    { id: "diff_scope", status: "error" },
  ]);
  expect(results[1]?.detail).toMatch(/^source changed: bomb\/d0\/f0 \(\+1 -0\), .* and 1997 more;/);
  // local_check, then diff_scope's runs at the base (in a clone) and at the claim.
  expect(runner.requests.map((request) => request.command)).toEqual(["true", "true", "true"]);
});
