/**
 * What a test file contains, read statically: the names of its tests, how many assertions it makes,
 * and which lines skip or focus tests or assert something always true. Pure and heuristic by design
 * (regular expressions over comment-free text, no parser per language): it has to read six
 * ecosystems, and a miss costs a human look, while running the worker's code to list tests would
 * trust the worker's code.
 */
import type { TestLanguage } from "./file-roles.ts";

export interface TestInventory {
  /** Test names in source order, repeated when a file declares the same name twice. */
  names: string[];
  assertionCount: number;
}

interface Syntax {
  lineComment: string;
  blockComment: readonly [open: string, close: string] | null;
  /** String delimiters that cannot span lines, and those that can (longest first). */
  quotes: readonly string[];
  multiLineQuotes: readonly string[];
}

const syntaxes: Record<TestLanguage, Syntax> = {
  javascript: { lineComment: "//", blockComment: ["/*", "*/"], quotes: ['"', "'"], multiLineQuotes: ["`"] },
  go: { lineComment: "//", blockComment: ["/*", "*/"], quotes: ['"', "'"], multiLineQuotes: ["`"] },
  // `'` opens both char literals and lifetimes in Rust, so it is not treated as a quote.
  rust: { lineComment: "//", blockComment: ["/*", "*/"], quotes: [], multiLineQuotes: ['"'] },
  jvm: { lineComment: "//", blockComment: ["/*", "*/"], quotes: ['"', "'"], multiLineQuotes: ['"""'] },
  python: { lineComment: "#", blockComment: null, quotes: ['"', "'"], multiLineQuotes: ['"""', "'''"] },
  ruby: { lineComment: "#", blockComment: null, quotes: ['"', "'"], multiLineQuotes: [] },
};

/**
 * The text with every comment blanked to spaces (newlines kept, so lines and columns hold). A test
 * or an assertion commented out is gone, and must count as gone. Strings are kept, since test names
 * live there, unless `blankStrings`: then only their delimiters stay, so `it.skip(` quoted in a
 * fixture or a message is not read as code.
 */
export function stripComments(
  language: TestLanguage,
  text: string,
  options: { blankStrings?: boolean } = {},
): string {
  const syntax = syntaxes[language];
  const output: string[] = [];
  let index = 0;
  const blank = (end: number) => {
    for (; index < end; index++) output.push(text[index] === "\n" ? "\n" : " ");
  };
  const copyString = (delimiter: string, isMultiLine: boolean) => {
    let end = index + delimiter.length;
    while (end < text.length && !text.startsWith(delimiter, end)) {
      if (!isMultiLine && text[end] === "\n") break;
      end += text[end] === "\\" ? 2 : 1;
    }
    const isClosed = text.startsWith(delimiter, end);
    end = Math.min(text.length, isClosed ? end + delimiter.length : end);
    if (!options.blankStrings) {
      output.push(text.slice(index, end));
      index = end;
      return;
    }
    const contentEnd = isClosed ? end - delimiter.length : end;
    output.push(text.slice(index, index + delimiter.length));
    index += delimiter.length;
    blank(contentEnd);
    output.push(text.slice(contentEnd, end));
    index = end;
  };
  while (index < text.length) {
    const multiLine = syntax.multiLineQuotes.find((quote) => text.startsWith(quote, index));
    const singleLine = multiLine ? undefined : syntax.quotes.find((quote) => text.startsWith(quote, index));
    if (multiLine) copyString(multiLine, true);
    else if (singleLine) copyString(singleLine, false);
    else if (text.startsWith(syntax.lineComment, index)) {
      const newline = text.indexOf("\n", index);
      blank(newline === -1 ? text.length : newline);
    } else if (syntax.blockComment && text.startsWith(syntax.blockComment[0], index)) {
      const close = text.indexOf(syntax.blockComment[1], index + syntax.blockComment[0].length);
      blank(close === -1 ? text.length : close + syntax.blockComment[1].length);
    } else {
      output.push(text[index]!);
      index++;
    }
  }
  return output.join("");
}

