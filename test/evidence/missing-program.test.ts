import { describe, expect, it } from "vitest";
import { judgeCommandGate } from "../../src/evidence/command-gate.ts";
import { exitedNotFound, judgeMissingProgram } from "../../src/evidence/missing-program.ts";

const exited127 = judgeCommandGate("local_check", "npm test", "evidence/w/logs/claim-1-local_check.log", {
  exitCode: 127,
  signal: null,
  isTimedOut: false,
  isCanceled: false,
  durationMs: 40,
  output: "sh: 1: vitest-x: not found\n",
  outputBytes: 26,
  isOutputTruncated: false,
  error: null,
});

describe("who a gate's exit 127 belongs to", () => {
  it("is first taken for the sandbox's", () => {
    expect(exitedNotFound(exited127)).toBe(true);
    expect(exited127.status).toBe("error");
  });

  it("stays the sandbox's when a program of the command line is missing there", () => {
    const judged = judgeMissingProgram(exited127, { missingPrograms: ["npm"] });
    expect(judged.status).toBe("error");
    expect(judged.environmentProblem).toBe(exited127.environmentProblem);
    expect(judged.detail).toMatch(/\(not found in the sandbox: `npm`\)$/);
    expect(judged.observed).toEqual({ exit_code: 127, missing_programs: ["npm"] });
  });

  it("stays the sandbox's when the command exits 127 at the base too, or could not run there", () => {
    const atBase = judgeMissingProgram(exited127, {
      missingPrograms: [],
      base: { kind: "ran", exitCode: 127, log: "base.log" },
    });
    expect(atBase.status).toBe("error");
    expect(atBase.detail).toMatch(/\(it exits 127 at the base too\)$/);
    const notRun = judgeMissingProgram(exited127, {
      missingPrograms: [],
      base: { kind: "not-run", reason: "the base could not be checked out: gone" },
    });
    expect(notRun.environmentProblem).toBeDefined();
  });

  it("is the claim's failure when the command line's programs are there and it runs at the base", () => {
    const judged = judgeMissingProgram(exited127, {
      missingPrograms: [],
      base: { kind: "ran", exitCode: 0, log: "evidence/w/logs/claim-1-local_check-base.log" },
    });
    expect(judged).toEqual({
      ...exited127,
      environmentProblem: undefined,
      status: "fail",
      observed: {
        exit_code: 127,
        base_exit_code: 0,
        base_log: "evidence/w/logs/claim-1-local_check-base.log",
      },
      detail:
        "`npm test` exited 127, a program not found or not executable, yet every program its command line names is in the sandbox and it exits 0 at the base: the claim's own code runs what is missing (sh: 1: vitest-x: not found)",
    });
    expect("environmentProblem" in judged).toBe(false);
  });
});
