import { describe, expect, it } from "vitest";
import { invocationPrefix, quoteArgument, resumeCommand } from "../../src/cli/invocation.ts";

const install = "/home/ana/tools/supervise";
const facts = (environment: NodeJS.ProcessEnv, entryPath: string | undefined, cwd = "/home/ana/work") => ({
  environment,
  entryPath,
  cwd,
});

describe("invocationPrefix", () => {
  it("names the way the person started supervise", () => {
    expect(
      invocationPrefix(
        facts({ npm_lifecycle_event: "supervise", npm_command: "run" }, `${install}/src/cli.ts`),
      ),
    ).toBe("npm run supervise --");
    expect(invocationPrefix(facts({ npm_command: "exec" }, `${install}/bin/supervise.js`))).toBe(
      "npx supervise",
    );
    expect(invocationPrefix(facts({}, "/usr/local/bin/supervise"))).toBe("supervise");
    expect(invocationPrefix(facts({}, `${install}/bin/supervise.js`, install))).toBe("bin/supervise.js");
    expect(invocationPrefix(facts({}, `${install}/bin/supervise.js`, "/"))).toBe(
      "home/ana/tools/supervise/bin/supervise.js",
    );
    expect(invocationPrefix(facts({}, `${install}/src/cli.ts`, install))).toBe("node src/cli.ts");
  });

  it("names the wrapper the person ran, not the CLI it started on another Node", () => {
    expect(
      invocationPrefix(
        facts({ SUPERVISE_ENTRY: `${install}/bin/supervise.js` }, `${install}/src/cli.ts`, install),
      ),
    ).toBe("bin/supervise.js");
  });

  it("falls back to the installed command when another program runs the CLI (the demo under npx node)", () => {
    expect(invocationPrefix(facts({ npm_command: "exec" }, `${install}/sandbox/demo.ts`))).toBe("supervise");
    expect(invocationPrefix(facts({}, undefined))).toBe("supervise");
  });
});

describe("resumeCommand", () => {
  it("repeats the arguments, quoted for a shell, without --new-run", () => {
    expect(resumeCommand("npx supervise", ["plan.yaml", "--new-run", "--only", "a,b"])).toBe(
      "npx supervise plan.yaml --only a,b",
    );
    expect(resumeCommand("supervise", ["my plan.yaml", "--state-dir", "it's here"])).toBe(
      "supervise 'my plan.yaml' --state-dir 'it'\\''s here'",
    );
  });

  it("leaves plain words unquoted", () => {
    expect(quoteArgument("/tmp/x-1/plan.yaml")).toBe("/tmp/x-1/plan.yaml");
    expect(quoteArgument("$HOME")).toBe("'$HOME'");
    expect(quoteArgument("")).toBe("''");
  });
});
