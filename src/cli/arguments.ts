/** Argument parsing for every subcommand: strict, so a mistyped flag is an error, never ignored. */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { didYouMean } from "../closest-match.ts";
import { errorMessage, UsageError } from "../errors.ts";

type Options = NonNullable<ParseArgsConfig["options"]>;

export const readingOptions = {
  json: { type: "boolean" },
  "state-dir": { type: "string" },
  plan: { type: "string" },
} as const satisfies Options;

export function parseCommandArguments<T extends Options>(command: string, args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    const message = errorMessage(error);
    const hint = `\`supervise ${command} --help\` lists its arguments and flags.`;
    const unknown = /^Unknown option '(-[^']*)'/.exec(message)?.[1];
    if (unknown !== undefined) {
      const flags = [...Object.keys(options).map((name) => `--${name}`), "--help"];
      throw new UsageError(`supervise ${command}: unknown flag ${unknown}${didYouMean(unknown, flags)}.`, {
        hint,
      });
    }
    throw new UsageError(
      `supervise ${command}: ${message.replace(/\. To specify a positional argument.*$/s, ".")}`,
      { hint },
    );
  }
}

export function requirePositional(
  command: string,
  positionals: string[],
  index: number,
  name: string,
): string {
  const value = positionals[index];
  if (value === undefined) throw new UsageError(`supervise ${command}: missing ${name}.`);
  return value;
}

export function rejectExtraPositionals(command: string, positionals: string[], expected: number): void {
  if (positionals.length > expected) {
    throw new UsageError(`supervise ${command}: unexpected argument "${positionals[expected]}".`);
  }
}

export function parsePositiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new UsageError(`--${flag} must be a positive integer, got "${value}".`);
  }
  return Number(value);
}
