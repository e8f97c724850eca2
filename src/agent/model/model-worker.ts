/**
 * The `anthropic` (and `replay`) worker: the supervisor's own tool-use loop over the Messages API.
 * Query, act, repeat: each turn checks the start's limits, keeps the conversation within its
 * context budget, streams one model turn, reports its usage, and acts on its stop reason (see
 * next-step.ts) until the model ends its turn, a limit is reached, or the run stops the worker.
 * The SDK retries 429 (except spend limits), 5xx and connection errors (anthropic-client.ts); an
 * error that still reaches this loop blocks the start with a description, except a prompt too
 * long for the context window, which is shortened and sent once more.
 */
import type Anthropic from "@anthropic-ai/sdk";
import { AnthropicError, APIError } from "@anthropic-ai/sdk";
import type {
  Message,
  TextBlockParam,
  ToolResultBlockParam,
  ToolUseBlock,
} from "@anthropic-ai/sdk/resources/messages";
import type { Clock } from "../../clock.ts";
import { errorMessage } from "../../errors.ts";
import { describeApiFailure, isPromptTooLong, isSpendLimit } from "../../model/client/index.ts";
import {
  defaultPricing,
  type PricingTable,
  type TranscriptWriter,
  type TurnRecorder,
  turnUsageOf,
} from "../../model/index.ts";
import { renderPrompt } from "../../prompts/index.ts";
import { addUsage, emptyUsage, type Usage } from "../../usage.ts";
import { callWorkerTool, workerTools } from "../tools/tool-registry.ts";
import { describeExit, type WorkerExit, type WorkerLauncher, type WorkerStart } from "../worker.ts";
import { ContextKeeper } from "./context-keeper.ts";
import { Conversation, toRequestContent, withoutToolUses } from "./conversation.ts";
import { nextStepAfter } from "./next-step.ts";
import { checkStartLimits } from "./start-limits.ts";
import { untilAborted } from "./until-aborted.ts";
import { fixedRequestCharacters, workerRequest } from "./worker-request.ts";

export interface ModelWorkerOptions {
  /** Built by the caller (API key, base URL, fetch, retries); a replay client works the same way. */
  client: Anthropic;
  model: string;
  /** Output token cap of one model turn. */
  maxTokens: number;
  transcriptFor(workstreamId: string): TranscriptWriter;
  clock: Clock;
  /** Prices for the cost estimate; default `defaultPricing` (the bundled price file). */
  pricing?: PricingTable;
  /** Estimated request size past which old tool outputs are elided; default 80 % of a 200k window. */
  contextBudgetTokens?: number | undefined;
  /** Extended thinking per turn, when the plan asks for it. */
  thinkingBudgetTokens?: number | undefined;
  /** `--record`: receives every turn as it arrives, before the loop acts on it. */
  recorder?: TurnRecorder | undefined;
}

/** Cut-off or shortened turns in a row before the start gives up instead of looping on them. */
const maxConsecutiveCutOffs = 3;
const outputTailCharacters = 2000;
/** setTimeout fires at once for longer delays (about 24.8 days); a longer start is cut there. */
const maxTimerDelayMs = 2 ** 31 - 1;

export function createModelWorkerLauncher(options: ModelWorkerOptions): WorkerLauncher {
  return {
    toolUsagePrompt: renderPrompt("model-tool-usage", {
      tool_names: workerTools.map((tool) => tool.name).join(", "),
    }),
    start: (start) => new ModelWorkerSession(options, start).run(),
  };
}

type Ending = { exitCode: number; description: string; blockedReason?: WorkerExit["blockedReason"] };

class ModelWorkerSession {
  private readonly options: ModelWorkerOptions;
  private readonly start: WorkerStart;
  private readonly transcript: TranscriptWriter;
  private readonly conversation: Conversation;
  private readonly usage: Usage = emptyUsage();
  /** Aborted when the run stops this worker or the start's time runs out; passed to the SDK. */
  private readonly stopController = new AbortController();
  private readonly startedMs: number;
  private isTimedOut = false;
  private isClaimAccepted = false;
  private consecutiveCutOffs = 0;
  private outputTail = "";
  private readonly context: ContextKeeper;
  private readonly pricing: PricingTable;
  private isRecording: boolean;

  constructor(options: ModelWorkerOptions, start: WorkerStart) {
    this.options = options;
    this.start = start;
    this.transcript = options.transcriptFor(start.workstream.id);
    this.conversation = new Conversation(start.prompt);
    this.startedMs = options.clock.now();
    this.context = new ContextKeeper({
      conversation: this.conversation,
      budgetTokens: options.contextBudgetTokens,
      fixedCharacters: fixedRequestCharacters(),
      write: (entry) => this.write(entry),
    });
    this.isRecording = options.recorder !== undefined;
    this.pricing = options.pricing ?? defaultPricing;
  }

