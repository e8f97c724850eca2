/**
 * `merge_queue_*`: what the local forge's merge queue costs and saves when N = 20 green,
 * compatible pull requests are merged at once: CI runs on merge results and the wall time to land
 * all of them, with batches (the default, up to 8 tested together) against one by one (a batch
 * of 1). The CI command stands in for a real suite by taking a fixed time.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { systemClock } from "../src/clock.ts";
import { createLocalForge } from "../src/forge/index.ts";
import { createCommandRunner } from "../src/sandbox/index.ts";

export interface MergeQueueResult {
  pullRequests: number;
  ciSeconds: number;
  batched: { ciRuns: number; wallMs: number };
  oneByOne: { ciRuns: number; wallMs: number };
}

export async function measureMergeQueue(options: {
  pullRequests: number;
  ciSeconds: number;
}): Promise<MergeQueueResult> {
  return {
    pullRequests: options.pullRequests,
    ciSeconds: options.ciSeconds,
    batched: await landAll({ ...options, maxMergeBatch: 8 }),
    oneByOne: await landAll({ ...options, maxMergeBatch: 1 }),
  };
}

async function landAll(options: {
  pullRequests: number;
  ciSeconds: number;
  maxMergeBatch: number;
}): Promise<{ ciRuns: number; wallMs: number }> {
  const root = mkdtempSync(join(tmpdir(), "supervise-bench-queue-"));
  const environment = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: join(root, "home"),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
  };
  const git = (cwd: string, ...args: string[]) =>
    execFileSync("git", ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid", ...args], {
      cwd,
      env: environment,
      encoding: "utf8",
    }).trim();
  const forge = (() => {
    mkdirSync(join(root, "home"));
    mkdirSync(join(root, "tmp"));
    const repository = join(root, "repo");
    mkdirSync(repository);
    git(repository, "init", "-q", "-b", "main");
    writeFileSync(join(repository, "check.sh"), `sleep ${options.ciSeconds}\nls notes | wc -l\n`);
    mkdirSync(join(repository, "notes"));
    writeFileSync(join(repository, "notes", "base.txt"), "base\n");
    git(repository, "add", "-A");
    git(repository, "commit", "-qm", "base");
    return createLocalForge({
      stateDir: join(root, "state"),
      userRepository: repository,
      base: "main",
      ciCommandFor: () => "sh check.sh",
      runner: createCommandRunner(),
      environment: { PATH: environment.PATH, HOME: environment.HOME },
      clock: systemClock,
      temporaryDirectory: join(root, "tmp"),
      maxMergeBatch: options.maxMergeBatch,
    });
  })();
  try {
    await forge.prepare({ issues: [] });
    const mirror = join(root, "mirror");
    git(root, "clone", "-q", forge.originPath, mirror);
    const pulls: { number: number; sha: string }[] = [];
    for (let index = 1; index <= options.pullRequests; index++) {
      const branch = `ws-${index}`;
      git(mirror, "checkout", "-q", "-B", branch, "origin/main");
      writeFileSync(join(mirror, "notes", `${index}.txt`), `${index}\n`);
      git(mirror, "add", "-A");
      git(mirror, "commit", "-qm", branch);
      const sha = git(mirror, "rev-parse", "HEAD");
      await forge.push({ fromRepository: mirror, sha, branch });
      const pull = await forge.openOrUpdatePullRequest({
        head: branch,
        base: "main",
        title: branch,
        body: "",
      });
      pulls.push({ number: pull.number, sha });
    }
    for (const pull of pulls) {
      const status = await forge.whenCiSettled(pull.sha);
      if (status.state !== "success") throw new Error(`CI on the head of #${pull.number} is ${status.state}`);
    }
    const started = performance.now();
    const results = await Promise.all(
      pulls.map((pull) => forge.mergePullRequest({ number: pull.number, expectedHeadSha: pull.sha })),
    );
    const wallMs = performance.now() - started;
    const refused = results.find((result) => !result.isMerged);
    if (refused && !refused.isMerged)
      throw new Error(`a compatible pull request was refused: ${refused.message}`);
    return { ciRuns: mergeResultRuns(join(root, "state", "forge", "ci")), wallMs };
  } finally {
    await forge.close();
    rmSync(root, { recursive: true, force: true });
  }
}

function mergeResultRuns(ciDirectory: string): number {
  return readdirSync(ciDirectory).filter((sha) => {
    const record = JSON.parse(readFileSync(join(ciDirectory, sha, "run.json"), "utf8")) as { branch: string };
    return record.branch.startsWith("supervise-queue/");
  }).length;
}
