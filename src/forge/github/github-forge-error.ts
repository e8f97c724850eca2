import { ExitCode, errorMessage, SuperviseError, type SuperviseErrorOptions } from "../../errors.ts";

/**
 * Something the github forge could not do: GitHub refused or failed a request after the retries
 * the Octokit plugins make, a branch or issue is missing, or `git push` failed. Raised by
 * src/forge/github/; never retried again by the forge. It stops the operation at hand, not the
 * run, unless the caller decides so (hence exit code 1).
 */
export class GithubForgeError extends SuperviseError {
  /** The HTTP status GitHub answered with; undefined when no response came (network, git). */
  readonly status: number | undefined;
  /** GitHub's `x-github-request-id`, to quote to GitHub support. */
  readonly requestId: string | undefined;

  constructor(
    message: string,
    options: SuperviseErrorOptions & { status?: number | undefined; requestId?: string | undefined } = {},
  ) {
    super(message, { exitCode: ExitCode.someNotAccepted, ...options });
    this.name = "GithubForgeError";
    this.status = options.status;
    this.requestId = options.requestId;
  }
}

/** The shape of Octokit's RequestError that the forge reads; checked structurally, see isRequestError. */
export interface RequestFailure {
  status: number;
  message: string;
  response?: { headers: Record<string, string | number | undefined>; data?: unknown };
}

/**
 * Octokit throws RequestError (from @octokit/request-error, not a direct dependency); its fields
 * are what matter, so they are checked instead of the class.
 */
export function isRequestError(error: unknown): error is RequestFailure {
  return (
    error instanceof Error &&
    typeof (error as { status?: unknown }).status === "number" &&
    (error as { name: string }).name === "HttpError"
  );
}

export function hasStatus(error: unknown, ...statuses: number[]): error is RequestFailure {
  return isRequestError(error) && statuses.includes(error.status);
}

/**
 * GitHub's own message: `data.message` of the response, else Octokit's. A 422 says only
 * "Validation Failed" there; what failed is in `errors[]` (a message, or a field and a code).
 */
export function githubMessage(error: RequestFailure): string {
  const data = error.response?.data as { message?: unknown; errors?: unknown } | undefined;
  const message = typeof data?.message === "string" ? data.message : error.message;
  const details = Array.isArray(data?.errors)
    ? data.errors.map((detail: unknown) => {
        if (typeof detail === "string") return detail;
        const { message: text, field, code } = (detail ?? {}) as Record<string, unknown>;
        if (typeof text === "string") return text;
        return [field, code].filter((part) => typeof part === "string").join(" ");
      })
    : [];
  const meaningful = details.filter((detail) => detail !== "");
  return meaningful.length > 0 ? `${message}: ${meaningful.join("; ")}` : message;
}

/**
 * Wraps a failed request into the error a person reads: what the forge was doing, what GitHub
 * said, and what to check. `action` completes "Could not …", e.g. "read pull request #4".
 */
export function describeRequestFailure(error: unknown, action: string): GithubForgeError {
  if (error instanceof GithubForgeError) return error;
  if (!isRequestError(error)) {
    const reason = errorMessage(error);
    return new GithubForgeError(`Could not ${action}: ${reason}`, {
      hint: "Check the network connection to GITHUB_API_URL.",
      cause: error,
    });
  }
  const requestIdHeader = error.response?.headers["x-github-request-id"];
  const requestId = requestIdHeader === undefined ? undefined : String(requestIdHeader);
  const details = { status: error.status, requestId, cause: error };
  const said = `GitHub answered ${error.status}: ${githubMessage(error)}`;
  if (error.status === 401) {
    return new GithubForgeError(`Could not ${action}: ${said}`, {
      ...details,
      hint: "GITHUB_TOKEN is missing, expired or revoked; set a valid token.",
    });
  }
  if (error.status === 403 || error.status === 429) {
    const isRateLimited = error.response?.headers["x-ratelimit-remaining"] === "0";
    const resetHeader = error.response?.headers["x-ratelimit-reset"];
    const reset =
      resetHeader === undefined ? "" : ` until ${new Date(Number(resetHeader) * 1000).toISOString()}`;
    return new GithubForgeError(`Could not ${action}: ${said}`, {
      ...details,
      hint: isRateLimited
        ? `The token's API rate limit is used up${reset}; wait, or use another token.`
        : "The token lacks a permission this needs (contents, pull requests, issues and checks: read and write).",
    });
  }
  if (error.status === 404) {
    return new GithubForgeError(`Could not ${action}: ${said}`, {
      ...details,
      hint: "Check forge.owner and forge.repo in the plan, and that GITHUB_TOKEN can see that repository.",
    });
  }
  return new GithubForgeError(`Could not ${action}: ${said}`, details);
}
