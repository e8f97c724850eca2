/**
 * The `command` worker: any CLI agent (claude -p, codex exec, aider, a script) run in the
 * checkout with the prompt on stdin, reaching its tools through `supervise tool` / `supervise mcp`
 * on a socket bound to its workstream. It is sandboxed like every worker command.
 */

import type { TranscriptWriter } from "../model/index.ts";
import { renderPrompt } from "../prompts/index.ts";
import type { CommandRunner, RunningCommand } from "../sandbox/index.ts";
import type { ToolServer } from "./bridge/tool-server.ts";
import type { WorkerServices } from "./tools/tool-definition.ts";
import { workerTools } from "./tools/tool-registry.ts";
import { describeExit, type WorkerExit, type WorkerLauncher, type WorkerStart } from "./worker.ts";

export interface CommandWorkerOptions {
  runner: CommandRunner;
  toolServer: ToolServer;
  /** The scrubbed environment every worker command starts from. */
  baseEnvironment: Record<string, string>;
  /** A directory holding the `supervise` shim, put first on the worker's PATH. */
  shimDirectory: string;
  /** Markers stamped on the worker's process tree, so a resumed supervisor can find and stop leftovers. */
  markers: Record<string, string>;
  transcriptFor(workstreamId: string): TranscriptWriter;
  /** The files an agent command names, readable by that command alone under isolation. */
  readablePathsOf?(command: string): string[];
}

/** A transcript line longer than this is cut; the worker's output past the total is left out. */
const maxTranscriptLineLength = 16 * 1024;
const maxTranscriptOutput = 32 * 1024 ** 2;

export function createCommandWorkerLauncher(options: CommandWorkerOptions): WorkerLauncher {
  return {
    toolUsagePrompt: renderPrompt("command-tool-usage", {
      tool_names: workerTools.map((tool) => tool.name).join(", "),
    }),
    async start(start: WorkerStart): Promise<WorkerExit> {
      const agent = start.workstream.agent;
      if (agent.provider !== "command")
        throw new Error(`command worker launched for provider ${agent.provider}`);
      const transcript = options.transcriptFor(start.workstream.id);
      let running: RunningCommand | undefined;
      // The agent's processes are stopped while the supervisor's gates look at its checkout (a
      // claim's verification, the checks before a merge): one it left in the background must not
      // change the checkout under a gate and put it back before the supervisor reads it again.
      // They go on once the answer is in (the agent then reads it).
      const whileStopped = async <T>(action: () => Promise<T>): Promise<T> => {
        const paused = await running?.pause();
        try {
          return await action();
        } finally {
          paused?.resume();
        }
      };
      const services: WorkerServices = {
        ...start.services,
        claimDone: (summary) => whileStopped(() => start.services.claimDone(summary)),
        mergePullRequest: (input) => whileStopped(() => start.services.mergePullRequest(input)),
      };
      const token = options.toolServer.grant(start.workstream.id, services, {
        onCall: (tool, input) => {
          start.onActivity();
          transcript.write({ attempt: start.attempt, kind: "tool_call", tool, input });
        },
        onResult: (tool, result) => {
          start.onActivity();
          transcript.write({ attempt: start.attempt, kind: "tool_result", tool, ...result });
        },
      });
      const environment = {
        ...options.baseEnvironment,
        PATH: `${options.shimDirectory}:${options.baseEnvironment.PATH ?? "/usr/bin:/bin"}`,
        SUPERVISE_WORKSTREAM: start.workstream.id,
        SUPERVISE_ISSUE: start.workstream.issue === undefined ? "" : String(start.workstream.issue),
        SUPERVISE_ATTEMPT: String(start.attempt),
        SUPERVISE_TOOL_SOCKET: options.toolServer.socketPath,
        SUPERVISE_TOOL_TOKEN: token,
      };
      transcript.write({
        attempt: start.attempt,
        kind: "start",
        command: agent.command,
        prompt: start.prompt,
      });
      let pendingLine = "";
      let outputWritten = 0;
      let isOutputCapped = false;
      // The transcript keeps a bounded record of the output: a worker printing without end must not
      // fill the disk or the supervisor's memory (its last lines are also kept with its exit).
      const writeOutputLine = (line: string) => {
        if (isOutputCapped) return;
        const text =
          line.length > maxTranscriptLineLength
            ? `${line.slice(0, maxTranscriptLineLength)} [… ${line.length - maxTranscriptLineLength} characters cut]`
            : line;
        outputWritten += text.length;
        if (outputWritten > maxTranscriptOutput) {
          isOutputCapped = true;
          transcript.write({
            attempt: start.attempt,
            kind: "output",
            text: `[supervise: the worker's output passed ${maxTranscriptOutput / 1024 ** 2} MB; the rest is not in the transcript]`,
          });
          return;
        }
        transcript.write({ attempt: start.attempt, kind: "output", text });
      };
      try {
        const result = await options.runner.run({
          command: agent.command,
          cwd: start.checkoutPath,
          env: environment,
          stdin: start.prompt,
          readOnly: options.readablePathsOf?.(agent.command) ?? [],
          timeoutMs: start.timeoutMs,
          signal: start.signal,
          markers: options.markers,
          onStarted: (control) => {
            running = control;
          },
          onOutput: (chunk) => {
            start.onActivity();
            const lines = (pendingLine + chunk).split("\n");
            pendingLine = lines.pop() ?? "";
            // A line with no end in sight is written in pieces rather than held whole in memory.
            if (pendingLine.length > maxTranscriptLineLength) {
              lines.push(pendingLine);
              pendingLine = "";
            }
            for (const text of lines) writeOutputLine(text);
          },
        });
        if (pendingLine) writeOutputLine(pendingLine);
        const exit: WorkerExit = {
          exitCode: result.exitCode,
          signal: result.signal,
          isTimedOut: result.isTimedOut,
          isCanceled: result.isCanceled,
          durationMs: result.durationMs,
          description: result.error ? `could not start: ${result.error}` : describeExit(result),
          outputTail: result.output.slice(-2000),
        };
        transcript.write({
          attempt: start.attempt,
          kind: "exit",
          description: exit.description,
          exit_code: exit.exitCode,
        });
        return exit;
      } finally {
        options.toolServer.revoke(token);
      }
    },
  };
}
