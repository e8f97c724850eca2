/**
 * How the person started supervise, so the line that says how to resume can be pasted back as it
 * is: `npm run supervise -- …`, `npx supervise …`, a path to bin/supervise.js, or `supervise …`
 * from a linked install. Pure: main passes the environment, the entry script and the cwd.
 */
import { basename, isAbsolute, relative, sep } from "node:path";

export interface InvocationFacts {
  environment: NodeJS.ProcessEnv;
  /** The script Node ran (process.argv[1]); bin/supervise.js hands its own down in SUPERVISE_ENTRY when it re-runs the CLI on another Node. */
  entryPath: string | undefined;
  cwd: string;
}

/** The words before the arguments: `npx supervise`, `npm run supervise --`, `bin/supervise.js`, … */
export function invocationPrefix(facts: InvocationFacts): string {
  const { environment, cwd } = facts;
  const entry = environment.SUPERVISE_ENTRY || facts.entryPath;
  if (entry === undefined) return "supervise";
  const isBin = basename(entry) === "supervise" || entry.endsWith(`${sep}bin${sep}supervise.js`);
  const isSource = entry.endsWith(`${sep}src${sep}cli.ts`);
  // npm sets these for what it starts; checked with the entry, since they reach every child of npm.
  if (isSource && environment.npm_lifecycle_event === "supervise") return "npm run supervise --";
  if (isBin && environment.npm_command === "exec") return "npx supervise";
  if (basename(entry) === "supervise") return "supervise";
  if (isBin) return quoteArgument(shortestPath(entry, cwd));
  if (isSource) return `node ${quoteArgument(shortestPath(entry, cwd))}`;
  // Another program that runs the CLI in-process (the demo): the installed command is the way back.
  return "supervise";
}

/** The command that resumes the run started by `args`: the same, without starting a new run again. */
export function resumeCommand(prefix: string, args: readonly string[]): string {
  const kept = args.filter((argument) => argument !== "--new-run");
  return [prefix, ...kept.map(quoteArgument)].join(" ");
}

/** The argument as a POSIX shell reads it back unchanged. */
export function quoteArgument(argument: string): string {
  if (/^[\w./:=@%+,-]+$/.test(argument)) return argument;
  return `'${argument.replaceAll("'", `'\\''`)}'`;
}

/** Relative to the cwd when that is shorter, and never a bare name a shell would look up on PATH. */
function shortestPath(path: string, cwd: string): string {
  const fromCwd = relative(cwd, path);
  if (isAbsolute(fromCwd) || fromCwd.length >= path.length) return path;
  return fromCwd.includes(sep) ? fromCwd : `.${sep}${fromCwd}`;
}
