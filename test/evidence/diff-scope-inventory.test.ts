import { describe, expect, it } from "vitest";
import { parseDiff } from "../../src/evidence/diff-scope-observation.ts";
import type { TestLanguage } from "../../src/evidence/file-roles.ts";
import { countAssertions, extractTestNames, stripComments } from "../../src/evidence/test-inventory.ts";
import { scriptsRunBy } from "../../src/evidence/test-selection.ts";

const namesIn = (language: TestLanguage, text: string) =>
  extractTestNames(language, stripComments(language, text));
const assertionsIn = (language: TestLanguage, text: string) =>
  countAssertions(language, stripComments(language, text));

describe("test names", () => {
  it("reads JS and TS test calls, modifiers, .each tables and subtests, but not regex.test or describe", () => {
    const text = [
      'describe("sum", () => {',
      '  it("adds", () => {});',
      "  test('subtracts', async () => {});",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a test file's text, not a template
      "  it.only(`multiplies ${x}`, () => {});",
      '  test.skip("divides", () => {});',
      '  test.skipIf(isWindows)("on posix", () => {});',
      '  test.each([[1, 2], [2, (3)]])("pairs %i %i", (a, b) => {});',
      '  it.each`\n    a | b\n  `("table $a", () => {});',
      '  t.test("subtest", (t) => {});',
      '  Deno.test("deno", () => {});',
      '  if (/x/.test("x") && pattern.test("y")) {}',
      '  // it("commented out", () => {});',
      '  /* test("block comment", () => {}); */',
      '  it("has // inside", () => {});',
      "});",
    ].join("\n");
    expect(namesIn("javascript", text)).toEqual([
      "adds",
      "subtracts",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the name as written in the test
      "multiplies ${x}",
      "divides",
      "on posix",
      "subtest",
      "deno",
      "has // inside",
      "pairs %i %i",
      "table $a",
    ]);
  });

  it("reads Python test functions and methods, async included", () => {
    const text =
      "class TestSum:\n    def test_adds(self):\n        pass\n\n    async def test_waits(self):\n        pass\n\ndef helper():\n    pass\n# def test_gone():\ndef test_top():\n    '''def test_in_docstring'''\n";
    expect(namesIn("python", text)).toEqual(["test_adds", "test_waits", "test_top"]);
  });

  it("reads Go tests, fuzz tests, suite methods and literal subtests", () => {
    const text =
      'func TestSum(t *testing.T) {\n\tt.Run("positive", func(t *testing.T) {})\n\tt.Run(name, func(t *testing.T) {})\n}\nfunc (s *Suite) TestMethod() {}\nfunc FuzzSum(f *testing.F) {}\nfunc helper() {}\n// func TestGone(t *testing.T) {}\n';
    expect(namesIn("go", text)).toEqual(["TestSum", "TestMethod", "FuzzSum", "positive"]);
  });

  it("reads Rust test functions under any test attribute", () => {
    const text =
      "#[test]\nfn adds() {}\n\n#[tokio::test]\nasync fn waits() {}\n\n#[test]\n#[should_panic]\npub fn panics() {}\n\nfn helper<'a>(x: &'a str) {}\n// #[test]\n// fn gone() {}\n";
    expect(namesIn("rust", text)).toEqual(["adds", "waits", "panics"]);
  });

  it("reads JUnit methods in Java and Kotlin", () => {
    const java =
      "@Test\npublic void adds() {}\n\n@ParameterizedTest\n@ValueSource(ints = {1, 2})\nvoid many(int x) {}\n\n@Test(expected = Boom.class)\nvoid throwsBoom() {}\n";
    const kotlin = "@Test\nfun `adds two numbers`() {}\n\n@Test\nfun subtracts() {}\n";
    expect(namesIn("jvm", java)).toEqual(["adds", "many", "throwsBoom"]);
    expect(namesIn("jvm", kotlin)).toEqual(["adds two numbers", "subtracts"]);
  });

  it("reads RSpec and minitest examples", () => {
    expect(namesIn("ruby", 'describe Sum do\n  it "adds" do\n  end\n  it("subtracts") { }\nend\n')).toEqual([
      "adds",
      "subtracts",
    ]);
  });
});