  async run(): Promise<WorkerExit> {
    const stop = () => this.stopController.abort();
    this.start.signal.addEventListener("abort", stop, { once: true });
    if (this.start.signal.aborted) stop();
    // The clock check before each turn is the rule; this timer only interrupts a turn or tool in flight.
    const timer = setTimeout(
      () => {
        this.isTimedOut = true;
        stop();
      },
      Math.min(this.start.timeoutMs, maxTimerDelayMs),
    );
    timer.unref();
    this.write({
      kind: "start",
      model: this.options.model,
      max_tokens: this.options.maxTokens,
      prompt: this.start.prompt,
    });
    try {
      return await this.loop();
    } finally {
      clearTimeout(timer);
      this.start.signal.removeEventListener("abort", stop);
    }
  }

  private async loop(): Promise<WorkerExit> {
    for (;;) {
      if (this.stopController.signal.aborted) return this.stopped();
      const limit = checkStartLimits({
        budget: this.start.workstream.budget,
        usage: this.usage,
        elapsedMs: this.options.clock.now() - this.startedMs,
        timeoutMs: this.start.timeoutMs,
      });
      if (limit) {
        this.isTimedOut = limit.isTimedOut;
        return limit.isTimedOut
          ? this.stopped(limit.description)
          : this.finish({ exitCode: 1, description: limit.description });
      }

      this.context.beforeRequest();
      let message: Message;
      try {
        message = await this.requestTurn();
      } catch (error) {
        if (this.stopController.signal.aborted) return this.stopped();
        if (!(error instanceof AnthropicError)) throw error;
        const ending = this.afterApiError(error);
        if (ending) return this.finish(ending);
        continue;
      }
      this.context.afterResponse(message.usage);
      await this.recordTurn(message);
      await this.recordUsage(message);
      const content = toRequestContent(message.content);
      const step = nextStepAfter(message, this.isClaimAccepted);
      if (step.kind !== "continue_cut_off_turn" && step.kind !== "shorten_conversation")
        this.consecutiveCutOffs = 0;

      switch (step.kind) {
        case "end":
          this.conversation.addAssistantTurn(content);
          return this.finish(step);
        case "run_tools": {
          this.conversation.addAssistantTurn(content);
          const results = await this.runTools(step.toolUses);
          if (results === null) return this.stopped();
          this.conversation.addUserContent(results);
          break;
        }
        case "resume_paused_turn":
          this.conversation.addAssistantTurn(content);
          break;
        case "continue_cut_off_turn":
        case "shorten_conversation": {
          this.consecutiveCutOffs += 1;
          if (this.consecutiveCutOffs > maxConsecutiveCutOffs) {
            return this.finish({
              exitCode: 1,
              description: `the model's turn was cut off ${this.consecutiveCutOffs} times in a row (last: ${message.stop_reason})`,
            });
          }
          const ending = this.continueCutOffTurn(content, step.kind === "shorten_conversation");
          if (ending) return this.finish(ending);
          break;
        }
      }
    }
  }

  private async requestTurn(): Promise<Message> {
    const turn = this.usage.turns + 1;
    const messages = this.conversation.requestMessages();
    this.write({
      kind: "request",
      turn,
      model: this.options.model,
      max_tokens: this.options.maxTokens,
      message_count: messages.length,
      new_messages: this.conversation.takeUnloggedMessages(),
    });
    const stream = this.options.client.messages.stream(
      workerRequest(
        {
          model: this.options.model,
          maxTokens: this.options.maxTokens,
          thinkingBudgetTokens: this.options.thinkingBudgetTokens,
        },
        messages,
      ),
      { signal: this.stopController.signal },
    );
    stream.on("streamEvent", () => this.start.onActivity());
    const message = await stream.finalMessage();
    this.write({
      kind: "response",
      turn,
      request_id: stream.request_id ?? null,
      stop_reason: message.stop_reason,
      stop_details: message.stop_details ?? null,
      content: message.content,
      usage: message.usage,
    });
    for (const block of message.content) {
      if (block.type === "text")
        this.outputTail = `${this.outputTail}\n${block.text}`.slice(-outputTailCharacters);
    }
    return message;
  }

  /**
   * An error the client did not retry away. A prompt too long for the window is shortened and sent
   * again (null); anything else blocks the start with the reason, except a prompt still too long,
   * which ends it unblocked: a restart, with a fresh conversation, fits again.
   */
  private afterApiError(error: AnthropicError): Ending | null {
    const isSpendLimitError = error instanceof APIError && isSpendLimit(error.status, error.headers);
    this.write({
      kind: "api_error",
      error: error.name,
      message: error.message,
      ...(isSpendLimitError ? { spend_limit: true } : {}),
    });
    if (isPromptTooLong(error)) {
      const cannot = this.context.shortenTooLongPrompt(error as APIError);
      return cannot === null ? null : { exitCode: 1, description: cannot };
    }
    return {
      exitCode: 1,
      description: describeApiFailure(error, this.options.client.maxRetries),
      // A restart cannot lift a spend limit; the monitor asks a human at once.
      blockedReason: isSpendLimitError ? "spend_limit" : "api_error",
    };
  }

