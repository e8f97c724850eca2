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
  for (const words of simpleCommands(command)) {
    const program = firstProgram(words);
    if (program !== null) programs.add(program);
  }
  return [...programs];
}

/**
 * The simple commands of a shell line as lists of words, quotes removed: split at `;`, `&`, `|`,
 * newlines and subshell parentheses outside quotes. A command substitution (`$(…)`, backticks)
 * is a command line of its own, and the word it stands in continues after it.
 */
function simpleCommands(line: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word = "";
  let hasWord = false;
  const endWord = () => {
    if (hasWord) words.push(word);
    word = "";
    hasWord = false;
  };
  const endCommand = () => {
    endWord();
    if (words.length > 0) commands.push(words);
    words = [];
  };
  for (let index = 0; index < line.length; index++) {
    const char = line[index]!;
    if (char === "'" || char === '"') {
      const close = line.indexOf(char, index + 1);
      const end = close === -1 ? line.length : close;
      const quoted = line.slice(index + 1, end);
      if (char === '"') for (const inner of substitutions(quoted)) commands.push(...simpleCommands(inner));
      word += quoted;
      hasWord = true;
      index = end;
    } else if (char === "$" && line[index + 1] === "(") {
      const end = matchingParenthesis(line, index + 1);
      commands.push(...simpleCommands(line.slice(index + 2, end)));
      // The word's text is computed by the shell: mark it so it is never taken for a program.
      word += "$";
      hasWord = true;
      index = end;
    } else if (char === "`") {
      const close = line.indexOf("`", index + 1);
      const end = close === -1 ? line.length : close;
      commands.push(...simpleCommands(line.slice(index + 1, end)));
      word += "$";
      hasWord = true;
      index = end;
    } else if (/[;&|\n()]/.test(char)) {
      endCommand();
    } else if (/\s/.test(char)) {
      endWord();
    } else {
      word += char;
      hasWord = true;
    }
  }
  endCommand();
  return commands;
}

/** The `$(…)` command lines inside a double-quoted string. */
function substitutions(text: string): string[] {
  const found: string[] = [];
  for (let index = text.indexOf("$("); index !== -1; index = text.indexOf("$(", index + 1)) {
    const end = matchingParenthesis(text, index + 1);
    found.push(text.slice(index + 2, end));
    index = end;
  }
  return found;
}

/** The index of the `)` that closes the `(` at `open`, or the end of the text. */
function matchingParenthesis(text: string, open: number): number {
  let depth = 0;
  for (let index = open; index < text.length; index++) {
    if (text[index] === "(") depth += 1;
    else if (text[index] === ")") {
      depth -= 1;
      if (depth === 0) return index;
    }
  }
  return text.length;
}

function firstProgram(words: readonly string[]): string | null {
  let index = 0;
  while (index < words.length) {
    const word = words[index]!;
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
