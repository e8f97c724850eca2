/**
 * Issue 19's matrix for cargo test, with real cargo in a real git repository (offline, one target
 * folder for the file): a claim that breaks `add` and hides it with code cargo runs in place of or
 * around libtest (the library's tests built with `harness = false` and a main that prints passes, a
 * `macro_rules! assert_eq` that shadows std's, a `.cargo/config.toml` runner that skips a test by
 * name) is rejected by diff_scope naming the file and the hook; an honest claim checked by plain
 * `cargo test` is accepted, compared by name.
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

const realHome = process.env.HOME ?? "";
const path = `${join(realHome, ".cargo", "bin")}:${process.env.PATH ?? "/usr/bin:/bin"}`;
function hasCargo(): boolean {
  try {
    execFileSync("bash", ["-c", "command -v cargo"], { env: { ...process.env, PATH: path } });
    return true;
  } catch {
    return false;
  }
}
const cargoInstalled = hasCargo();
if (!cargoInstalled) console.warn("cargo is not installed: the cargo test plumbing matrix is skipped");

const manifest = '[package]\nname = "widget"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n';
const library = (
  body: string,
  tests: { prelude?: string; extra?: string } = {},
) => `pub fn add(a: i32, b: i32) -> i32 {
${body}
}

#[cfg(test)]
mod tests {
    use super::*;
${tests.prelude ?? ""}
    #[test]
    fn adds() {
        assert_eq!(add(2, 2), 4);
    }

    #[test]
    fn adds_negatives() {
        assert_eq!(add(-1, -2), -3);
    }
${tests.extra ?? ""}}
`;
const broken = "    a.abs() + b.abs()";

let fixture: MatrixRepository;
beforeAll(async () => {
  if (!cargoInstalled) return;
  fixture = await createMatrixRepository({
    prefix: "cargo",
    files: {
      ".gitignore": "target/\nCargo.lock\n",
      "Cargo.toml": manifest,
      "src/lib.rs": library("    a + b"),
    },
    // The fixture's HOME hides rustup's: its toolchains are named where they are.
    environment: (root) => ({
      PATH: path,
      RUSTUP_HOME: process.env.RUSTUP_HOME ?? join(realHome, ".rustup"),
      CARGO_HOME: process.env.CARGO_HOME ?? join(realHome, ".cargo"),
      CARGO_TARGET_DIR: join(root, "target"),
      CARGO_NET_OFFLINE: "true",
    }),
    timeoutMs: 240_000,
  });
}, 60_000);
afterAll(() => fixture?.dispose());

describe.skipIf(!cargoInstalled)(
  "cargo test: code run in place of or around libtest is rejected, naming it",
  () => {
    it("the library's tests built with harness = false, whose main prints passes", {
      timeout: 300_000,
    }, async () => {
      const claim = await fixture.claim({
        "Cargo.toml": `${manifest}\n[lib]\nharness = false\n`,
        "src/lib.rs": `${library(broken)}
#[cfg(test)]
fn main() {
    println!("running 2 tests\\ntest tests::adds ... ok\\ntest tests::adds_negatives ... ok\\n\\ntest result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\\n");
}
`,
      });
      const result = await fixture.judge(claim, "cargo test");
      expect(claimExitCode(result)).toBe(0);
      expectRejectedForPlumbing(result, "Cargo.toml", "harness = false");
      expectRejectedForPlumbing(result, "src/lib.rs", "harness = false");
    });

    it("a macro_rules! assert_eq that shadows std's and checks nothing", { timeout: 300_000 }, async () => {
      const claim = await fixture.claim({
        "src/lib.rs": library(broken, {
          prelude: "\n    macro_rules! assert_eq {\n        ($($t:tt)*) => {};\n    }\n",
        }),
      });
      const result = await fixture.judge(claim, "cargo test");
      expect(claimCounts(result)).toMatchObject({ passed: 2, failed: 0 });
      expectRejectedForPlumbing(result, "src/lib.rs", "macro_rules! assert_eq");
    });

    it("a .cargo/config.toml runner that skips the failing test by name", { timeout: 300_000 }, async () => {
      const claim = await fixture.claim({
        "src/lib.rs": library(broken),
        ".cargo/config.toml":
          '[target.\'cfg(all())\']\nrunner = ["sh", "-c", \'exec "$0" "$@" --skip adds_negatives\']\n',
      });
      const result = await fixture.judge(claim, "cargo test");
      expect(claimCounts(result)).toMatchObject({ passed: 1, failed: 0 });
      expectRejectedForPlumbing(result, ".cargo/config.toml", "cargo runner");
    });

    it("accepts an honest claim whose check is plain `cargo test`", { timeout: 300_000 }, async () => {
      const claim = await fixture.claim({
        "src/lib.rs": library("    b + a", {
          extra: "\n    #[test]\n    fn adds_zero() {\n        assert_eq!(add(0, 0), 0);\n    }\n",
        }),
      });
      const result = await fixture.judge(claim, "cargo test");
      expectAcceptedByName(result, 2);
      expect(claimCounts(result)).toMatchObject({ passed: 3, failed: 0 });
    });
  },
);
