/**
 * The tests of a check's output grouped by module: the summary a test campaign's coordinator used
 * to fill in by hand (tests run / passed / failed / ignored, per module). A test's module is its
 * qualified name minus its own name: `parser::tests` for cargo's `parser::tests::parses_numbers`
 * (per test binary: the same module path in two crates is two modules), the file of a doc-test, the
 * file (and suite) of a vitest or node:test test. Pure: text in, rows out.
 */
import { readTestListing, type TestOutcome } from "./test-names.ts";

export interface ModuleTally {
  /** The test binary or file the runner names (`src/lib.rs (calc)`, `doc-tests calc`); empty when none. */
  binary: string;
  /** The module path within it (`parser::tests`); empty for tests at its top level. */
  module: string;
  /** Every test listed, as cargo's `running N tests` counts them: passed, failed and ignored. */
  run: number;
  passed: number;
  failed: number;
  /** `#[ignore]`d, skipped and todo tests: listed, never run, never counted as passed. */
  ignored: number;
}

/**
 * Per module, in the order the output first names each; null when the output lists no test by
 * name, or names none with a module.
 */
export function tallyByModule(output: string): ModuleTally[] | null {
  const listing = readTestListing(output);
  if (listing.kind !== "listed" || listing.tests.length === 0) return null;
  const rows = new Map<string, ModuleTally>();
  for (const test of listing.tests) {
    const { binary, module } = moduleOf(test.name);
    const key = `${binary}\n${module}`;
    let row = rows.get(key);
    if (!row) {
      row = { binary, module, run: 0, passed: 0, failed: 0, ignored: 0 };
      rows.set(key, row);
    }
    count(row, test);
  }
  // Names with no module path at all (node:test's top-level tests) make one row that says nothing.
  const isGrouped = [...rows.values()].some((row) => row.binary !== "" || row.module !== "");
  return isGrouped ? [...rows.values()] : null;
}

function count(row: ModuleTally, test: TestOutcome): void {
  if (test.status === "passed") row.passed += 1;
  else if (test.status === "failed") row.failed += 1;
  else row.ignored += 1;
  row.run = row.passed + row.failed + row.ignored;
}

/**
 * `src/lib.rs (calc) > parser::tests::parses_numbers` → binary `src/lib.rs (calc)`, module
 * `parser::tests`. A doc-test is named after its file and item (`calc/src/lib.rs - calculate`):
 * its module is the file, since the item's own `::` path names the item, not a test module.
 */
export function moduleOf(name: string): { binary: string; module: string } {
  const cut = name.lastIndexOf(" > ");
  const binary = cut === -1 ? "" : name.slice(0, cut);
  const path = cut === -1 ? name : name.slice(cut + 3);
  if (binary.startsWith("doc-tests ")) return { binary, module: path.split(" - ")[0]! };
  const own = path.lastIndexOf("::");
  return { binary, module: own === -1 ? "" : path.slice(0, own) };
}
