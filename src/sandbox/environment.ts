/**
 * The environment policy of every command we run: an allow-list of inherited variables, minus
 * secrets and variables that leak the supervisor's own context, plus explicit values. Pure; the
 * caller passes the parent environment in (codex-rs/core/src/exec_env.rs keeps the same split).
 */

/**
 * Inherited from the parent when present. Every entry earns its place:
 * - PATH: finding tools at all. HOME: many tools refuse to run without it (npm cache, git config).
 *   Files under HOME can still hold credentials; keeping them out is OS isolation's job, not ours.
 * - USER, LOGNAME, SHELL: read by git, ssh and tools that spawn a shell or compute defaults.
 * - LANG, LANGUAGE, LC_*: the locale decides the output's encoding; without it tools fall back to
 *   ASCII and mangle UTF-8 in the output we capture.
 * - TERM, NO_COLOR: the user's terminal and colour preference. FORCE_COLOR and CLICOLOR_FORCE are
 *   left out on purpose: they would put escape codes into captured output.
 * - TZ: timestamps in test output match the user's.
 * - TMPDIR: temporary files go where the user keeps them.
 * - CI: when the supervisor itself runs in CI, tools should keep behaving non-interactively.
 * Proxies (HTTPS_PROXY, …) are not inherited: their URLs can carry credentials. Pass them with
 * `allow` where a plan needs them.
 */
export const defaultAllowedVariables: readonly string[] = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "LANG",
  "LANGUAGE",
  "LC_*",
  "TERM",
  "NO_COLOR",
  "TZ",
  "TMPDIR",
  "CI",
];

/** The supervisor's own credentials: never in a command's environment, not even when set explicitly. */
export const forbiddenVariables: readonly string[] = [
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_AUTH_TOKEN",
  "GITHUB_TOKEN",
  "GH_TOKEN",
];

/**
 * Names that look like secrets. Never inherited, but a caller may set one explicitly, e.g. the
 * token a `command` worker uses to reach its own supervisor through `supervise tool`.
 */
export const secretLookingPatterns: readonly string[] = ["*_TOKEN", "*_SECRET*", "*_KEY", "*PASSWORD*"];

/**
 * Never inherited because they describe the supervisor's process, not the command's: NODE_OPTIONS
 * would load the supervisor's loaders and flags into every Node tool, npm_config_* carries the npm
 * context the supervisor was started from (prefix, cache, registry auth), and GIT_* (GIT_DIR,
 * GIT_WORK_TREE, GIT_INDEX_FILE) would point git at another repository than the worktree. A caller
 * may still set one explicitly.
 */
export const supervisorContextPatterns: readonly string[] = ["NODE_OPTIONS", "npm_config_*", "GIT_*"];

export interface CommandEnvironmentOptions {
  /** The environment to inherit from; the composition root passes `process.env`. */
  parent: Record<string, string | undefined>;
  /** More names or `*` globs to inherit, added to `defaultAllowedVariables`. */
  allow?: string[];
  /** Values that win over inherited ones. */
  set?: Record<string, string>;
  /** More `*` globs of secret names (e.g. `AWS_*`): never inherited and never settable. */
  secretPatterns?: string[];
}

/**
 * A caller asked to put a forbidden secret into a command's environment. This is a bug in the
 * caller (plan validation must refuse such names first), so it is not a SuperviseError.
 */
export class ForbiddenVariableError extends Error {
  readonly variableName: string;

  constructor(variableName: string, reason: string) {
    super(`The environment variable ${variableName} may not be given to a command: ${reason}.`);
    this.name = "ForbiddenVariableError";
    this.variableName = variableName;
  }
}

export function buildCommandEnvironment(options: CommandEnvironmentOptions): Record<string, string> {
  const forbidden = compileGlobs([...forbiddenVariables, ...(options.secretPatterns ?? [])], {
    isCaseSensitive: false,
  });
  const neverInherited = compileGlobs([...secretLookingPatterns, ...supervisorContextPatterns], {
    isCaseSensitive: false,
  });
  const allowPatterns = [...defaultAllowedVariables, ...(options.allow ?? [])];
  rejectAllowedSecrets(options.allow ?? [], forbidden, neverInherited);
  const allowed = compileGlobs(allowPatterns, { isCaseSensitive: true });

  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.parent)) {
    if (value === undefined || !allowed.matches(name)) continue;
    if (forbidden.matches(name) || neverInherited.matches(name)) continue;
    environment[name] = value;
  }
  for (const [name, value] of Object.entries(options.set ?? {})) {
    if (forbidden.matches(name)) {
      throw new ForbiddenVariableError(
        name,
        "it is one of the supervisor's own credentials or secret patterns",
      );
    }
    environment[name] = value;
  }
  return environment;
}

/** An exact name in `allow` that we would drop anyway is a caller bug: say so instead of ignoring it. */
function rejectAllowedSecrets(allow: string[], forbidden: GlobSet, neverInherited: GlobSet): void {
  for (const entry of allow) {
    if (entry.includes("*")) continue;
    if (forbidden.matches(entry)) {
      throw new ForbiddenVariableError(
        entry,
        "it is one of the supervisor's own credentials or secret patterns",
      );
    }
    if (neverInherited.matches(entry)) {
      throw new ForbiddenVariableError(
        entry,
        "it is never inherited (a secret or the supervisor's own context); pass a value with `set` instead",
      );
    }
  }
}

interface GlobSet {
  matches(name: string): boolean;
}

/** `*` matches any run of characters; everything else is literal. Environment names have no other syntax. */
function compileGlobs(patterns: readonly string[], options: { isCaseSensitive: boolean }): GlobSet {
  const expressions = patterns.map((pattern) => {
    const source = pattern.split("*").map(escapeRegularExpression).join(".*");
    return new RegExp(`^${source}$`, options.isCaseSensitive ? "" : "i");
  });
  return { matches: (name) => expressions.some((expression) => expression.test(name)) };
}

function escapeRegularExpression(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
