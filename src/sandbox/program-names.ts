/**
 * The programs a plan's shell command starts by name, so they can be looked up in the sandbox
 * before any worker runs: `cd app && CARGO_TERM_COLOR=never cargo test | tee out` starts `cargo`
 * and `tee`. Pure and deliberately modest: words the shell computes (`$TOOL`, `$(…)`), paths
 * relative to the checkout (`./gradlew`, which exists only once a checkout does) and the shell's
 * own builtins and keywords are left out, so what is reported missing is missing.
 */

const shellWords = new Set([
  "!",
  ".",
  ":",
  "[",
  "[[",
  "alias",
  "break",
  "builtin",
  "case",
  "cd",
  "command",
  "continue",
  "declare",
  "do",
  "done",
  "echo",
  "elif",
  "else",
  "esac",
  "eval",
  "exit",
  "export",
  "false",
  "fi",
  "for",
  "function",
  "if",
  "local",
  "printf",
  "pwd",
  "read",
  "readonly",
  "return",
  "set",
  "shift",
  "source",
  "test",
  "then",
  "trap",
  "true",
  "type",
  "ulimit",
  "umask",
  "unset",
  "until",
  "wait",
  "while",
  "{",
  "}",
]);

/** Words that run the word after them (and their own options): `exec cargo`, `env -i X=1 cargo`. */
const prefixWords = new Set(["exec", "env", "time", "nice", "nohup", "xargs"]);

export function programsOf(command: string): string[] {
  const programs = new Set<string>();
  for (const segment of command.split(/&&|\|\||[;|&\n()`]/)) {
    const program = firstProgram(segment.trim().split(/\s+/).filter(Boolean));
    if (program !== null) programs.add(program);
  }
  return [...programs];
}

function firstProgram(words: readonly string[]): string | null {
  let index = 0;
  while (index < words.length) {
    const word = unquoted(words[index]!);
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) {
      index += 1;
      continue;
    }
    if (prefixWords.has(word)) {
      index += 1;
      while (index < words.length && words[index]!.startsWith("-")) index += 1;
      continue;
    }
    if (shellWords.has(word) || !/^[\w@%+.,:/-]*[A-Za-z0-9][\w@%+.,:/-]*$/.test(word)) return null;
    if (word.includes("/") && !word.startsWith("/")) return null;
    return word;
  }
  return null;
}

function unquoted(word: string): string {
  return word.replace(/^(['"])(.*)\1$/, "$2");
}
