/**
 * The tests a check command ran, by name, read from its output: `diff_scope` compares these lists at
 * the base and at the claimed commit. Pure: text in, names out. Each runner's parser knows its
 * reporters' per-test lines; output that shows only counts (vitest's and jest's default reporters
 * for passing files, pytest's dots, go test without -v) is called unlisted, with the flag that
 * lists tests, because a partial list would read every test it leaves out as lost.
 */
import { parseCargoOutput } from "./cargo-test-output.ts";
import { parseTestOutput } from "./test-results.ts";

export type TestStatus = "passed" | "failed" | "skipped" | "todo";

export interface TestOutcome {
  /** Qualified as far as the runner prints it: `file > suite > test`, a pytest node id, `package > TestX/sub`. */
  name: string;
  status: TestStatus;
}

export type TestListing =
  | { kind: "listed"; runners: string[]; tests: TestOutcome[] }
  /** `reason`: one sentence, saying what the output showed and how to make it list tests. */
  | { kind: "unlisted"; reason: string };

/** What one runner's parser made of the lines; null when none of its lines are there. */
type RunnerListing = { tests: TestOutcome[] } | { unlisted: string };

interface RunnerParser {
  runner: string;
  parse(lines: readonly string[]): RunnerListing | null;
}

export const listingAdvice =
  "use a reporter that lists tests: node --test's default spec (or tap), vitest --reporter=verbose, jest --verbose, pytest -v, python -m unittest -v, go test -v, cargo test";