const quoted = String.raw`(["'\x60])((?:\\[\s\S]|(?!\1)[^\\])*?)\1`;
/** `it(`, `test.only(`, `t.test(` (tap, node:test subtests), `Deno.test(`; never `regex.test(`. */
const javascriptTestCall = new RegExp(
  String.raw`(?<![\w$.])(?:(?:t|Deno)\s*\.\s*)?(?:it|test|specify)(?:\s*\.\s*(?:only|skip|todo|concurrent|sequential|fails|skipIf\s*\([^)]*\)|runIf\s*\([^)]*\)))*\s*\(\s*${quoted}`,
  "g",
);
const javascriptEachCall =
  /(?<![\w$.])(?:it|test|specify)(?:\s*\.\s*(?:only|skip|concurrent))*\s*\.\s*each\s*/g;
const pythonTest = /^[ \t]*(?:async[ \t]+)?def[ \t]+(test\w*)[ \t]*\(/gm;
const goTest = /^func[ \t]*(?:\([^)]*\)[ \t]*)?((?:Test|Fuzz|Example)\w*)[ \t]*(?:\[[^\]]*\][ \t]*)?\(/gm;
const goSubtest = new RegExp(String.raw`\.\s*Run\s*\(\s*${quoted}`, "g");
const rustTest =
  /#\[\s*(?:\w+::)*(?:test|rstest|test_case|quickcheck)\b[^\]]*\](?:\s*#\[[^\]]*\])*\s*(?:pub(?:\([^)]*\))?\s+)?(?:const\s+)?(?:async\s+)?(?:unsafe\s+)?fn\s+(\w+)/g;
const jvmTestAnnotation =
  /@(?:[\w.]+\.)?(?:Test|ParameterizedTest|RepeatedTest|TestFactory|TestTemplate|Property)\b(?:\s*\([^)]*\))?/g;
const rubyTest = new RegExp(
  String.raw`^[ \t]*(?:it|specify|scenario|example|test)[ \t]*\(?[ \t]*${quoted}`,
  "gm",
);

/** Test names, in order. `describe` blocks are left out: renaming a group renames no test. */
export function extractTestNames(language: TestLanguage, code: string): string[] {
  switch (language) {
    case "javascript":
      return [...matchGroup(code, javascriptTestCall, 2), ...eachTestNames(code)];
    case "python":
      return matchGroup(code, pythonTest, 1);
    case "go":
      return [...matchGroup(code, goTest, 1), ...matchGroup(code, goSubtest, 2)];
    case "rust":
      return matchGroup(code, rustTest, 1);
    case "jvm":
      return jvmTestNames(code);
    case "ruby":
      return matchGroup(code, rubyTest, 2);
  }
}

