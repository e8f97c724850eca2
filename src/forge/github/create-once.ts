/**
 * Creating on GitHub without duplicates. A POST whose response was lost may still have created
 * the pull request or comment, and plugin-retry would blindly send it again; so creations go out
 * with Octokit's retries off, and before every new attempt the forge looks for what an earlier
 * attempt (or an earlier, crashed supervisor) may have made.
 */
import { isRequestError } from "./github-forge-error.ts";

export interface CreateOnceOptions<T> {
  /** Finds the thing if it already exists. */
  find: () => Promise<T | null>;
  /** Creates it; called with Octokit's retries off. */
  create: () => Promise<T>;
  /** A refusal that means it exists already (GitHub's 422 "A pull request already exists"). */
  isAlreadyThere?: (error: unknown) => boolean;
  sleep: (ms: number) => Promise<void>;
  /** The wait before attempt n is n² times this, as plugin-retry waits. */
  retryAfterBaseValueMs: number;
  attempts?: number;
}

/**
 * A server error, or no response at all (Octokit reports a failed fetch as status 500): the
 * request may or may not have taken effect.
 */
export function isOutcomeUnknown(error: unknown): boolean {
  return isRequestError(error) && error.status >= 500;
}

export async function createOnce<T>(options: CreateOnceOptions<T>): Promise<T> {
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; ; attempt += 1) {
    if (attempt > 1) {
      const found = await options.find();
      if (found !== null) return found;
    }
    try {
      return await options.create();
    } catch (error) {
      if (options.isAlreadyThere?.(error)) {
        const found = await options.find();
        if (found !== null) return found;
      }
      if (!isOutcomeUnknown(error) || attempt >= attempts) throw error;
      await options.sleep(attempt * attempt * options.retryAfterBaseValueMs);
    }
  }
}