  /** `--record`: a failed write stops the recording, never the worker (the journal is the truth). */
  private async recordTurn(message: Message): Promise<void> {
    if (!this.isRecording) return;
    try {
      await this.options.recorder?.record(message);
    } catch (error) {
      this.isRecording = false;
      this.write({ kind: "record_failed", error: errorMessage(error) });
    }
  }

  private async recordUsage(message: Message): Promise<void> {
    const model = message.model || this.options.model;
    const turn = turnUsageOf(message.usage, model, this.pricing);
    addUsage(this.usage, turn);
    await this.start.onUsage(turn);
  }

  /**
   * Runs the turn's tool calls one after another, in order (a write and the test run that reads it
   * must not race), and returns their results for one user message. Null when the worker was
   * stopped meanwhile: the tool in flight is left to its own timeout, and no more are started.
   */
  private async runTools(toolUses: readonly ToolUseBlock[]): Promise<ToolResultBlockParam[] | null> {
    const results: ToolResultBlockParam[] = [];
    for (const toolUse of toolUses) {
      this.start.onActivity();
      this.write({ kind: "tool_call", tool: toolUse.name, id: toolUse.id, input: toolUse.input });
      const result = await untilAborted(
        callWorkerTool(toolUse.name, toolUse.input, this.start.services),
        this.stopController.signal,
      );
      if (result === null) return null;
      this.start.onActivity();
      this.write({ kind: "tool_result", tool: toolUse.name, id: toolUse.id, ...result });
      if (toolUse.name === "claim_done" && !result.isError) this.isClaimAccepted = true;
      results.push({
        type: "tool_result",
        tool_use_id: toolUse.id,
        // The API refuses an empty text result; every tool says something, but a fake might not.
        content: result.text === "" ? "(empty)" : result.text,
        is_error: result.isError,
      });
    }
    return results;
  }

  /**
   * A turn cut off by max_tokens, or by a full context window (which first elides old tool
   * results). Its tool calls are dropped, never run: the last one is incomplete, and running the
   * others would leave the model unsure which of its steps happened.
   */
  private continueCutOffTurn(
    content: ReturnType<typeof toRequestContent>,
    isContextFull: boolean,
  ): Ending | null {
    const { content: kept, droppedToolUses } = withoutToolUses(content);
    this.conversation.addAssistantTurn(kept);
    const droppedToolCalls = droppedToolUses === 0 ? "" : String(droppedToolUses);
    let notice: string;
    if (isContextFull) {
      const elided = this.context.shortenFullWindow();
      if (elided === 0) {
        return {
          exitCode: 1,
          description:
            "the conversation no longer fits the model's context window, and no old tool result is left to elide",
        };
      }
      notice = renderPrompt("context-window-full", {
        dropped_tool_calls: droppedToolCalls,
        elided_results: elided,
      });
    } else {
      notice = renderPrompt("turn-cut-off", {
        dropped_tool_calls: droppedToolCalls,
        max_tokens: this.options.maxTokens,
      });
    }
    this.conversation.addUserContent([{ type: "text", text: notice } satisfies TextBlockParam]);
    return null;
  }

  private finish(ending: Ending): WorkerExit {
    return this.exit({
      exitCode: ending.exitCode,
      isTimedOut: false,
      isCanceled: false,
      description: ending.description,
      ...(ending.blockedReason ? { blockedReason: ending.blockedReason } : {}),
    });
  }

  /** Stopped by the run (canceled) or by the start's time limit (timed out). */
  private stopped(description?: string): WorkerExit {
    const durationMs = this.options.clock.now() - this.startedMs;
    const flags = {
      exitCode: null,
      signal: null,
      isTimedOut: this.isTimedOut,
      isCanceled: !this.isTimedOut,
      durationMs,
    };
    return this.exit({ ...flags, description: description ?? describeExit(flags) });
  }

  private exit(
    ending: Pick<WorkerExit, "exitCode" | "isTimedOut" | "isCanceled" | "description" | "blockedReason">,
  ): WorkerExit {
    const exit: WorkerExit = {
      ...ending,
      signal: null,
      durationMs: this.options.clock.now() - this.startedMs,
      outputTail: this.outputTail.trim(),
    };
    this.write({
      kind: "exit",
      description: exit.description,
      exit_code: exit.exitCode,
      turns: this.usage.turns,
      cost_usd: this.usage.costUsd,
      prices_effective: this.pricing.effectiveDate,
    });
    return exit;
  }

  private write(entry: Record<string, unknown>): void {
    this.transcript.write({ attempt: this.start.attempt, ...entry });
  }
}
