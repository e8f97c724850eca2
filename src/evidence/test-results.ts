/**
 * Test counts read from a check command's output: the closing summary lines of the common test
 * runners, so the report can say how many tests ran, passed, failed and were skipped without a
 * coordinator copying them by hand. Pure: text in, counts out. It lives beside the gates, which read
 * the same output for diff_scope's test names (test-names.ts); the report takes it from there.
 */

export interface TestTally {
  /** The runners whose summary lines were found, e.g. `["vitest"]`. */
  runners: string[];
  /** Null when the output names failures only (`go test` without `-v` prints no passes). */
  passed: number | null;
  failed: number;
  /** Skipped, ignored, todo and expected failures: tests that ran to no verdict. */
  skipped: number;
  total: number | null;
  /** What a reader should know about how the numbers were counted. */
  notes: string[];
}

interface RunnerParser {
  runner: string;
  parse(lines: readonly string[]): Omit<TestTally, "runners"> | null;
}

// Logs keep the colours a runner printed when it thought it had a terminal.
const ansiEscape = /\x1b\[[0-9;?]*[A-Za-z]/g;

/**
 * The counts in `text`, or null when no runner's summary is in it. Every summary line of a runner
 * is added up (cargo prints one per test binary, a check command may run a runner twice), and the
 * runners found are added together. The plain `N passed, N failed` line counts only when no
 * runner's own summary is there, since reporters such as ours print it beside vitest's.
 */
export function parseTestOutput(text: string): TestTally | null {
  const lines = text.replace(ansiEscape, "").split(/\r?\n/);
  const found: TestTally[] = [];
  for (const parser of runnerParsers) {
    const counts = parser.parse(lines);
    if (counts) found.push({ runners: [parser.runner], ...counts });
  }
  if (found.length === 0) {
    const plain = plainParser.parse(lines);
    if (plain) found.push({ runners: [plainParser.runner], ...plain });
  }
  return found.length === 0 ? null : addTallies(found);
}

/**
 * Adds tallies. A tally without a pass count (see `notes`) adds its failures and skips only, so a
 * sum over a mix has a pass count that is a lower bound; it is null only when no tally had one.
 */
export function addTallies(tallies: readonly TestTally[]): TestTally {
  const sumOf = (pick: (tally: TestTally) => number) => tallies.reduce((sum, tally) => sum + pick(tally), 0);
  const hasPassCount = tallies.some((tally) => tally.passed !== null);
  return {
    runners: [...new Set(tallies.flatMap((tally) => tally.runners))],
    passed: hasPassCount ? sumOf((tally) => tally.passed ?? 0) : null,
    failed: sumOf((tally) => tally.failed),
    skipped: sumOf((tally) => tally.skipped),
    total: hasPassCount ? sumOf((tally) => tally.total ?? tally.failed + tally.skipped) : null,
    notes: [...new Set(tallies.flatMap((tally) => tally.notes))],
  };
}

/** Passed over passed and failed (skipped tests have no verdict); null when nothing was judged. */
export function passRate(tally: Pick<TestTally, "passed" | "failed">): number | null {
  if (tally.passed === null) return null;
  const judged = tally.passed + tally.failed;
  return judged === 0 ? null : tally.passed / judged;
}

/** `3 passed | 1 failed` or `1 failed, 3 passed`: count by word, whatever the order. */
function countWords(text: string, separator: RegExp): Map<string, number> | null {
  const counts = new Map<string, number>();
  for (const part of text.split(separator)) {
    const match = /^\s*(\d+) ([a-z][a-z ]*?)\s*$/.exec(part);
    if (!match) return null;
    counts.set(match[2]!, (counts.get(match[2]!) ?? 0) + Number(match[1]));
  }
  return counts;
}

function countOf(counts: Map<string, number>, ...words: string[]): number {
  return words.reduce((sum, word) => sum + (counts.get(word) ?? 0), 0);
}

type Counts = Omit<TestTally, "runners" | "notes">;

/** The sum of what `match` finds on each line; null when no line matched. */
function sumMatches(
  lines: readonly string[],
  match: (line: string) => Counts | null,
): Omit<TestTally, "runners"> | null {
  return sumCounts(lines.map(match).filter((counts) => counts !== null));
}

function sumCounts(counts: readonly Counts[]): Omit<TestTally, "runners"> | null {
  if (counts.length === 0) return null;
  const { runners: _runners, ...sum } = addTallies(
    counts.map((each) => ({ ...each, runners: [], notes: [] })),
  );
  return sum;
}

/** node:test's spec reporter (`ℹ pass 3`) and its TAP reporter (`# pass 3`): one block per run. */
const nodeTestParser: RunnerParser = {
  runner: "node:test",
  parse(lines) {
    const blocks: Map<string, number>[] = [];
    for (const line of lines) {
      const match = /^(?:ℹ|#) (tests|pass|fail|cancelled|skipped|todo) (\d+)\s*$/.exec(line);
      if (!match) continue;
      if (match[1] === "tests" || blocks.length === 0) blocks.push(new Map());
      blocks.at(-1)!.set(match[1]!, Number(match[2]));
    }
    return sumCounts(
      blocks
        .filter((block) => block.has("pass") && block.has("fail"))
        .map((block) => {
          const passed = countOf(block, "pass");
          const failed = countOf(block, "fail", "cancelled");
          const skipped = countOf(block, "skipped", "todo");
          return { passed, failed, skipped, total: block.get("tests") ?? passed + failed + skipped };
        }),
    );
  },
};

/** vitest: `      Tests  1 failed | 3 passed | 1 skipped | 1 todo (6)`; never the `Test Files` line. */
const vitestParser: RunnerParser = {
  runner: "vitest",
  parse: (lines) =>
    sumMatches(lines, (line) => {
      const match = /^\s*Tests\s{2,}(.+?)\s+\((\d+)\)\s*$/.exec(line);
      const counts = match ? countWords(match[1]!, /\|/) : null;
      if (!match || !counts) return null;
      return {
        passed: countOf(counts, "passed"),
        failed: countOf(counts, "failed"),
        skipped: countOf(counts, "skipped", "todo", "expected fail"),
        total: Number(match[2]),
      };
    }),
};

/** jest: `Tests:       1 failed, 1 skipped, 1 todo, 3 passed, 6 total`. */
const jestParser: RunnerParser = {
  runner: "jest",
  parse: (lines) =>
    sumMatches(lines, (line) => {
      const match = /^Tests:\s+(.+?),\s+(\d+) total\s*$/.exec(line);
      const counts = match ? countWords(match[1]!, /,/) : null;
      if (!match || !counts) return null;
      return {
        passed: countOf(counts, "passed"),
        failed: countOf(counts, "failed"),
        skipped: countOf(counts, "skipped", "todo", "pending"),
        total: Number(match[2]),
      };
    }),
};

/** pytest: `=== 1 failed, 3 passed, 2 skipped, 1 xfailed, 1 error in 1.62s ===`, or bare with `-q`. */
const pytestParser: RunnerParser = {
  runner: "pytest",
  parse: (lines) =>
    sumMatches(lines, (line) => {
      const match = /^=*\s*(.+?) in [\d.]+s(?: \([\d:]+\))?\s*=*\s*$/.exec(line);
      if (!match) return null;
      if (match[1] === "no tests ran") return { passed: 0, failed: 0, skipped: 0, total: 0 };
      const counts = countWords(match[1]!, /,/);
      const words = /^(passed|failed|skipped|xfailed|xpassed|errors?|deselected|warnings?|rerun)$/;
      if (!counts || ![...counts.keys()].every((word) => words.test(word))) return null;
      const passed = countOf(counts, "passed", "xpassed");
      const failed = countOf(counts, "failed", "error", "errors");
      const skipped = countOf(counts, "skipped", "xfailed");
      return { passed, failed, skipped, total: passed + failed + skipped };
    }),
};

/**
 * go test: `--- PASS/FAIL/SKIP:` lines at the start of a line are test functions (subtests are
 * indented, and counting them too would count a failing table test twice). Without `-v` only
 * failures get such lines, so passes are then unknown and the package lines say what passed.
 */
const goTestParser: RunnerParser = {
  runner: "go test",
  parse(lines) {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    let packagesOk = 0;
    let packagesFailed = 0;
    for (const line of lines) {
      const result = /^--- (PASS|FAIL|SKIP): \S/.exec(line)?.[1];
      if (result === "PASS") passed += 1;
      else if (result === "FAIL") failed += 1;
      else if (result === "SKIP") skipped += 1;
      else if (/^ok\s+\S+\s+(?:[\d.]+s|\(cached\))/.test(line)) packagesOk += 1;
      else if (/^FAIL\s+\S+\s+(?:[\d.]+s|\[[a-z ]+\])/.test(line)) packagesFailed += 1;
    }
    if (packagesOk + packagesFailed === 0 && passed + failed + skipped === 0) return null;
    if (passed > 0) return { passed, failed, skipped, total: passed + failed + skipped, notes: [] };
    const failedPackages = packagesFailed > 0 ? `, ${packagesFailed} failed` : "";
    return {
      passed: null,
      failed,
      skipped,
      total: null,
      notes: [
        `go test without -v names failed tests only (packages: ${packagesOk} ok${failedPackages}); run it with -v to count passes`,
      ],
    };
  },
};

/** cargo test: `test result: FAILED. 3 passed; 1 failed; 2 ignored; …`, once per test binary. */
const cargoParser: RunnerParser = {
  runner: "cargo test",
  parse: (lines) =>
    sumMatches(lines, (line) => {
      const match = /^test result: (?:ok|FAILED)\. (\d+) passed; (\d+) failed; (\d+) ignored;/.exec(line);
      if (!match) return null;
      const [passed, failed, skipped] = [Number(match[1]), Number(match[2]), Number(match[3])];
      return { passed, failed, skipped, total: passed + failed + skipped };
    }),
};

/** `N passed, N failed` alone on a line (`, N skipped` may follow; one `word:` may stand before). */
const plainParser: RunnerParser = {
  runner: "summary line",
  parse: (lines) =>
    sumMatches(lines, (line) => {
      const match = /^\s*(?:[A-Za-z]+:\s*)?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$/.exec(line);
      if (!match) return null;
      const [passed, failed, skipped] = [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)];
      return { passed, failed, skipped, total: passed + failed + skipped };
    }),
};

const runnerParsers: readonly RunnerParser[] = [
  nodeTestParser,
  vitestParser,
  jestParser,
  pytestParser,
  goTestParser,
  cargoParser,
];
