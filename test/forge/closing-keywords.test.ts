import { describe, expect, it } from "vitest";
import { issuesClosedBy, withoutForeignClosingReferences } from "../../src/forge/index.ts";
import { mergeCommitMessage } from "../../src/forge/local/pull-request-merge.ts";

describe("issuesClosedBy", () => {
  it("finds every GitHub closing keyword, in any case, once per issue", () => {
    const body = [
      "close #1, closes #2 and Closed #3",
      "FIX #4; fixes #5 (fixed #6)",
      "resolve #7 / Resolves: #8 / resolved #9",
      "Fixes #1 again",
    ].join("\n");
    expect(issuesClosedBy(body)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("ignores mentions without a keyword, other repositories' issues, and words that merely contain one", () => {
    expect(issuesClosedBy("See #3. Refs #4. prefixes #5. fixes acme/widget#6. Fixes#7")).toEqual([]);
  });
});

describe("mergeCommitMessage", () => {
  it("titles a squash after the pull request and ends with the trailer", () => {
    expect(
      mergeCommitMessage({
        method: "squash",
        number: 12,
        title: "Spin",
        body: "Why.\n\nFixes #7\n",
        head: "ws1",
      }),
    ).toMatchInlineSnapshot(`
      "Spin (#12)

      Why.

      Fixes #7

      Supervise-Pull-Request: 12
      "
    `);
    expect(mergeCommitMessage({ method: "squash", number: 3, title: "T", body: "  ", head: "ws1" })).toBe(
      "T (#3)\n\nSupervise-Pull-Request: 3\n",
    );
  });
});

describe("withoutForeignClosingReferences", () => {
  it("keeps the workstream's own closing reference and turns the others into mentions", () => {
    expect(withoutForeignClosingReferences("Fixes #3. Also closes #9, resolves #12.", 3)).toEqual({
      body: "Fixes #3. Also Refs #9, Refs #12.",
      removed: [9, 12],
    });
    expect(withoutForeignClosingReferences("Fixes #3", undefined)).toEqual({ body: "Refs #3", removed: [3] });
  });
});
