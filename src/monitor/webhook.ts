/**
 * Escalation notifications to a plan's webhook: one JSON POST per escalation, retried with
 * backoff, never blocking the run (the escalation is on disk and in the journal either way).
 */
import { errorMessage } from "../errors.ts";

export interface EscalationNotice {
  type: "escalation.opened";
  run: string;
  workstream: string;
  escalation: string;
  question: string;
  /** The exact commands that answer it. */
  commands: { approve: string; deny: string; reply: string };
}

export interface WebhookOptions {
  url: string;
  fetch?: typeof fetch;
  attempts?: number;
  /** Wait before retry k is k × this; tests pass a few ms. */
  backoffMs?: number;
  timeoutMs?: number;
}

/** Resolves with how it went; it never rejects, so the caller can fire and forget. */
export async function postEscalationNotice(
  notice: EscalationNotice,
  options: WebhookOptions,
): Promise<
  { isDelivered: true; attempts: number } | { isDelivered: false; attempts: number; error: string }
> {
  const attempts = options.attempts ?? 3;
  const send = options.fetch ?? fetch;
  let lastError = "";
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await send(options.url, {
        method: "POST",
        headers: { "content-type": "application/json", "user-agent": "supervise" },
        body: JSON.stringify(notice),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      if (response.ok) return { isDelivered: true, attempts: attempt };
      lastError = `HTTP ${response.status}`;
      // A 4xx other than 408/429 will not get better by trying again.
      if (response.status < 500 && response.status !== 408 && response.status !== 429) break;
    } catch (error) {
      lastError = errorMessage(error);
    }
    if (attempt < attempts)
      await new Promise((resolve) => setTimeout(resolve, attempt * (options.backoffMs ?? 1_000)));
  }
  return { isDelivered: false, attempts, error: lastError };
}
