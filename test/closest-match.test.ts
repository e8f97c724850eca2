import { describe, expect, it } from "vitest";
import { closestMatch, editDistance } from "../src/closest-match.ts";

describe("closestMatch", () => {
  it("counts an adjacent transposition as one edit", () => {
    expect([
      editDistance("modle", "model"),
      editDistance("dependson", "depends_on"),
      editDistance("", "abc"),
    ]).toEqual([1, 1, 3]);
  });

  it("suggests the nearest candidate only when it is close enough to be a typo", () => {
    const fields = ["id", "issue", "goal", "brief", "depends_on", "done"];
    expect(closestMatch("dependson", fields)).toBe("depends_on");
    expect(closestMatch("Goal", fields)).toBe("goal");
    expect(closestMatch("colour", fields)).toBeUndefined();
    expect(closestMatch("ci_gren", ["ci_green", "review"])).toBe("ci_green");
  });
});
