/**
 * `git push` of a workstream branch to the plan repository's remote, run by the supervisor from
 * its mirror. The mirror has no remotes, so the URL is read from the user's repository. The token
 * reaches git only through this one process's environment, as an Authorization header scoped to
 * that URL (`GIT_CONFIG_COUNT`/`KEY`/`VALUE`, which git treats as command-line config): never in
 * argv, a URL, a config file or a credential store. Git runs through the supervisor's hardened
 * runner (workspace/run-git.ts): no hook or credential helper runs, and neither the machine's nor
 * the person's global git config is read.
 */
import { isAbsolute, resolve } from "node:path";
import { runGit } from "../../workspace/index.ts";
import { GithubForgeError } from "./github-forge-error.ts";

export interface GitPushOptions {
  userRepository: string;
  remote: string;
  token: string;
  /** PATH to find git; HOME and SSH_AUTH_SOCK are passed on when present, for an ssh remote. */
  environment: Readonly<Record<string, string | undefined>>;
  timeoutMs?: number;
}

export interface GitPusher {
  /** The push URL of the remote, a relative path resolved against the user's repository. */
  remoteUrl(): Promise<string>;
  push(request: { fromRepository: string; sha: string; branch: string }): Promise<void>;
  /** Fetches `branch` of the remote into `ref` of `intoRepository`; returns the SHA fetched. */
  fetch(request: { intoRepository: string; branch: string; ref: string }): Promise<string>;
  /** Is `ancestor` in the history of `descendant`, as `repository` knows them; null when it lacks either. */
  isAncestor(request: { repository: string; ancestor: string; descendant: string }): Promise<boolean | null>;
}

const defaultTimeoutMs = 10 * 60 * 1000;

/**
 * The header git sends to `url` and to nothing else: GitHub takes a token as the password of
 * Basic auth (actions/checkout does the same). Plain paths and ssh URLs get no credential.
 */
export function credentialEnvironment(url: string, token: string): Record<string, string> {
  if (!/^https?:\/\//i.test(url)) return {};
  const basic = Buffer.from(`x-access-token:${token}`).toString("base64");
  return {
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: `http.${url}.extraHeader`,
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  };
}

/** `scheme://…` and scp-like `host:path` are remote; anything else is a path on this machine. */
export function resolveRemoteUrl(url: string, userRepository: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url;
  const colon = url.indexOf(":");
  const slash = url.indexOf("/");
  if (colon > 0 && (slash === -1 || colon < slash)) return url;
  return isAbsolute(url) ? url : resolve(userRepository, url);
}

/** Userinfo in a URL may be a credential the person configured; messages never show it. */
export function redactUrl(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, "$1***@");
}

export function createGitPusher(options: GitPushOptions): GitPusher {
  const { environment } = options;
  const gitEnvironment = { PATH: environment.PATH ?? "/usr/local/bin:/usr/bin:/bin", HOME: environment.HOME };
  // An ssh remote authenticates through the person's agent.
  const sshAgent: Record<string, string> = environment.SSH_AUTH_SOCK
    ? { SSH_AUTH_SOCK: environment.SSH_AUTH_SOCK }
    : {};

  function git(args: readonly string[], cwd: string, variables: Record<string, string> = {}) {
    return runGit({
      cwd,
      args,
      environment: gitEnvironment,
      variables: { ...sshAgent, ...variables },
      timeoutMs: options.timeoutMs ?? defaultTimeoutMs,
      forceKillAfterMs: 5000,
    });
  }

  function failure(action: string, stderr: string, timedOut = false): GithubForgeError {
    const reason = timedOut
      ? "git timed out"
      : (stderr.split("\n").find((line) => /^(fatal|error): /.test(line)) ?? stderr.trim());
    return new GithubForgeError(`Could not ${action}: ${redactUrl(reason || "git gave no reason")}`);
  }

  async function remoteUrl(): Promise<string> {
    const result = await git(["remote", "get-url", "--push", options.remote], options.userRepository);
    if (result.exitCode !== 0) {
      throw new GithubForgeError(
        `The plan's repository ${options.userRepository} has no remote \`${options.remote}\` to push to.`,
        { hint: "Add it (`git remote add origin <url>`), or name another one in forge.remote." },
      );
    }
    return resolveRemoteUrl(result.stdout.trim(), options.userRepository);
  }

  async function push(request: { fromRepository: string; sha: string; branch: string }): Promise<void> {
    const where = `${request.branch} from ${request.fromRepository}`;
    const format = await git(["check-ref-format", `refs/heads/${request.branch}`], request.fromRepository);
    if (format.exitCode !== 0 || request.branch.startsWith("-")) {
      throw new GithubForgeError(`Cannot push: \`${request.branch}\` is not a valid branch name.`);
    }
    // Resolved first, so the refspec always names one commit, whatever `sha` was given as.
    const resolved = await git(
      ["rev-parse", "--verify", "--quiet", `${request.sha}^{commit}`],
      request.fromRepository,
    );
    if (resolved.exitCode !== 0) {
      throw new GithubForgeError(`Cannot push ${where}: it has no commit ${request.sha}.`);
    }
    const url = await remoteUrl();
    const result = await git(
      [
        "push",
        "--force",
        "--no-verify",
        "--quiet",
        url,
        `${resolved.stdout.trim()}:refs/heads/${request.branch}`,
      ],
      request.fromRepository,
      credentialEnvironment(url, options.token),
    );
    if (result.exitCode !== 0)
      throw failure(`push ${where} to ${redactUrl(url)}`, result.stderr, result.isTimedOut);
  }

  async function fetch(request: { intoRepository: string; branch: string; ref: string }): Promise<string> {
    const url = await remoteUrl();
    const result = await git(
      ["fetch", "--no-tags", "--quiet", url, `+refs/heads/${request.branch}:${request.ref}`],
      request.intoRepository,
      credentialEnvironment(url, options.token),
    );
    if (result.exitCode !== 0)
      throw failure(`fetch ${request.branch} from ${redactUrl(url)}`, result.stderr, result.isTimedOut);
    const resolved = await git(
      ["rev-parse", "--verify", "--quiet", `${request.ref}^{commit}`],
      request.intoRepository,
    );
    if (resolved.exitCode !== 0) throw failure(`read the fetched ${request.branch}`, resolved.stderr);
    return resolved.stdout.trim();
  }

  async function isAncestor(request: {
    repository: string;
    ancestor: string;
    descendant: string;
  }): Promise<boolean | null> {
    const result = await git(
      ["merge-base", "--is-ancestor", request.ancestor, request.descendant],
      request.repository,
    );
    // 0: it is; 1: it is not; anything else (128: an unknown commit) says nothing.
    if (result.exitCode === 0) return true;
    if (result.exitCode === 1) return false;
    return null;
  }

  return { remoteUrl, push, fetch, isAncestor };
}
