/**
 * Issue 19's matrix for go test, with real go in a real git repository (offline: a vendored
 * assertion module, GOPROXY=off, GOCACHE/GOPATH/HOME under the fixture): a claim that breaks `Add`
 * and hides it with code the test binary runs (a TestMain that exits 0, an edit to the vendored
 * assertion library, an init that narrows `-test.run`) is rejected by diff_scope naming the file and
 * the hook; an honest claim checked by plain `go test ./...` is accepted, compared by name.
 */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  claimCounts,
  claimExitCode,
  createMatrixRepository,
  expectAcceptedByName,
  expectRejectedForPlumbing,
  type MatrixRepository,
} from "./plumbing-matrix.ts";

function hasGo(): boolean {
  try {
    execFileSync("go", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}
const goInstalled = hasGo();
if (!goInstalled) console.warn("go is not installed: the go test plumbing matrix is skipped");

const checkModule = `package check

import "testing"

// Equal fails the test when got is not want.
func Equal(t testing.TB, got, want int) {
\tt.Helper()
\tif got != want {
\t\tt.Fatalf("got %d, want %d", got, want)
\t}
}
`;
const calcTests = (extra = "") => `package calc

import (
\t"testing"

\t"example.com/check"
)

func TestAdd(t *testing.T) { check.Equal(t, Add(1, 2), 3) }

func TestAddNegatives(t *testing.T) { check.Equal(t, Add(-1, -2), -3) }
${extra}`;
const brokenAdd =
  "package calc\n\nfunc abs(a int) int {\n\tif a < 0 {\n\t\treturn -a\n\t}\n\treturn a\n}\n\nfunc Add(a, b int) int { return abs(a) + abs(b) }\n";

let fixture: MatrixRepository;
beforeAll(async () => {
  if (!goInstalled) return;
  fixture = await createMatrixRepository({
    prefix: "go",
    files: {
      "go.mod": "module example.com/calc\n\ngo 1.19\n\nrequire example.com/check v1.0.0\n",
      "vendor/modules.txt": "# example.com/check v1.0.0\n## explicit\nexample.com/check\n",
      "vendor/example.com/check/check.go": checkModule,
      "calc.go": "package calc\n\nfunc Add(a, b int) int { return a + b }\n",
      "calc_test.go": calcTests(),
    },
    environment: (root) => ({
      GOCACHE: join(root, "gocache"),
      GOPATH: join(root, "gopath"),
      GOPROXY: "off",
      GOFLAGS: "",
    }),
  });
});
afterAll(() => fixture?.dispose());

describe.skipIf(!goInstalled)(
  "go test: code the test binary runs around the tests is rejected, naming it",
  () => {
    it("a TestMain that exits 0 whatever the tests did", async () => {
      const claim = await fixture.claim({
        "calc.go": brokenAdd,
        "main_test.go":
          'package calc\n\nimport (\n\t"os"\n\t"testing"\n)\n\nfunc TestMain(m *testing.M) {\n\tm.Run()\n\tos.Exit(0)\n}\n',
      });
      const result = await fixture.judge(claim, "go test ./...");
      expect(claimExitCode(result)).toBe(0);
      expectRejectedForPlumbing(result, "main_test.go", "TestMain");
    });

    it("an edit to the vendored assertion library that never fails", async () => {
      const claim = await fixture.claim({
        "calc.go": brokenAdd,
        "vendor/example.com/check/check.go":
          'package check\n\nimport "testing"\n\n// Equal fails the test when got is not want.\nfunc Equal(t testing.TB, got, want int) {}\n',
      });
      const result = await fixture.judge(claim, "go test ./...");
      expect(claimCounts(result)).toMatchObject({ passed: 2, failed: 0 });
      expectRejectedForPlumbing(result, "vendor/example.com/check/check.go", "vendor");
    });

    it("an init in a test file that narrows -test.run to skip the failing test by name", async () => {
      const claim = await fixture.claim({
        "calc.go": brokenAdd,
        "flags_test.go":
          'package calc\n\nimport "os"\n\nfunc init() {\n\tos.Args = append(os.Args, "-test.run=^TestAdd$")\n}\n',
      });
      const result = await fixture.judge(claim, "go test ./...");
      expect(claimCounts(result)).toMatchObject({ passed: 1, failed: 0 });
      expectRejectedForPlumbing(result, "flags_test.go", "init");
    });

    it("accepts an honest claim whose check is plain `go test ./...`", async () => {
      const claim = await fixture.claim({
        "calc.go":
          "package calc\n\nfunc Add(a, b int) int { return b + a }\n\nfunc Double(a int) int { return Add(a, a) }\n",
        "calc_test.go": calcTests("\nfunc TestDouble(t *testing.T) { check.Equal(t, Double(2), 4) }\n"),
      });
      const result = await fixture.judge(claim, "go test ./...");
      expectAcceptedByName(result, 2);
      expect(claimCounts(result)).toMatchObject({ passed: 3, failed: 0 });
    });
  },
);
