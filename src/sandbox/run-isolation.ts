/**
 * The isolation policy of one run: every command (a worker's, a gate's, local CI's) may write
 * only the directory it runs in — its checkout or CI clone — and read the system, the mirror its
 * checkout borrows objects from, and supervise itself (for the `supervise` shim); a CLI agent's
 * command also reads the files its command line names. The state dir, the user's repository,
 * the plan's folder and other checkouts stay hidden.
 */
import { dirname } from "node:path";
import { createIsolation, type IsolationPolicy } from "./isolation.ts";
import type { IsolateCommand } from "./run-command.ts";

export interface RunIsolationOptions {
  stateDirectory: string;
  userRepository: string;
  /** The supervisor's private mirror: checkouts read objects from it through git alternates. */
  mirrorPath: string;
  /** Where the worker tools' socket is. */
  socketPath: string;
  /** Read-only extras: the supervise installation and the Node binary the shim runs. */
  readOnly: string[];
  network: IsolationPolicy["network"];
  /** The supervisor user's HOME: none of it is ever visible inside a sandbox. */
  home: string | undefined;
}

export function createRunIsolation(options: RunIsolationOptions): IsolateCommand {
  const readOnly = [options.mirrorPath, ...options.readOnly];
  return (invocation) => {
    const hidden = [options.stateDirectory, options.userRepository, ...toolchainSecrets(readOnly)];
    // A command whose HOME is the user's gets an empty, writable, private tmpfs there instead, or
    // its workstream's persistent folder (see isolation.ts): agents, go, npm and cargo keep their
    // caches and settings in HOME and fail on a read-only one, and nothing of the user's home shows
    // either way. Any other HOME hides it.
    if (options.home && invocation.env.HOME !== options.home) hidden.push(options.home);
    return createIsolation({
      writable: [invocation.cwd, ...(invocation.writable ?? [])],
      readOnly: [...readOnly, ...(invocation.readOnly ?? [])].filter((path) => path !== invocation.cwd),
      hidden,
      sockets: [options.socketPath],
      network: options.network,
    })(invocation);
  };
}

/**
 * What a CLI agent's command needs to read beyond the checkout: every existing absolute path it
 * names (`bash /opt/agents/run.sh`), the path itself and nothing beside it. The plan's folder is
 * not among them: it may hold `.env` files or keys, and the supervisor reads the plan itself.
 * These are mounted for the agent's command only, never for gates or CI.
 */
export function agentCommandPaths(command: string, exists: (path: string) => boolean): string[] {
  const paths = new Set<string>();
  for (const word of command.split(/\s+/)) {
    const candidate = word.replace(/^['"]|['"]$/g, "");
    if (candidate.startsWith("/") && exists(candidate)) paths.add(candidate);
  }
  return [...paths];
}

/**
 * Where a CLI agent's executable really lives, for its command alone: the program found by name on
 * the supervisor's PATH (or the path the plan gives), symlinks followed, and its install root, so
 * `~/.local/bin/claude` (a link into `~/.local/share/claude/versions/`) and an npm launcher that
 * looks up its native binary beside it (`node_modules/@openai/codex-linux-x64`) both start in the
 * sandbox. The root is the nearest `node_modules` above the program, else the program's folder.
 */
export function agentInstallPaths(
  program: string,
  path: string | undefined,
  files: { exists(path: string): boolean; realPath(path: string): string },
): string[] {
  const candidates = program.includes("/")
    ? [program]
    : (path ?? "").split(":").flatMap((folder) => (folder.startsWith("/") ? [`${folder}/${program}`] : []));
  const found = candidates.find((candidate) => files.exists(candidate));
  if (found === undefined) return [];
  const real = files.realPath(found);
  const marker = real.lastIndexOf("/node_modules/");
  const root =
    marker >= 0 ? real.slice(0, marker + "/node_modules".length) : real.slice(0, real.lastIndexOf("/"));
  return [...new Set([found, root])];
}

/**
 * Toolchains installed under the user's HOME, which the sandbox otherwise hides: rustup's
 * `~/.cargo` (with `~/.rustup`, where its toolchains live), pyenv, nvm, bun, a custom npm prefix.
 * Each PATH entry inside HOME brings its install root (the dot-folder under HOME), read-only;
 * other entries (`~/.local/bin`, whose folder also holds keyrings and app data; a project's
 * `node_modules/.bin`) bring only themselves. Nothing else of HOME becomes visible.
 */
export function toolchainPaths(
  home: string | undefined,
  path: string | undefined,
  exists: (path: string) => boolean,
): string[] {
  if (!home || home === "/" || !path) return [];
  const roots = new Set<string>();
  for (const entry of path.split(":")) {
    if (!entry.startsWith(`${home}/`) || !exists(entry)) continue;
    const first = entry.slice(home.length + 1).split("/")[0]!;
    // A toolchain's root is a dot-folder of its own (~/.cargo, ~/.pyenv, ~/.nvm); any other entry
    // (~/.local/bin, ~/work/project/node_modules/.bin) brings only itself, never the folders beside it.
    if (first.startsWith(".") && first !== ".local") roots.add(`${home}/${first}`);
    else roots.add(entry);
    if (first === ".cargo" && exists(`${home}/.rustup`)) roots.add(`${home}/.rustup`);
  }
  return [...roots];
}

/**
 * Files inside a mounted toolchain that hold the user's credentials: cargo keeps the registry token
 * in `~/.cargo/credentials(.toml)`. The toolchain is mounted; these stay invisible.
 */
export function toolchainSecrets(readOnly: readonly string[]): string[] {
  return readOnly
    .filter((path) => path.endsWith("/.cargo"))
    .flatMap((cargoHome) => [`${cargoHome}/credentials`, `${cargoHome}/credentials.toml`]);
}

/** The directories the `supervise` shim needs inside the sandbox: this installation and Node. */
export function superviseInstallation(cliPath: string, nodePath: string): string[] {
  return [dirname(dirname(cliPath)), dirname(nodePath)];
}
