/**
 * The `command` worker: any CLI agent (claude -p, codex exec, aider, a script) run in the
 * checkout with the prompt on stdin, reaching its tools through `supervise tool` / `supervise mcp`
 * on a socket bound to its workstream. It is sandboxed like every worker command.
 */
import { type ModelGateway, workerModelEnvironment } from "../gateway/index.ts";
import type { TranscriptWriter } from "../model/index.ts";
import { type CliAgentConfig, isCliAgent } from "../plan/index.ts";
import { renderPrompt } from "../prompts/index.ts";
import type { CommandHome, CommandRunner, LoopbackBridges, RunningCommand } from "../sandbox/index.ts";
import type { ToolServer } from "./bridge/tool-server.ts";
import { cliAgentCommand } from "./cli-agent-command.ts";
import type { GatewayDispatch } from "./model-access.ts";
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
  /** The worker's persistent HOME in the sandbox, kept across its restarts; without it, an empty one each start. */
  homeOf?(workstreamId: string): CommandHome;
  transcriptFor(workstreamId: string): TranscriptWriter;
  /** The files an agent command names, readable by that command alone under isolation. */
  readablePathsOf?(agent: CliAgentConfig, command: string): string[];
  /** The run's model gateway, when it has one: the agent's model traffic goes through it. */
  modelAccess?: CommandWorkerModelAccess;
}

export interface CommandWorkerModelAccess {
  gateway: Pick<ModelGateway, "grant" | "revoke">;
  dispatch: GatewayDispatch;
  /** The gateway as the agent's command reaches it: the loopback bridge inside a sandbox, or its TCP origin. */
  origin: string;
  /** The bridge that makes `origin` lead to the gateway inside a sandbox; none where loopback is shared. */
  loopback?: LoopbackBridges;
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
      if (!isCliAgent(agent)) throw new Error(`command worker launched for provider ${agent.provider}`);
      const command = cliAgentCommand(agent);
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
      const model = openModelAccess(options.modelAccess, start, transcript);
      transcript.write({
        attempt: start.attempt,
        kind: "start",
        command,
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
          command,
          cwd: start.checkoutPath,
          env: { ...environment, ...model.environment },
          stdin: start.prompt,
          readOnly: options.readablePathsOf?.(agent, command) ?? [],
          ...(options.homeOf ? { home: options.homeOf(start.workstream.id) } : {}),
          ...(model.loopback ? { loopback: model.loopback } : {}),
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
          ...(model.isBlocked() ? { blockedReason: "api_error" as const } : {}),
        };
        transcript.write({
          attempt: start.attempt,
          kind: "exit",
          description: exit.description,
          exit_code: exit.exitCode,
        });
        return exit;
      } finally {
        model.close();
        options.toolServer.revoke(token);
      }
    },
  };
}

/** Upstream failures in a row past which an agent that then stops is blocked, not lazy. */
const failuresMeaningBlocked = 3;

/**
 * The start's way to its model: a gateway token for the workstream in place of any key, the
 * gateway's traffic for it turned into the start's usage, activity and transcript, and requests
 * refused once the start is stopped (its budget spent). Nothing without a gateway.
 */
function openModelAccess(
  access: CommandWorkerModelAccess | undefined,
  start: WorkerStart,
  transcript: TranscriptWriter,
): { environment: Record<string, string>; loopback?: LoopbackBridges; isBlocked(): boolean; close(): void } {
  if (!access) return { environment: {}, isBlocked: () => false, close: () => {} };
  const workstreamId = start.workstream.id;
  const { token } = access.gateway.grant(workstreamId);
  let failuresInRow = 0;
  let usage = Promise.resolve();
  const unregister = access.dispatch.register(workstreamId, {
    onUsage: (turn) => {
      failuresInRow = 0;
      const {
        provider: _provider,
        isCostKnown: _isCostKnown,
        areTokensKnown: _areTokensKnown,
        ...counted
      } = turn;
      // In order, one at a time: the run journals each and checks the budget after it.
      usage = usage.then(() => start.onUsage(counted)).catch(() => {});
    },
    onActivity: () => start.onActivity(),
    onExchange: (exchange) =>
      transcript.write({ attempt: start.attempt, kind: "model_exchange", ...exchange }),
    onUpstreamFailure: (failure) => {
      failuresInRow += 1;
      transcript.write({ attempt: start.attempt, kind: "model_failure", ...failure });
    },
    isStopped: () => start.signal.aborted,
  });
  return {
    environment: {
      ...workerModelEnvironment(access.origin, token),
      // Claude Code otherwise waits on hosts no sandbox reaches (telemetry, updates).
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: "1",
      DISABLE_AUTOUPDATER: "1",
      // Claude Code bypasses its permission prompts as root only when told it is in a sandbox, which it is.
      IS_SANDBOX: "1",
    },
    ...(access.loopback ? { loopback: access.loopback } : {}),
    isBlocked: () => failuresInRow >= failuresMeaningBlocked,
    close: () => {
      unregister();
      access.gateway.revoke(workstreamId);
    },
  };
}
