import { describe, expect, it } from "vitest";
import { programsOf } from "../../src/sandbox/program-names.ts";

describe("the programs a plan command starts", () => {
  it("reads the first word of every pipeline part, past variables, builtins and wrappers", () => {
    expect(programsOf("cd app && CARGO_TERM_COLOR=never cargo test --workspace | tee out.txt")).toEqual([
      "cargo",
      "tee",
    ]);
    expect(programsOf("cargo fmt --check; cargo clippy -- -D warnings || exit 1")).toEqual(["cargo"]);
    expect(programsOf("env -i PATH=/usr/bin make check && exec /opt/tools/lint src")).toEqual([
      "make",
      "/opt/tools/lint",
    ]);
    expect(programsOf('test "$(cat src/value.txt)" = 2')).toEqual(["cat"]);
    expect(programsOf("(npm ci && npm test)")).toEqual(["npm"]);
    expect(programsOf('test -f $(git log -1 --format=%s | cut -d" " -f3).txt')).toEqual(["git", "cut"]);
    expect(programsOf("echo \"$(date +%s)\" `uname -r` 'not | a pipe'")).toEqual(["date", "uname"]);
  });

  it("leaves out what only the shell or the checkout knows", () => {
    expect(programsOf("./gradlew check && node_modules/.bin/vitest run && $RUNNER go && true")).toEqual([]);
    expect(programsOf("if [ -f x ]; then echo yes; fi")).toEqual([]);
  });
});
