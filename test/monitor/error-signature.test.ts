import { describe, expect, it } from "vitest";
import { errorSignature } from "../../src/monitor/error-signature.ts";

describe("errorSignature", () => {
  it("keeps the error lines and blanks what changes from run to run", () => {
    const first = errorSignature(
      "> widget@1.0.0 test\nRunning 12 tests\nFAIL test/slug.test.js (31 ms)\n  AssertionError: expected 'a-b' to equal 'a_b'\n    at /tmp/vitest-abc123/slug.test.js:14:7\nTests: 1 failed, 11 passed\n",
    );
    const second = errorSignature(
      "Running 12 tests\nFAIL test/slug.test.js (48 ms)\n  AssertionError: expected 'a-b' to equal 'a_b'\n    at /tmp/vitest-zz9/slug.test.js:14:7\nTests: 1 failed, 11 passed\nDone in 2.4s\n",
    );
    expect(first).toBe(second);
    expect(first).toContain("AssertionError: expected 'a-b' to equal 'a_b'");
  });

  it("tells different failures apart", () => {
    expect(errorSignature("Error: cannot find module 'x'")).not.toBe(
      errorSignature("Error: cannot find module 'y'"),
    );
  });

  it("is empty for output that names no error, so it never counts as a repeat", () => {
    expect(errorSignature("exit status 1\n")).toBe("");
  });
});