const assertionPatterns: Record<TestLanguage, RegExp> = {
  javascript:
    /(?<![\w$.])expect(?:\s*\.\s*soft)?\s*\(|(?<![\w$.])assert(?:\s*\.\s*\w+)?\s*\(|(?<![\w$])t\s*\.\s*(?:is|not|true|false|truthy|falsy|deepEqual|notDeepEqual|equal|notEqual|strictEqual|deepStrictEqual|notStrictEqual|ok|notOk|assert|throws|throwsAsync|notThrows|rejects|doesNotThrow|same|match|snapshot|like|fail|regex)\s*\(|\.\s*should\b/g,
  python:
    /^[ \t]*assert\b|\bassert(?:_\w+|[A-Z]\w*)\s*\(|\b(?:self|pytest)\s*\.\s*fail\s*\(|\bpytest\s*\.\s*(?:raises|warns)\s*\(/gm,
  // err.Error() (no argument) is a method call, not a failure report.
  go: /\.\s*(?:Error|Errorf|Fatal|Fatalf)\s*\(\s*[^)\s]|\.\s*(?:Fail|FailNow)\s*\(\s*\)|\b(?:assert|require)\s*\.\s*[A-Z]\w*\s*\(|\bRequire\s*\(\s*\)\s*\.\s*[A-Z]\w*\s*\(|\bExpect\s*\(/g,
  rust: /\b\w*assert\w*!\s*[([{]/g,
  jvm: /\bassert[A-Z]\w*\s*\(|\bassert\s+[^;\s]|\bfail\s*\(|\bverify\s*\(|\bexpect\s*\(|\bshould[A-Z]\w*\b/g,
  ruby: /\bexpect\s*[({]|\bassert\w*\b|\.\s*should\b|\bis_expected\b/g,
};

/** The assertion pattern of a language, to build a one-off (non-global) search from. */
export function assertionPatternSource(language: TestLanguage): string {
  return assertionPatterns[language].source;
}

export function countAssertions(language: TestLanguage, code: string): number {
  return code.match(assertionPatterns[language])?.length ?? 0;
}

export function inventoryOf(language: TestLanguage, code: string): TestInventory {
  return { names: extractTestNames(language, code), assertionCount: countAssertions(language, code) };
}

/**
 * Rust keeps unit tests inside source files; only the part from the first test attribute on is
 * tests. The attribute is looked for in `searchIn` (the string-blanked twin, so a quoted one is skipped).
 */
export function rustTestRegion(code: string, searchIn = code): string {
  const start = searchIn.search(/#\[\s*cfg\s*\(\s*test\s*\)\s*\]|#\[\s*(?:\w+::)*test\b/);
  return start === -1 ? "" : `${code.slice(0, start).replace(/[^\n]/g, " ")}${code.slice(start)}`;
}

const skipMarkers: Record<TestLanguage, readonly RegExp[]> = {
  javascript: [
    /(?<![\w$])(?:it|test|describe|suite|context|specify)\s*\.\s*(?:skip|todo|only|skipIf|runIf|fails)\b/,
    /(?<![\w$.])(?:xit|xtest|xdescribe|xcontext|xspecify|xsuite|fit|fdescribe|ftest)\s*\(/,
    // Skipping from inside a running test: node:test's t.skip(), mocha's this.skip(), vitest's ctx.skip().
    /(?<![\w$])(?:t|this|ctx|context)\s*\.\s*(?:skip|todo)\s*\(/,
    // node:test options: test("name", { skip: true }, fn); `skip: false` is the default, not a skip.
    /(?<![\w$.])(?:it|test|describe|suite)\s*\(.*\b(?:skip|todo|only)\s*:(?!\s*(?:false|undefined)\b)/,
    /(?<![\w$.])pending\s*\(/,
  ],
  python: [
    /\bpytest\s*\.\s*mark\s*\.\s*(?:skip|skipif|xfail)\b/,
    /\bpytest\s*\.\s*(?:skip|xfail|importorskip)\s*\(/,
    /\bunittest\s*\.\s*(?:skip|skipIf|skipUnless|expectedFailure)\b/,
    /@(?:skip|skipIf|skipUnless|expectedFailure)\b/,
    /\.\s*skipTest\s*\(|\bSkipTest\b/,
  ],
  go: [/\.\s*(?:Skip|Skipf|SkipNow)\s*\(/],
  // `#[cfg_attr(unix, ignore)]` ignores the test wherever its condition holds.
  rust: [/#\[\s*ignore\b/, /#\[\s*cfg_attr\s*\(.*\bignore\b/],
  jvm: [/@(?:[\w.]+\.)?(?:Disabled\w*|Ignore)\b/, /\b(?:Assumptions\s*\.\s*)?assume(?:True|False|That)\s*\(/],
  ruby: [/(?<![\w.])(?:xit|xdescribe|xcontext|xspecify|skip|pending)\b/],
};

/**
 * The skip, todo or focus marker on a comment-free line, or null. `blankedLine` is the same line
 * with string contents blanked (same columns): markers are looked for there, so a quoted `it.skip(`
 * or a test named "skip: later" is not one, and the marker is returned as written.
 */
export function skipMarkerIn(
  language: TestLanguage,
  codeLine: string,
  blankedLine = codeLine,
): string | null {
  for (const pattern of skipMarkers[language]) {
    const match = pattern.exec(blankedLine);
    if (match) return codeLine.slice(match.index, match.index + match[0].length).trim();
  }
  return null;
}

const literal = String.raw`(?:true|false|True|False|null|None|nil|undefined|-?\d+(?:\.\d+)?|"[^"\\]*"|'[^'\\]*')`;
const assertCall = String.raw`(?<![\w$.])(?:self\s*\.\s*)?assert(?:\s*\.\s*\w+|\w*)!?\s*\(`;
const triviallyTrue: readonly RegExp[] = [
  new RegExp(
    String.raw`\bexpect\s*\(\s*(${literal})\s*\)\s*\.\s*(?:toBe|toEqual|toStrictEqual|eql|equal|equals)\s*\(\s*\1\s*\)`,
  ),
  /\bexpect\s*\(\s*(?:true|1|"[^"]+"|'[^']+')\s*\)\s*\.\s*(?:toBeTruthy|toBeTrue|toBeDefined|to\s*\.\s*be\s*\.\s*(?:true|ok))\b/,
  /\bexpect\s*\(\s*(?:false|0|null|undefined|""|'')\s*\)\s*\.\s*(?:toBeFalsy|toBeFalse|toBeNull|toBeUndefined|to\s*\.\s*be\s*\.\s*false)\b/,
  // Two equal literals compared: assert.equal(1, 1), assertEquals("a", "a"), assert_eq!(1, 1).
  new RegExp(String.raw`${assertCall}\s*(?:\w+\s*,\s*)?(${literal})\s*,\s*\1\s*[,)]`),
  // One-argument truth checks given a constant: assert(true), assert.ok(true), assertTrue(true), assert!(true).
  /(?<![\w$.])(?:self\s*\.\s*)?(?:assert(?:\s*\.\s*(?:ok|isTrue|isOk|true))?|assertTrue|t\s*\.\s*(?:true|truthy|ok))!?\s*\(\s*(?:true|True|1)\s*[,)]/,
  /(?<![\w$.])(?:self\s*\.\s*)?(?:assertFalse|assert\s*\.\s*(?:isFalse|notOk)|t\s*\.\s*(?:false|falsy|notOk))\s*\(\s*(?:false|False|0)\s*[,)]/,
  /\b(?:assert|require)\s*\.\s*True\s*\(\s*\w+\s*,\s*true\s*[,)]/,
  /(?<![\w$.])t\s*\.\s*pass\s*\(/,
  // Python's assert statement on a constant.
  new RegExp(String.raw`^\s*assert\s+(?:True|1|not\s+(?:False|None|0)|(${literal})\s*==\s*\1)\s*(?:,|$)`),
];

/**
 * Whether a comment-free line asserts something that cannot fail. The literals must be read, so the
 * match is on `codeLine`; it counts only where `blankedLine` shows code, not a string, at its start.
 */
export function isTriviallyTrue(codeLine: string, blankedLine = codeLine): boolean {
  return triviallyTrue.some((pattern) => {
    const match = pattern.exec(codeLine);
    return match !== null && blankedLine[match.index] === codeLine[match.index];
  });
}

function matchGroup(code: string, pattern: RegExp, group: number): string[] {
  return [...code.matchAll(pattern)].map((match) => match[group] ?? "");
}

/** `test.each(table)("name %s", fn)` and the tagged form test.each`table`("name", fn). */
function eachTestNames(code: string): string[] {
  const names: string[] = [];
  const nameAfter = new RegExp(String.raw`^\s*\(\s*${quoted}`);
  for (const match of code.matchAll(javascriptEachCall)) {
    const start = match.index + match[0].length;
    const end = code[start] === "`" ? code.indexOf("`", start + 1) + 1 : balancedEnd(code, start);
    if (end <= start) continue;
    const name = nameAfter.exec(code.slice(end, end + 500));
    if (name) names.push(name[2] ?? "");
  }
  return names;
}

/** The index after the parenthesis closing the one at `start`, or -1 (strings ignored: a heuristic). */
function balancedEnd(code: string, start: number): number {
  if (code[start] !== "(") return -1;
  let depth = 0;
  for (let index = start; index < code.length; index++) {
    if (code[index] === "(") depth++;
    else if (code[index] === ")" && --depth === 0) return index + 1;
  }
  return -1;
}

/** The method after each @Test: Java `void name(`, Kotlin `fun name(` or fun `name with spaces`(. */
function jvmTestNames(code: string): string[] {
  const names: string[] = [];
  for (const match of code.matchAll(jvmTestAnnotation)) {
    const rest = code
      .slice(match.index + match[0].length, match.index + match[0].length + 500)
      .replace(/^(?:\s*@[\w.]+(?:\s*\([^)]*\))?)*/, "");
    const method = /^[^(]*?(?:\bfun\s+`([^`]+)`|\b([A-Za-z_$][\w$]*))\s*\(/.exec(rest);
    if (method) names.push(method[1] ?? method[2] ?? "");
  }
  return names;
}
