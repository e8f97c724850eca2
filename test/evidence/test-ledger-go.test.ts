/**
 * `go test` in the supervisor's runs of the check: GOFLAGS=-json when the command runs only `go
 * test`, so a plain `go test ./...` check (no -v) is compared by name. Real go, real git, the real
 * command runner; skipped, saying so, where go is not installed.
 */
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type DiffScopeFinding, observeAndJudgeDiffScope } from "../../src/evidence/diff-scope.ts";
import { runsOnlyGoTest, withGoTestJson } from "../../src/evidence/go-test-json.ts";
import { createCommandRunner } from "../../src/sandbox/index.ts";
import { commitAsWorker, gitAsWorker } from "../fakes/worker-commits.ts";
import { plainGitEnvironment } from "../workspace/repositories.ts";

function hasGo(): boolean {
  try {
    execFileSync("go", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const goInstalled = hasGo();
if (!goInstalled)
  console.warn("go is not installed (apt-get install -y golang-go): the go test ledger tests are skipped");

describe("which commands get GOFLAGS=-json", () => {
  it("adds it to commands made of go test alone, never beside go list, go vet or another program", () => {
    expect(runsOnlyGoTest("go test ./...")).toBe(true);
    expect(runsOnlyGoTest("cd server && CGO_ENABLED=0 go test -race ./...")).toBe(true);
    expect(runsOnlyGoTest("go vet ./... && go test ./...")).toBe(false);
    expect(runsOnlyGoTest("go test $(go list ./... | grep -v vendor)")).toBe(false);
    expect(runsOnlyGoTest("make test")).toBe(false);
    expect(runsOnlyGoTest("./test.sh && go test ./...")).toBe(false);
    expect(withGoTestJson("go test ./...", { GOFLAGS: "-mod=mod" }).GOFLAGS).toBe("-mod=mod -json");
    expect(withGoTestJson("go test -json ./...", { GOFLAGS: "-json" }).GOFLAGS).toBe("-json");
    expect(withGoTestJson("npm test", {}).GOFLAGS).toBeUndefined();
  });
});

let root: string;
let repository: string;
let environment: Record<string, string>;
let baseSha: string;
/** One build cache for the file: go compiles the standard library's testing packages once. */
let goCache: string;
beforeAll(async () => {
  goCache = await mkdtemp(join(tmpdir(), "supervise-ledger-gocache-"));
});
afterAll(() => rm(goCache, { recursive: true, force: true }));

function git(args: string[]): Promise<string> {
  return gitAsWorker(repository, environment, args);
}

function commit(files: Record<string, string>): Promise<string> {
  return commitAsWorker(repository, environment, files);
}

const testFile = (extra = "") =>
  `package calc\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(1, 2) != 3 {\n\t\tt.Fatal("1+2")\n\t}\n}\n\nfunc TestAddNegatives(t *testing.T) {\n\tt.Run("both", func(t *testing.T) {\n\t\tif Add(-1, -2) != -3 {\n\t\t\tt.Fatal("-1-2")\n\t\t}\n\t})\n}\n${extra}`;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "supervise-ledger-go-"));
  repository = join(root, "checkout");
  await mkdir(join(root, "home"));
  await mkdir(repository);
  environment = { ...plainGitEnvironment(join(root, "home")), GOCACHE: goCache };
  await git(["init", "--quiet", "--initial-branch=main"]);
  baseSha = await commit({
    "go.mod": "module example.com/calc\n\ngo 1.19\n",
    "calc.go": "package calc\n\nfunc Add(a, b int) int { return a + b }\n",
    "calc_test.go": testFile(),
  });
});
afterEach(() => rm(root, { recursive: true, force: true }));

function judge(commit: string) {
  return observeAndJudgeDiffScope({
    repositoryPath: repository,
    baseSha,
    commit,
    checkCommand: "go test ./...",
    environment,
    runner: createCommandRunner(),
    timeoutMs: 120_000,
    cacheDirectory: join(root, "cache"),
    runDirectory: join(root, "run"),
    baseLogPath: "logs/base.log",
    claimLogPath: "logs/claim.log",
  });
}

describe.skipIf(!goInstalled)("a plain `go test ./...` check", () => {
  it("passes an honest claim, compared by name", async () => {
    const claim = await commit({
      "calc.go": "package calc\n\nfunc Add(a, b int) int { return b + a }\n",
      "calc_test.go": testFile(
        "\nfunc TestAddZero(t *testing.T) {\n\tif Add(0, 0) != 0 {\n\t\tt.Fatal()\n\t}\n}\n",
      ),
    });
    const result = await judge(claim);
    expect(result.detail).toMatch(/2 tests that passed at the base still pass$/);
    expect(result.status).toBe("pass");
  });

  it("fails a claim that deletes a test: lost, by package and name", async () => {
    const claim = await commit({
      "calc.go": "package calc\n\nfunc Add(a, b int) int { return b + a }\n",
      "calc_test.go":
        'package calc\n\nimport "testing"\n\nfunc TestAdd(t *testing.T) {\n\tif Add(1, 2) != 3 {\n\t\tt.Fatal("1+2")\n\t}\n}\n',
    });
    const result = await judge(claim);
    expect(result.status).toBe("fail");
    expect((result.observed.findings as DiffScopeFinding[]).map((finding) => finding.kind)).toContain(
      "test-lost",
    );
    expect((result.observed.test_runs as Record<string, unknown>).lost_tests).toEqual([
      { name: "example.com/calc > TestAddNegatives/both", count: 1 },
    ]);
  });
});
