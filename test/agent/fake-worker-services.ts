/** WorkerServices for tests: records every call; `runCommand` runs a real process when given a runner. */
import type { ToolResult, WorkerServices } from "../../src/agent/tools/tool-definition.ts";
import type { CommandResult, CommandRunner } from "../../src/sandbox/run-command.ts";

export interface ServiceCall {
  service: string;
  input: unknown;
}

export class FakeWorkerServices implements WorkerServices {
  readonly checkoutPath: string;
  readonly calls: ServiceCall[] = [];
  private readonly runner: CommandRunner | undefined;
  /** What claim_done answers; accepted unless a test says otherwise. */
  claimVerdict: ToolResult = { isError: false, text: "Your claim was accepted." };
  /** Supervisor messages the next tool result carries. */
  pendingMessages: string[] = [];

  constructor(checkoutPath: string, runner?: CommandRunner) {
    this.checkoutPath = checkoutPath;
    this.runner = runner;
  }

  takeSupervisorMessages(): string[] {
    return this.pendingMessages.splice(0);
  }

  async runCommand(command: string, timeoutMs: number): Promise<CommandResult> {
    this.calls.push({ service: "runCommand", input: { command, timeoutMs } });
    if (this.runner) {
      return this.runner.run({
        command,
        cwd: this.checkoutPath,
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
        timeoutMs,
      });
    }
    return {
      exitCode: 0,
      signal: null,
      isTimedOut: false,
      isCanceled: false,
      durationMs: 1,
      output: `ran ${command}\n`,
      outputBytes: 0,
      isOutputTruncated: false,
      error: null,
    };
  }

  async claimDone(summary: string): Promise<ToolResult> {
    return this.record("claimDone", summary, this.claimVerdict);
  }
  async push(): Promise<ToolResult> {
    return this.record("push", {}, { isError: false, text: "Pushed abc123 to ws/branch." });
  }
  async openPullRequest(input: { title: string; body: string }): Promise<ToolResult> {
    return this.record("openPullRequest", input, { isError: false, text: "Opened pull request #7." });
  }
  async ciStatus(): Promise<ToolResult> {
    return this.record("ciStatus", {}, { isError: false, text: "CI: success" });
  }
  async mergePullRequest(input: { method?: "squash" | "merge" | "rebase" | undefined }): Promise<ToolResult> {
    return this.record("mergePullRequest", input, { isError: false, text: "Merged #7." });
  }
  async closeIssue(input: { comment?: string | undefined }): Promise<ToolResult> {
    return this.record("closeIssue", input, { isError: false, text: "Closed #3." });
  }
  async askHuman(question: string): Promise<ToolResult> {
    return this.record("askHuman", question, { isError: false, text: "Go ahead." });
  }

  private record(service: string, input: unknown, result: ToolResult): ToolResult {
    this.calls.push({ service, input });
    return result;
  }
}
