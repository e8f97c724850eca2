/**
 * `supervise completion bash|zsh`: a completion script for the commands and each command's flags,
 * made from the same table `--help` prints, so a new command or flag completes without editing it.
 * zsh runs the bash function through bashcompinit, which every zsh ships.
 */
import { ExitCode, UsageError } from "../../errors.ts";
import { parseCommandArguments, rejectExtraPositionals, requirePositional } from "../arguments.ts";
import { commandFlags, documentedCommands } from "../command-usage.ts";
import type { CommandContext } from "./command-context.ts";

const shells = ["bash", "zsh"];

export async function completionCommand(args: string[], context: CommandContext): Promise<number> {
  const { positionals } = parseCommandArguments("completion", args, {});
  const shell = requirePositional("completion", positionals, 0, "the shell (supervise completion bash|zsh)");
  rejectExtraPositionals("completion", positionals, 1);
  if (!shells.includes(shell)) {
    throw new UsageError(
      `supervise completion: no completion for "${shell}"; it writes one for bash or zsh.`,
    );
  }
  const script = bashCompletion();
  context.output.out(shell === "zsh" ? `autoload -U +X bashcompinit && bashcompinit\n${script}` : script);
  return ExitCode.allAccepted;
}

function bashCompletion(): string {
  const commands = documentedCommands.filter((command) => command !== "tool" && command !== "mcp");
  const cases = documentedCommands.map(
    (command) => `    ${command}) flags="${commandFlags(command).join(" ")}" ;;`,
  );
  return `# supervise shell completion (supervise completion bash|zsh)
_supervise() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local command="\${COMP_WORDS[1]}"
  local flags=""
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W "${commands.join(" ")}" -- "$cur") $(compgen -f -X '!*.y*ml' -- "$cur") )
    return 0
  fi
  case "$command" in
${cases.join("\n")}
    *) flags="${commandFlags("run").join(" ")}" ;;
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=( $(compgen -W "$flags" -- "$cur") )
  else
    COMPREPLY=( $(compgen -f -- "$cur") )
  fi
  return 0
}
complete -o filenames -F _supervise supervise
`;
}
