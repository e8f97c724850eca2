/**
 * The worker host's side of git smart HTTP: owns cloning and fetching from the supervisor's served
 * repositories with a bearer token. The token travels only in the child's environment, never on a
 * command line (visible in `ps`), in a config file, or in an error message.
 */
import { execFile } from "node:child_process";
import { SuperviseError } from "../errors.ts";

/** Why git failed, read from its stderr: git exits 128 for all of them. */
export type ServedRepositoryFailure = "unauthorized" | "not-found" | "forbidden" | "other";

const failureSummaries: Record<ServedRepositoryFailure, string> = {
  unauthorized: "the server refused the token (HTTP 401)",
  "not-found": "the server serves no repository at that URL (HTTP 404)",
  forbidden: "the server refused the request (HTTP 403)",
  other: "git failed",
};

const failureHints: Record<ServedRepositoryFailure, string> = {
  unauthorized: "Give this host the supervisor's current worker token.",
  "not-found": "Check the repository name in the URL against the supervisor's served repositories.",
  forbidden: "The supervisor serves repositories read-only; push through the supervisor instead.",
  other: "Check that the supervisor is reachable at that URL; git's own message is above.",
};

/** Pure, so the classification is tested on git's real messages. */
export function classifyGitFailure(stderr: string): ServedRepositoryFailure {
  // With prompts off, git reports a 401 as the prompt it could not show.
  if (/could not read Username|Authentication failed|error: 401/.test(stderr)) return "unauthorized";
  if (/repository '.*' not found|error: 404/.test(stderr)) return "not-found";
  if (/error: 403/.test(stderr)) return "forbidden";
  return "other";
}

/** A clone or fetch from a served repository failed; raised by the worker host, not retried here. */
export class ServedRepositoryError extends SuperviseError {
  readonly operation: "clone" | "fetch";
  readonly url: string;
  readonly failure: ServedRepositoryFailure;
  /** git's stderr, with the token replaced by `[redacted]`. */
  readonly stderr: string;

  constructor(input: { operation: "clone" | "fetch"; url: string; stderr: string; cause?: unknown }) {
    const failure = classifyGitFailure(input.stderr);
    const detail = input.stderr.trim() || "git gave no message";
    super(`git ${input.operation} from ${input.url} failed: ${failureSummaries[failure]}.\n${detail}`, {
      hint: failureHints[failure],
      cause: input.cause,
    });
    this.name = "ServedRepositoryError";
    this.operation = input.operation;
    this.url = input.url;
    this.failure = failure;
    this.stderr = input.stderr;
  }
}

/**
 * Makes git send `Authorization: Bearer <token>` on every request. GIT_CONFIG_COUNT passes config
 * through the environment, which other users cannot read, unlike argv.
 */
export function gitHttpEnvironment(token: string): Record<string, string> {
  return {
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.extraHeader",
    GIT_CONFIG_VALUE_0: `Authorization: Bearer ${token}`,
    // A refused token must fail the command, not wait on a username prompt.
    GIT_TERMINAL_PROMPT: "0",
  };
}

/** `git clone --no-checkout`; the caller checks out. `--` keeps a URL or path from being read as an option. */
export function cloneArguments(input: { url: string; directory: string; branch?: string }): string[] {
  const branch = input.branch === undefined ? [] : ["--branch", input.branch];
  return ["clone", "--no-checkout", "--quiet", ...branch, "--", input.url, input.directory];
}

/** `git fetch <url> <refspec>…`, run inside the clone. */
export function fetchArguments(input: { url: string; refspecs: readonly string[] }): string[] {
  return ["fetch", "--quiet", "--", input.url, ...input.refspecs];
}

export async function cloneServedRepository(input: {
  url: string;
  token: string;
  directory: string;
  branch?: string;
  environment: Record<string, string>;
}): Promise<void> {
  await runGit("clone", cloneArguments(input), { ...input, workingDirectory: undefined });
}

export async function fetchServed(input: {
  url: string;
  token: string;
  /** The local clone to fetch into. */
  repository: string;
  refspecs: string[];
  environment: Record<string, string>;
}): Promise<void> {
  await runGit("fetch", fetchArguments(input), { ...input, workingDirectory: input.repository });
}

function runGit(
  operation: "clone" | "fetch",
  args: string[],
  input: {
    url: string;
    token: string;
    environment: Record<string, string>;
    workingDirectory: string | undefined;
  },
): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      args,
      {
        cwd: input.workingDirectory,
        env: { ...input.environment, ...gitHttpEnvironment(input.token) },
        encoding: "utf8",
        maxBuffer: 4 * 1024 * 1024,
      },
      (error, _stdout, stderr) => {
        if (error === null) {
          resolve();
          return;
        }
        const redact = (text: string): string =>
          input.token === "" ? text : text.replaceAll(input.token, "[redacted]");
        // The cause is rebuilt without execFile's error, whose message repeats stderr unredacted.
        const exit = error.code === undefined ? "" : ` (exit ${String(error.code)})`;
        reject(
          new ServedRepositoryError({
            operation,
            url: redact(input.url),
            stderr: redact(stderr || error.message),
            cause: new Error(`git ${operation} failed${exit}`),
          }),
        );
      },
    );
  });
}
