/**
 * The `supervise` command on a `command` worker's PATH. It runs the real CLI, except for the one
 * call a worker makes many times: `supervise tool NAME [--input JSON]` goes straight to the
 * supervisor's socket with curl, which starts in a few milliseconds where Node with the CLI takes
 * 0.1 s of CPU and more (in the bench, the one `supervise tool` call of each workstream was a third
 * of the CPU of every process the workstream started).
 *
 * The fast path keeps the CLI's contract byte for byte: the supervisor answers a `?reply=cli`
 * request with the text the CLI prints and an HTTP status that names its exit code (see
 * tool-server.ts). Whatever the fast path cannot answer exactly goes to the CLI: another
 * subcommand, any argument shape but the plain ones, no curl, no socket in the environment, an
 * unreachable socket (nothing was sent, so nothing runs twice), and input the CLI rejects itself
 * (the supervisor answers 409 to that, without calling the tool). The token is handed to curl on
 * stdin, never in its arguments, which any user on the machine can read in `ps`.
 */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface ShimTarget {
  /** The Node binary that runs the CLI (the supervisor's own). */
  nodePath: string;
  /** The CLI entry, `src/cli.ts`. */
  cliPath: string;
}

/** The HTTP statuses of a `?reply=cli` answer: what the CLI would exit with. */
export const cliReplyStatus = { success: 200, toolError: 422, badInput: 400, askTheCli: 409 } as const;

/** The shim's text: POSIX sh, so it runs wherever the worker's shell does (bubblewrap included). */
export function superviseShimScript(target: ShimTarget): string {
  const cli = `${shellQuote(target.nodePath)} ${shellQuote(target.cliPath)}`;
  // %{stderr} (curl 7.63) sends the status to the captured stream while the body streams to the
  // worker's own stdout, appending where it appends; -s keeps curl's own messages out of both.
  return `#!/bin/sh
# supervise, as a command worker sees it: \`supervise tool\` through curl, everything else through the CLI.
if [ "$1" = tool ] && [ -n "\${SUPERVISE_TOOL_SOCKET:-}" ] && [ -n "\${SUPERVISE_TOOL_TOKEN:-}" ] &&
  command -v curl >/dev/null 2>&1; then
  supervise_name=$2
  supervise_input=
  case $# in
    2) supervise_input='{}' ;;
    3) case $3 in --input=*) supervise_input=\${3#--input=} ;; esac ;;
    4) if [ "$3" = --input ]; then supervise_input=$4; fi ;;
  esac
  case $supervise_name in '' | *[!a-z_]*) supervise_input= ;; esac
  # A value that starts like an option is the CLI's to judge.
  case $supervise_input in -*) supervise_input= ;; esac
  if [ -n "$supervise_input" ]; then
    exec 3>&1
    supervise_status=$(curl -s --unix-socket "$SUPERVISE_TOOL_SOCKET" -H @- -H 'Expect:' \\
      --data-raw "$supervise_input" -o - -w '%{stderr}%{http_code}' \\
      "http://supervise/tools/$supervise_name?reply=cli" 2>&1 1>&3 3>&- <<SUPERVISE_HEADERS
authorization: Bearer $SUPERVISE_TOOL_TOKEN
content-type: application/json
SUPERVISE_HEADERS
)
    supervise_curl=$?
    exec 3>&-
    case $supervise_curl:$supervise_status in
      0:${cliReplyStatus.success}) exit 0 ;;
      0:${cliReplyStatus.toolError}) exit 1 ;;
      0:${cliReplyStatus.badInput}) exit 2 ;;
      0:${cliReplyStatus.askTheCli} | 7:*) ;;
      *)
        echo "error: Could not reach the supervisor: the connection failed during the call (curl exit $supervise_curl, status $supervise_status)." >&2
        echo "hint: The supervisor may have stopped; it restarts this worker when it resumes." >&2
        exit 1
        ;;
    esac
  fi
fi
exec ${cli} "$@"
`;
}

/** Writes the shim as `<directory>/supervise`; returns the directory, to go first on the worker's PATH. */
export async function writeSuperviseShim(directory: string, target: ShimTarget): Promise<string> {
  await mkdir(directory, { recursive: true });
  const shim = join(directory, "supervise");
  await writeFile(shim, superviseShimScript(target));
  await chmod(shim, 0o755);
  return directory;
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
