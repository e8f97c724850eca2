/**
 * diff_scope on a Rust crate, with real cargo: the tests of `cargo test` at the base and at the claim
 * are compared by name (unit, integration and doc tests), and the diff is read for Rust's ways of
 * dropping a test. rustup's cargo lives under the real HOME; skipped outside CI where it is missing.
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { execa } from "execa";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type DiffScopeFinding, observeAndJudgeDiffScope } from "../../src/evidence/diff-scope.ts";
import { createCommandRunner } from "../../src/sandbox/run-command.ts";
import { plainGitEnvironment } from "../workspace/repositories.ts";

const realHome = process.env.HOME ?? "";
const cargoBin = join(realHome, ".cargo", "bin");
const path = `${cargoBin}:${process.env.PATH ?? "/usr/bin:/bin"}`;

function hasCargo(): boolean {
  try {
    execFileSync("bash", ["-c", "command -v cargo"], { env: { ...process.env, PATH: path } });
    return true;
  } catch {
    return false;
  }
}

const library = (tests: { docExample?: boolean; moduleCfg?: string; ignoreAdds?: boolean } = {}) =>
  [
    ...(tests.docExample === false
      ? ["/// Adds two numbers."]
      : ["/// Adds two numbers.", "///", "/// ```", "/// assert_eq!(widget::add(1, 2), 3);", "/// ```"]),
    "pub fn add(a: i32, b: i32) -> i32 {",
    "    a + b",
    "}",
    "",
    tests.moduleCfg ?? "#[cfg(test)]",
    "mod tests {",
    "    use super::*;",
    "",
    "    #[test]",
    ...(tests.ignoreAdds ? ["    #[ignore]"] : []),
    "    fn adds() {",
    "        assert_eq!(add(2, 2), 4);",
    "    }",
    "",
    "    #[test]",
    "    fn adds_negatives() {",
    "        assert_eq!(add(-1, -2), -3);",
    "    }",
    "}",
    "",
  ].join("\n");

let root: string;
let repository: string;
let environment: Record<string, string>;
let baseSha: string;

async function git(args: string[]): Promise<string> {
  const identity = { GIT_AUTHOR_NAME: "Worker", GIT_AUTHOR_EMAIL: "worker@example.invalid" };
  const result = await execa("git", args, {
    cwd: repository,
    env: {
      ...environment,
      ...identity,
      GIT_COMMITTER_NAME: "Worker",
      GIT_COMMITTER_EMAIL: "w@example.invalid",
    },
    extendEnv: false,
  });
  return result.stdout.trim();
}

async function commit(files: Record<string, string>): Promise<string> {
  for (const [file, text] of Object.entries(files)) {
    await mkdir(dirname(join(repository, file)), { recursive: true });
    await writeFile(join(repository, file), text);
  }
  await git(["add", "--all"]);
  await git(["commit", "--quiet", "-m", "change"]);
  return git(["rev-parse", "HEAD"]);
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "supervise-diff-scope-cargo-"));
  repository = join(root, "checkout");
  await mkdir(join(root, "home"));
  await mkdir(repository);
  // The sandbox's HOME hides rustup's: its toolchains are named where they are.
  environment = {
    ...plainGitEnvironment(join(root, "home")),
    PATH: path,
    RUSTUP_HOME: process.env.RUSTUP_HOME ?? join(realHome, ".rustup"),
    CARGO_HOME: process.env.CARGO_HOME ?? join(realHome, ".cargo"),
  };
  await git(["init", "--quiet", "--initial-branch=main"]);
  baseSha = await commit({
    ".gitignore": "target/\nCargo.lock\n",
    "Cargo.toml": '[package]\nname = "widget"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n',
    "src/lib.rs": library(),
    "tests/it.rs": "#[test]\nfn adds() {\n    assert_eq!(widget::add(1, 1), 2);\n}\n",
  });
});
afterEach(() => rm(root, { recursive: true, force: true }));

function judge(commitSha: string) {
  const logs = "evidence/ws1/logs/claim-1-diff_scope";
  return observeAndJudgeDiffScope({
    repositoryPath: repository,
    baseSha,
    commit: commitSha,
    checkCommand: "cargo test",
    environment,
    runner: createCommandRunner(),
    timeoutMs: 240_000,
    cacheDirectory: join(root, "cache"),
    runDirectory: join(root, "run"),
    baseLogPath: `${logs}-base.log`,
    claimLogPath: `${logs}-claim.log`,
  });
}

const kinds = (findings: unknown) => (findings as DiffScopeFinding[]).map((finding) => finding.kind);

describe.skipIf(!hasCargo() && !process.env.CI)("diff_scope with cargo test", () => {
  it("passes an honest change: every unit, integration and doc test still passes", async () => {
    const claim = await commit({ "src/lib.rs": `// Arithmetic.\n\n${library()}` });
    const result = await judge(claim);
    expect(result.detail).toMatch(/4 tests that passed at the base still pass$/);
    expect(result.status).toBe("pass");
  }, 300_000);

  it("fails a test newly #[ignore]d as skipped", async () => {
    const result = await judge(await commit({ "src/lib.rs": library({ ignoreAdds: true }) }));
    expect(result.status).toBe("fail");
    expect(kinds(result.observed.findings)).toContain("test-skipped");
  }, 300_000);

  it("fails a test module put under a cfg that is never true", async () => {
    const result = await judge(await commit({ "src/lib.rs": library({ moduleCfg: "#[cfg(any())]" }) }));
    expect(result.status).toBe("fail");
    expect(kinds(result.observed.findings)).toEqual(expect.arrayContaining(["tests-excluded", "test-lost"]));
  }, 300_000);

  it("fails a deleted doc test as lost", async () => {
    const result = await judge(await commit({ "src/lib.rs": library({ docExample: false }) }));
    expect(result.status).toBe("fail");
    expect(kinds(result.observed.findings)).toContain("test-lost");
    expect(result.detail).toContain("doc-tests widget > src/lib.rs - add");
  }, 300_000);
});
