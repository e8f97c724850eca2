/**
 * Decides a cassette branch's `when` from the request the supervisor actually built, never from a
 * count: the supervisor's latest message is the request's last user message, which holds the
 * tool results of the previous turn (a claim's verdict, an intervention queued with a result) or,
 * on a restart, the restart prompt with the last rejection and the playbook's guidance.
 */
import { renderPrompt } from "../../prompts/index.ts";
import type { CassetteWhen } from "../cassette.ts";
import type { BranchCondition } from "./cassette-cursor.ts";

interface RequestBlock {
  type?: unknown;
  id?: unknown;
  name?: unknown;
  text?: unknown;
  content?: unknown;
  tool_use_id?: unknown;
  is_error?: unknown;
}
interface RequestMessage {
  role?: unknown;
  content?: unknown;
}

export interface SupervisorMessage {
  /** Every text of the message: text blocks and tool results alike. */
  texts: string[];
  /** Texts that can carry a claim's rejection: error results of claim_done, and text blocks (a restart prompt). */
  verdicts: string[];
}

export function latestSupervisorMessage(body: unknown): SupervisorMessage {
  const messages = ((body as { messages?: unknown } | null)?.messages ?? []) as RequestMessage[];
  const index = messages.findLastIndex((message) => message.role === "user");
  const message = messages[index];
  if (!message) return { texts: [], verdicts: [] };
  if (typeof message.content === "string") return { texts: [message.content], verdicts: [message.content] };
  const claimCalls = new Set(
    blocksOf(messages[index - 1])
      .filter((block) => block.type === "tool_use" && block.name === "claim_done")
      .map((block) => block.id),
  );
  const texts: string[] = [];
  const verdicts: string[] = [];
  for (const block of blocksOf(message)) {
    if (block.type === "text" && typeof block.text === "string") {
      texts.push(block.text);
      verdicts.push(block.text);
    } else if (block.type === "tool_result") {
      const text = resultText(block.content);
      texts.push(text);
      if (block.is_error === true && claimCalls.has(block.tool_use_id)) verdicts.push(text);
    }
  }
  return { texts, verdicts };
}

/**
 * `interventionTitles` maps playbook ids to titles: an intervention names its playbook only by
 * title, in the header of prompts/intervention.md, so the header is rendered here to match it.
 */
export function branchConditionFor(
  body: unknown,
  interventionTitles: ReadonlyMap<string, string>,
): BranchCondition {
  const message = latestSupervisorMessage(body);
  return (when) => when === undefined || isMet(when, message, interventionTitles);
}

function isMet(
  when: CassetteWhen,
  message: SupervisorMessage,
  interventionTitles: ReadonlyMap<string, string>,
): boolean {
  if (when.rejected_gate !== undefined) {
    // A failing gate's line as the supervisor writes it (src/run/worker-prompt.ts describeFailures);
    // the definition of done lists every gate too, but never with a status.
    const failureLine = new RegExp(`^- ${escapeRegExp(when.rejected_gate)}: (?:fail|error) — `, "m");
    if (!message.verdicts.some((text) => failureLine.test(text))) return false;
  }
  if (when.intervention !== undefined) {
    const title = interventionTitles.get(when.intervention);
    if (title === undefined) return false;
    const header = renderPrompt("intervention", { title, guidance: "" });
    if (!message.texts.some((text) => text.includes(header))) return false;
  }
  if (when.text_contains !== undefined) {
    const wanted = when.text_contains;
    if (!message.texts.some((text) => text.includes(wanted))) return false;
  }
  return true;
}

function blocksOf(message: RequestMessage | undefined): RequestBlock[] {
  return Array.isArray(message?.content) ? (message.content as RequestBlock[]) : [];
}

function resultText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return (content as RequestBlock[])
    .map((block) => (block.type === "text" && typeof block.text === "string" ? block.text : ""))
    .join("\n");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