// Logs keep the colours a runner printed when it thought it had a terminal.
const ansiEscape = /\x1b\[[0-9;?]*[A-Za-z]/g;
/** The marker OutputBuffer leaves where it cut the middle out of a long output. */
const elisionMarker = /^\[… \d+ bytes elided …\]$/;

/** The per-test outcomes in a check command's output, or null when it lists none. */
export function parseTestNames(output: string): TestOutcome[] | null {
  const listing = readTestListing(output);
  return listing.kind === "listed" ? listing.tests : null;
}

/**
 * Every runner's parser reads the whole output; a check command may run several runners. One that
 * recognizes its runner but cannot list every test makes the whole output unlisted.
 */
export function readTestListing(
  output: string,
  ledger?: readonly TestOutcome[] | null,
  ledgerKinds: readonly string[] = ["node:test"],
): TestListing {
  const lines = output.replace(ansiEscape, "").split(/\r?\n/);
  if (ledger) return withLedger(lines, ledger, ledgerKinds);
  if (lines.some((line) => elisionMarker.test(line))) {
    return {
      kind: "unlisted",
      reason: "the output was cut in the middle, so some tests' lines are missing: read the full log",
    };
  }
  const tally = parseTestOutput(output);
  const runners: string[] = [];
  const tests: TestOutcome[] = [];
  let unlisted: string | null = null;
  for (const parser of runnerParsers) {
    const found = parser.parse(lines);
    if (found === null) continue;
    if ("unlisted" in found) unlisted ??= found.unlisted;
    else {
      runners.push(parser.runner);
      tests.push(...found.tests);
    }
  }
  // A run of no tests lists them all, whatever the reporter: there is nothing a claim could lose.
  if (tests.length === 0 && tally?.total === 0) return { kind: "listed", runners: tally.runners, tests: [] };
  if (unlisted !== null) return { kind: "unlisted", reason: unlisted };
  if (runners.length > 0) return { kind: "listed", runners, tests };
  const seen = tally
    ? `it shows ${tally.runners.join(" and ")} counts (${tally.passed ?? "some"} passed, ${tally.failed} failed) but no per-test lines`
    : "it has no per-test lines of a runner supervise reads";
  return { kind: "unlisted", reason: `${seen}; ${listingAdvice}` };
}

/**
 * The supervisor's test ledger (test-ledger.ts) stands for node:test and for each runner that wrote
 * to it (`kinds`, e.g. pytest): their printed lines are what any test could print, so they are not
 * read. Other runners in the same command are still read from their lines. A test with subtests
 * reports their outcome: only leaves count.
 */
function withLedger(
  lines: readonly string[],
  ledger: readonly TestOutcome[],
  kinds: readonly string[],
): TestListing {
  const tests = leavesOnly(ledger, " > ");
  const runners = kinds.map((kind) => `${kind} (ledger)`);
  for (const parser of runnerParsers) {
    if (parser === nodeSpecParser || parser === tapParser || kinds.includes(parser.runner)) continue;
    const found = parser.parse(lines);
    if (found === null) continue;
    if ("unlisted" in found) return { kind: "unlisted", reason: found.unlisted };
    runners.push(parser.runner);
    tests.push(...found.tests);
  }
  return { kind: "listed", runners, tests };
}

/**
 * Drops groups: a name that is the path prefix of another (`TestX` of `TestX/sub`) reports its
 * children's outcome, so counting it would report one failure twice.
 */
function leavesOnly(tests: readonly TestOutcome[], separator: string): TestOutcome[] {
  const groups = new Set<string>();
  for (const { name } of tests) {
    for (let end = name.indexOf(separator); end !== -1; end = name.indexOf(separator, end + 1))
      groups.add(name.slice(0, end));
  }
  return tests.filter((test) => !groups.has(test.name));
}

interface OpenGroup {
  indent: number;
  name: string;
  hasChildren: boolean;
}

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** The stack after closing every group at `indent` or deeper than it. */
function closeGroups(stack: OpenGroup[], indent: number, isInclusive: boolean): void {
  while (stack.length > 0 && (isInclusive ? stack.at(-1)!.indent >= indent : stack.at(-1)!.indent > indent))
    stack.pop();
}

function qualified(stack: readonly OpenGroup[], name: string): string {
  return [...stack.map((group) => group.name), name].join(" > ");
}

/**
 * node:test's spec reporter: `✔ name (1.2ms)`, `✖`, `﹣ name (…) # SKIP`, todo as `# <reason>` after
 * a ✔/✖/⚠. A suite or a test with subtests opens with `▶ name` and closes with its own result line
 * at the same indent. The `✖ failing tests:` recap (and the dot reporter's) repeats lines: not read.
 */
const nodeSpecParser: RunnerParser = {
  runner: "node:test",
  parse(lines) {
    const tests: TestOutcome[] = [];
    const stack: OpenGroup[] = [];
    for (const line of lines) {
      if (/^(?:✖ failing tests:|Failed tests:)\s*$/.test(line)) break;
      const header = /^(\s*)▶ (.+)$/.exec(line);
      if (header && !/ \(\d+(?:\.\d+)?m?s\)$/.test(line)) {
        closeGroups(stack, header[1]!.length, true);
        stack.push({ indent: header[1]!.length, name: header[2]!, hasChildren: false });
        continue;
      }
      const result = /^(\s*)([✔✖﹣⚠▶]) (.+) \(\d+(?:\.\d+)?m?s\)(?: # (.*))?$/.exec(line);
      if (!result) continue;
      const [, indentText, glyph, name, directive] = result;
      const indent = indentText!.length;
      closeGroups(stack, indent, false);
      const top = stack.at(-1);
      if (top && top.indent === indent && top.name === name) {
        stack.pop();
        continue;
      }
      const status: TestStatus =
        glyph === "﹣"
          ? "skipped"
          : glyph === "⚠" || directive !== undefined
            ? "todo"
            : glyph === "✖"
              ? "failed"
              : "passed";
      tests.push({ name: qualified(stack, name!), status });
    }
    return tests.length === 0 ? null : { tests };
  },
};

/**
 * TAP, as node:test prints it: `# Subtest: name` opens every test, `ok 1 - name # SKIP|TODO` closes
 * it at the same indent; a test whose subtests printed results in between is a group. YAML blocks
 * (`---` … `...`) hold error text and are skipped. `\#` and `\\` are TAP's escapes in names.
 */
const tapParser: RunnerParser = {
  runner: "tap",
  parse(lines) {
    const tests: TestOutcome[] = [];
    const stack: OpenGroup[] = [];
    let yamlIndent: number | null = null;
    for (const line of lines) {
      const indent = indentOf(line);
      if (yamlIndent !== null) {
        if (indent === yamlIndent && line.trim() === "...") yamlIndent = null;
        continue;
      }
      if (line.trim() === "---") {
        yamlIndent = indent;
        continue;
      }
      const subtest = /^\s*# Subtest: (.*)$/.exec(line);
      if (subtest) {
        closeGroups(stack, indent, true);
        stack.push({ indent, name: unescapeTap(subtest[1]!), hasChildren: false });
        continue;
      }
      // The number is required: go's `ok  \tpkg` line must not read as a test.
      const result = /^\s*(not ok|ok) \d+(?: -)?(?: ((?:\\.|[^\\#])*?))?\s*(?:#\s*(SKIP|TODO)\b.*)?$/i.exec(
        line,
      );
      if (!result) continue;
      const name = unescapeTap(result[2] ?? "");
      closeGroups(stack, indent, false);
      const top = stack.at(-1);
      const isOwnSubtest = top !== undefined && top.indent === indent && top.name === name;
      if (isOwnSubtest) stack.pop();
      if (isOwnSubtest && top.hasChildren) continue;
      for (const group of stack) group.hasChildren = true;
      const directive = result[3]?.toUpperCase();
      const status: TestStatus =
        directive === "SKIP"
          ? "skipped"
          : directive === "TODO"
            ? "todo"
            : result[1] === "ok"
              ? "passed"
              : "failed";
      tests.push({ name: qualified(stack, name), status });
    }
    return tests.length === 0 ? null : { tests };
  },
};

function unescapeTap(name: string): string {
  return name.replace(/\\([\\#])/g, "$1");
}

const vitestGlyphs: Record<string, TestStatus> = {
  "✓": "passed",
  "√": "passed",
  "×": "failed",
  "✗": "failed",
  "↓": "skipped",
  "□": "todo",
};
const vitestTiming = /\s\d+(?:\.\d+)?m?s$/;
/** A file line of vitest's default and tree reporters: ` ✓ test/a.test.ts (3 tests | 1 skipped) 4ms`. */
const vitestFileLine = /^ ([✓√×✗↓❯]) (\S+) \((\d+)(?: tests?)?(?: \| [^)]*)?\)(?:\s\d+(?:\.\d+)?m?s)?$/;

/**
 * vitest. `--reporter=verbose` prints one line a test, `file > suite > name 3ms`. The default and
 * tree reporters print a file line with the file's tests indented below it, except that the
 * default one collapses a file whose tests all passed to its line alone: then the names are unknown.
 */
const vitestParser: RunnerParser = {
  runner: "vitest",
  parse(lines) {
    const tests: TestOutcome[] = [];
    let isSeen = false;
    let stack: OpenGroup[] = [];
    for (const [index, line] of lines.entries()) {
      if (/⎯ Failed Tests \d+ ⎯|^\s+Test Files\s/.test(line)) break;
      const file = vitestFileLine.exec(line);
      if (file) {
        isSeen = true;
        const next = lines[index + 1] ?? "";
        if (indentOf(next) <= 1 || next.trim() === "") {
          return {
            unlisted: `vitest's default reporter lists no test of a file whose tests all passed (${file[2]}); run vitest with --reporter=verbose`,
          };
        }
        stack = [{ indent: 1, name: file[2]!, hasChildren: true }];
        continue;
      }
      const entry = /^(\s+)([✓√×✗↓□]) (.+)$/.exec(line);
      if (!entry) continue;
      const indent = entry[1]!.length;
      const status = vitestGlyphs[entry[2]!]!;
      const text = entry[3]!;
      if (indent === 1 && text.includes(" > ")) {
        isSeen = true;
        tests.push({ name: withoutTiming(text, status), status });
        continue;
      }
      if (stack.length === 0 || indent <= 1) continue;
      closeGroups(stack, indent, true);
      const isGroup = indentOf(lines[index + 1] ?? "") > indent;
      if (isGroup) {
        stack.push({ indent, name: text.replace(/ \(\d+\)$/, ""), hasChildren: true });
        continue;
      }
      tests.push({ name: qualified(stack, withoutTiming(text, status)), status });
    }
    return isSeen ? { tests } : null;
  },
};

function withoutTiming(text: string, status: TestStatus): string {
  // Only passed and failed tests have a duration; a skipped test named "waits 5ms" keeps its name.
  return status === "passed" || status === "failed" ? text.replace(vitestTiming, "") : text;
}

const jestGlyphs: Record<string, TestStatus> = {
  "✓": "passed",
  "√": "passed",
  "✕": "failed",
  "×": "failed",
  "○": "skipped",
  "✎": "todo",
};

/**
 * jest: `PASS path` or `FAIL path`, then (with --verbose, or when one file ran) its tests indented
 * under their describe blocks: `✓ name (3 ms)`, `✕`, `○ skipped name`, `✎ todo name`. A file line
 * with no test under it is how jest shows a file when several ran without --verbose.
 */
const jestParser: RunnerParser = {
  runner: "jest",
  parse(lines) {
    const tests: TestOutcome[] = [];
    let isSeen = false;
    for (let index = 0; index < lines.length; index++) {
      const header = /^(?:PASS|FAIL) +(\S.*?)(?: \(\d+(?:\.\d+)? m?s\))?$/.exec(lines[index]!);
      if (!header) continue;
      isSeen = true;
      const file = header[1]!;
      const stack: OpenGroup[] = [];
      let count = 0;
      for (index++; index < lines.length; index++) {
        const line = lines[index]!;
        if (line.trim() === "" || /^\s*● /.test(line) || indentOf(line) < 2) break;
        const indent = indentOf(line);
        closeGroups(stack, indent, true);
        const entry = /^\s+([✓√✕×○✎]) (.+?)(?: \(\d+(?:\.\d+)? m?s\))?$/.exec(line);
        if (!entry) {
          stack.push({ indent, name: line.trim(), hasChildren: true });
          continue;
        }
        const status = jestGlyphs[entry[1]!]!;
        const name = entry[2]!.replace(
          status === "skipped" ? /^skipped / : status === "todo" ? /^todo / : /^$/,
          "",
        );
        tests.push({ name: [file, ...stack.map((group) => group.name), name].join(" > "), status });
        count++;
      }
      index--;
      if (count === 0) {
        return {
          unlisted: `jest lists no test of ${file} when several files run; run jest with --verbose`,
        };
      }
    }
    return isSeen ? { tests } : null;
  },
};

const pytestStatuses: Record<string, TestStatus> = {
  PASSED: "passed",
  XPASS: "passed",
  FAILED: "failed",
  ERROR: "failed",
  SKIPPED: "skipped",
  XFAIL: "todo",
};
const pytestStatusWords = "PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS";
const pytestVerbose = new RegExp(String.raw`^(\S+::\S.*?) (${pytestStatusWords})(?:\s.*)?$`);
const pytestXdist = new RegExp(String.raw`^\[gw\d+\] \[\s*\d+%\] (${pytestStatusWords}) (\S+::.+?)\s*$`);
const pytestSummary = new RegExp(String.raw`^(${pytestStatusWords}) (\S+::.+?)(?: - .*)?$`);
const statusRank: Record<TestStatus, number> = { passed: 0, skipped: 1, todo: 2, failed: 3 };

/**
 * pytest: `-v` prints `path::test STATUS` (xdist: `[gw0] [ 50%] STATUS path::test`), `-rA` a
 * `STATUS path::test` summary. A node id can report twice (passed, then an error in teardown):
 * the worse outcome stands. The summary alone lists passes only with -rA (or -rP).
 */
const pytestParser: RunnerParser = {
  runner: "pytest",
  parse(lines) {
    const isPytest = lines.some((line) =>
      /^=+ (?:test session starts|.* in \d+(?:\.\d+)?s.*) =+$/.test(line),
    );
    const verbose = new Map<string, TestStatus>();
    const summary = new Map<string, TestStatus>();
    for (const line of lines) {
      const listed = pytestVerbose.exec(line);
      const distributed = pytestXdist.exec(line);
      const summarized = pytestSummary.exec(line);
      if (listed) record(verbose, listed[1]!, pytestStatuses[listed[2]!]!);
      else if (distributed) record(verbose, distributed[2]!, pytestStatuses[distributed[1]!]!);
      else if (summarized) record(summary, summarized[2]!, pytestStatuses[summarized[1]!]!);
    }
    const hasPasses = [...summary.values()].includes("passed");
    const table = verbose.size > 0 ? mergeWorse(verbose, summary) : hasPasses ? summary : null;
    if (table) return { tests: [...table].map(([name, status]) => ({ name, status })) };
    if (!isPytest && summary.size === 0) return null;
    return { unlisted: "pytest lists tests only when verbose; run pytest with -v (or -rA)" };
  },
};

function record(table: Map<string, TestStatus>, name: string, status: TestStatus): void {
  const previous = table.get(name);
  if (previous === undefined || statusRank[status] > statusRank[previous]) table.set(name, status);
}

function mergeWorse(table: Map<string, TestStatus>, more: Map<string, TestStatus>): Map<string, TestStatus> {
  for (const [name, status] of more) if (table.has(name)) record(table, name, status);
  return table;
}

const goStatuses: Record<string, TestStatus> = { PASS: "passed", FAIL: "failed", SKIP: "skipped" };
const goJsonStatuses: Record<string, TestStatus> = { pass: "passed", fail: "failed", skip: "skipped" };

/**
 * go test. `-v` prints `--- PASS: TestX/sub (0.00s)` for every test, then the package's `ok` or
 * `FAIL` line; plain `go test` prints the failures alone, which lists nothing. `-json` prints one
 * event a line, whose pass, fail and skip actions name the test and its package.
 */
const goParser: RunnerParser = {
  runner: "go test",
  parse(lines) {
    const tests: TestOutcome[] = [];
    let pending: TestOutcome[] = [];
    let isListed = false;
    let isSeen = false;
    for (const line of lines) {
      const event = line.startsWith("{") ? goJsonEvent(line) : null;
      if (event) {
        isListed = true;
        if (event.status) tests.push({ name: `${event.package} > ${event.test}`, status: event.status });
        continue;
      }
      if (/^=== RUN\s/.test(line)) isListed = true;
      const result = /^\s*--- (PASS|FAIL|SKIP): (\S+) \(\d+(?:\.\d+)?s\)$/.exec(line);
      if (result) pending.push({ name: result[2]!, status: goStatuses[result[1]!]! });
      // `ok  \tpkg\t0.01s`, `FAIL\tpkg\t0.01s`, `FAIL\tpkg [build failed]`: the tests above were pkg's.
      const packageLine = /^(?:ok|FAIL)\s*\t(\S+)(?:\s|$)/.exec(line);
      if (!packageLine) continue;
      isSeen = true;
      tests.push(...pending.map((test) => ({ ...test, name: `${packageLine[1]} > ${test.name}` })));
      pending = [];
    }
    tests.push(...pending);
    if (!isSeen && tests.length === 0) return null;
    if (!isListed) return { unlisted: "go test prints only failing tests; run it with -v (or -json)" };
    return { tests: leavesOnly(tests, "/") };
  },
};

function goJsonEvent(line: string): { package: string; test: string; status: TestStatus | undefined } | null {
  try {
    const event = JSON.parse(line) as { Action?: unknown; Test?: unknown; Package?: unknown };
    if (typeof event.Test !== "string" || typeof event.Package !== "string") return null;
    return { package: event.Package, test: event.Test, status: goJsonStatuses[String(event.Action)] };
  } catch {
    return null;
  }
}

/** cargo test (libtest): see cargo-test-output.ts. */
const cargoParser: RunnerParser = { runner: "cargo test", parse: parseCargoOutput };

/** `test_adds (tests.test_sum.SumTest.test_adds) ... ok`; before Python 3.11 the id lacks the method. */
const unittestLine = /^(\w+) \(([\w.]+)\)(?: \.\.\. (.*))?$/;
const unittestOutcome = /^(ok|FAIL|ERROR|skipped\b.*|expected failure|unexpected success)$/;
const unittestStatuses: Record<string, TestStatus> = {
  ok: "passed",
  FAIL: "failed",
  ERROR: "failed",
  "expected failure": "todo",
  "unexpected success": "failed",
};

/**
 * Python's unittest: `-v` prints `test_x (module.Class.test_x) ... ok` (with a docstring, the
 * outcome ends the next line); without -v only dots, then `Ran N tests in 0.001s`.
 */
const unittestParser: RunnerParser = {
  runner: "unittest",
  parse(lines) {
    const isUnittest = lines.some((line) => /^Ran \d+ tests? in \d+(?:\.\d+)?s$/.test(line));
    const tests = new Map<string, TestStatus>();
    for (let index = 0; index < lines.length; index++) {
      const match = unittestLine.exec(lines[index]!);
      if (!match) continue;
      const [, method, id] = match;
      // With a docstring, the outcome follows it on the next line: `Adds two numbers. ... ok`.
      const outcome = match[3] ?? /\.\.\. (.*)$/.exec(lines[index + 1] ?? "")?.[1];
      if (outcome === undefined || !unittestOutcome.test(outcome)) continue;
      const name = id!.endsWith(`.${method}`) ? id! : `${id}.${method}`;
      const status = outcome.startsWith("skipped") ? "skipped" : unittestStatuses[outcome]!;
      record(tests, name, status);
    }
    if (tests.size > 0) return { tests: [...tests].map(([name, status]) => ({ name, status })) };
    return isUnittest ? { unlisted: "unittest lists tests only when verbose; run it with -v" } : null;
  },
};

const runnerParsers: readonly RunnerParser[] = [
  nodeSpecParser,
  tapParser,
  vitestParser,
  jestParser,
  pytestParser,
  unittestParser,
  goParser,
  cargoParser,
];