describe("assertion counts", () => {
  it.each<[TestLanguage, string, number]>([
    [
      "javascript",
      "expect(a).toBe(1);\nexpect(b).toEqual(expect.any(String));\nassert.equal(c, 2);\nassert(d);\nt.is(e, 3);\n// expect(f).toBe(4);\n",
      5,
    ],
    [
      "python",
      "assert a == 1\nself.assertEqual(b, 2)\nmock.assert_called_once()\nwith pytest.raises(ValueError):\n    pass\n# assert c\n",
      4,
    ],
    ["go", 't.Errorf("bad %v", err.Error())\nt.Fatal(err)\nassert.Equal(t, 1, x)\nmsg := err.Error()\n', 3],
    ["rust", "assert_eq!(a, 1);\nassert!(b);\ndebug_assert_ne!(c, 2);\nprop_assert!(d);\n", 4],
    ["jvm", "assertEquals(1, a);\nassertThat(b).isEqualTo(2);\nassertThrows(Boom.class, () -> go());\n", 3],
  ])("counts %s assertions", (language, text, count) => {
    expect(assertionsIn(language, text)).toBe(count);
  });
});

describe("the scripts a check command runs", () => {
  it("follows npm, yarn and pnpm script references, with pre and post scripts", () => {
    const packageJson = JSON.stringify({
      scripts: {
        check: "npm run lint && yarn test:unit && pnpm run test:e2e",
        "test:unit": "run-s unit:*  unit:fast",
        pretest: "rm -rf coverage",
        test: "vitest run",
        build: "tsc",
      },
    });
    expect([...scriptsRunBy("npm run check", [packageJson])].sort()).toEqual(
      [
        "check",
        "lint",
        "postcheck",
        "postlint",
        "posttest",
        "posttest:e2e",
        "posttest:unit",
        "postunit:*",
        "postunit:fast",
        "precheck",
        "prelint",
        "pretest",
        "pretest:e2e",
        "pretest:unit",
        "preunit:*",
        "preunit:fast",
        "test",
        "test:e2e",
        "test:unit",
        "unit:*",
        "unit:fast",
      ].sort(),
    );
  });
});

describe("git's raw and numstat output", () => {
  it("reads statuses, renames and binaries, whatever bytes the paths hold", () => {
    const output = [
      ":100644 100644 1111111111111111111111111111111111111111 2222222222222222222222222222222222222222 M",
      "a b/f*.js",
      ":100644 100644 3333333333333333333333333333333333333333 4444444444444444444444444444444444444444 M",
      "bin.dat",
      ":100644 100644 5555555555555555555555555555555555555555 5555555555555555555555555555555555555555 R090",
      "old\tname.js",
      "new.js",
      ":000000 100644 0000000000000000000000000000000000000000 6666666666666666666666666666666666666666 A",
      "added.ts",
      "1\t0\ta b/f*.js",
      "-\t-\tbin.dat",
      "2\t1\t",
      "old\tname.js",
      "new.js",
      "7\t0\tadded.ts",
      "",
    ].join("\0");
    expect(parseDiff(output)).toEqual([
      { path: "a b/f*.js", previousPath: null, status: "modified", addedLines: 1, removedLines: 0 },
      { path: "bin.dat", previousPath: null, status: "modified", addedLines: null, removedLines: null },
      { path: "new.js", previousPath: "old\tname.js", status: "renamed", addedLines: 2, removedLines: 1 },
      { path: "added.ts", previousPath: null, status: "added", addedLines: 7, removedLines: 0 },
    ]);
  });
});
