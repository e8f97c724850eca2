/**
 * Keeps a long session under a context budget without asking the API: the size of the next request
 * is estimated from the last response's reported prompt size plus what was added since, or, before
 * any report, from characters. `messages.countTokens` would be exact, but it is one more request per
 * turn. Past the budget, old tool outputs are elided, oldest first, in one chunk down to a lower
 * target: every elision changes the conversation's prefix and so misses the prompt cache once, and
 * shortening far enough at once keeps the following turns reading the new prefix from cache.
 */

/** The context window of every current model in NOTES-deps' list (none is documented as larger). */
export const defaultContextWindowTokens = 200_000;
/** Shorten when the next request is estimated past this share of the window... */
const budgetShare = 0.8;
/** ...down to this share of the budget, which leaves room for many turns before the next cut. */
const targetShareOfBudget = 0.625;
/**
 * Characters per token for the estimate without a report. Code and JSON run at 3–4 characters a
 * token; the low end errs toward shortening early rather than hitting the window.
 */
export const charactersPerToken = 3;

export interface ContextBudget {
  /** Past this estimate the conversation is shortened before the request is sent. */
  budgetTokens: number;
  /** Where shortening aims: the estimate after eliding. */
  targetTokens: number;
}

export function contextBudgetOf(budgetTokens: number | undefined): ContextBudget {
  const budget = budgetTokens ?? Math.floor(defaultContextWindowTokens * budgetShare);
  return { budgetTokens: budget, targetTokens: Math.floor(budget * targetShareOfBudget) };
}

export function tokensOfCharacters(characters: number): number {
  return Math.ceil(characters / charactersPerToken);
}

/**
 * The estimate of one worker start. `fixedCharacters` is what every request sends besides the
 * messages (system prompt and tool definitions).
 */
export class ContextEstimate {
  private readonly fixedCharacters: number;
  /** The prompt size the API reported, and the size of the messages that request sent. */
  private reported: { promptTokens: number; messageCharacters: number } | null = null;

  constructor(fixedCharacters: number) {
    this.fixedCharacters = fixedCharacters;
  }

  /** Called with each response: input, cache reads and cache writes together are the whole prompt. */
  recordReportedSize(promptTokens: number, messageCharacters: number): void {
    // A replayed turn may report no usage at all; characters are a better guess than zero.
    if (promptTokens > 0) this.reported = { promptTokens, messageCharacters };
  }

  tokensFor(messageCharacters: number): number {
    if (this.reported === null) return tokensOfCharacters(this.fixedCharacters + messageCharacters);
    return (
      this.reported.promptTokens + tokensOfCharacters(messageCharacters - this.reported.messageCharacters)
    );
  }
}

/** "prompt is too long: 215000 tokens > 200000 maximum": the size the API counted, when it says. */
export function reportedPromptTokens(apiMessage: string): number | null {
  const match = /(\d+) tokens? > (\d+)/.exec(apiMessage);
  return match ? Number(match[1]) : null;
}
