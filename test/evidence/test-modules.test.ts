import { describe, expect, it } from "vitest";
import { moduleOf, tallyByModule } from "../../src/evidence/test-modules.ts";

/** What `cargo test --workspace --no-fail-fast` prints for a two-crate workspace (trimmed of timings' noise). */
const cargoOutput = [
  "     Running unittests src/lib.rs (target/debug/deps/calc-1cd44e4e967ddba4)",
  "",
  "running 8 tests",
  "test eval::tests::adds_a_long_expression ... ignored, slow: a long expression, run with --ignored",
  "test eval::tests::adds ... ok",
  "test eval::tests::rejects_a_trailing_operator ... ok",
  "test eval::tests::subtracts ... FAILED",
  "test parser::tests::parses_a_digit ... ok",
  "test parser::tests::parses_multi_digit_numbers ... FAILED",
  "test parser::tests::parses_operators ... ok",
  "test parser::tests::rejects_letters ... ok",
  "",
  "test result: FAILED. 5 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.03s",
  "",
  "     Running unittests src/lib.rs (target/debug/deps/units-54c8ba2204524182)",
  "",
  "running 4 tests",
  "test convert::tests::boiling_point_back ... ok",
  "test convert::tests::freezing_point ... ok",
  "test format::tests::keeps_the_unit ... ok",
  "test tests::top_level ... ok",
  "",
  "test result: ok. 4 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s",
  "",
  "   Doc-tests units",
  "",
  "running 2 tests",
  "test units/src/format.rs - format::with_unit (line 5) ... ok",
  "test units/src/lib.rs - celsius (line 3) ... ignored",
  "",
  "test result: ok. 1 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 1.04s",
  "",
].join("\n");

describe("tests per module", () => {
  it("groups cargo's tests by module path within each test binary, ignored apart from passed", () => {
    expect(tallyByModule(cargoOutput)).toEqual([
      { binary: "src/lib.rs (calc)", module: "eval::tests", run: 4, passed: 2, failed: 1, ignored: 1 },
      { binary: "src/lib.rs (calc)", module: "parser::tests", run: 4, passed: 3, failed: 1, ignored: 0 },
      { binary: "src/lib.rs (units)", module: "convert::tests", run: 2, passed: 2, failed: 0, ignored: 0 },
      { binary: "src/lib.rs (units)", module: "format::tests", run: 1, passed: 1, failed: 0, ignored: 0 },
      { binary: "src/lib.rs (units)", module: "tests", run: 1, passed: 1, failed: 0, ignored: 0 },
      { binary: "doc-tests units", module: "units/src/format.rs", run: 1, passed: 1, failed: 0, ignored: 0 },
      { binary: "doc-tests units", module: "units/src/lib.rs", run: 1, passed: 0, failed: 0, ignored: 1 },
    ]);
  });

  it("keeps the same module path of two binaries apart", () => {
    const twoCrates = [
      "     Running unittests src/lib.rs (target/debug/deps/alpha-0123456789abcdef)",
      "running 1 test",
      "test tests::adds ... ok",
      "test result: ok. 1 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
      "     Running tests/it.rs (target/debug/deps/it-0123456789abcdef)",
      "running 1 test",
      "test tests::adds ... FAILED",
      "test result: FAILED. 0 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
    ].join("\n");
    expect(tallyByModule(twoCrates)).toEqual([
      { binary: "src/lib.rs (alpha)", module: "tests", run: 1, passed: 1, failed: 0, ignored: 0 },
      { binary: "alpha: tests/it.rs (it)", module: "tests", run: 1, passed: 0, failed: 1, ignored: 0 },
    ]);
  });

  it("reads other runners' qualified names the same way: the file (and suite) is the module's binary", () => {
    expect(moduleOf("test/slugify.test.ts > slugify > trims dashes")).toEqual({
      binary: "test/slugify.test.ts > slugify",
      module: "",
    });
    expect(moduleOf("parser::tests::parses_numbers")).toEqual({ binary: "", module: "parser::tests" });
  });

  it("has no rows for output that counts tests without naming them, names none with a module, or lists part", () => {
    const topLevel = [
      "✔ slugify trims dashes (0.5ms)",
      "✔ wordCount splits on tabs (0.2ms)",
      "ℹ tests 2",
      "ℹ pass 2",
      "ℹ fail 0",
    ].join("\n");
    expect(tallyByModule(topLevel)).toBeNull();
    expect(
      tallyByModule("test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out"),
    ).toBeNull();
    const partial = [
      "running 2 tests",
      "test tests::adds ... ok",
      "test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
    ].join("\n");
    expect(tallyByModule(partial)).toBeNull();
  });
});
