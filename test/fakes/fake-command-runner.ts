/** A CommandRunner that answers from a table instead of spawning: for scheduler-level tests. */
import type { CommandRequest, CommandResult, CommandRunner } from "../../src/sandbox/run-command.ts";

export class FakeCommandRunner implements CommandRunner {
  readonly requests: CommandRequest[] = [];
  private readonly exitCodes: (request: CommandRequest) => number;

  constructor(exitCodes: (request: CommandRequest) => number = () => 0) {
    this.exitCodes = exitCodes;
  }

  async run(request: CommandRequest): Promise<CommandResult> {
    this.requests.push(request);
    const exitCode = this.exitCodes(request);
    return {
      exitCode,
      signal: null,
      isTimedOut: false,
      isCanceled: false,
      durationMs: 1,
      output: exitCode === 0 ? "ok\n" : "1 test failed\n",
      outputBytes: 3,
      isOutputTruncated: false,
      error: null,
    };
  }
}
