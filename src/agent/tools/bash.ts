/**
 * The `bash` tool. A command that runs and fails is a normal result, not an error: a red test run
 * is what the worker needs to read, and its exit code is in the text. `isError` is kept for the
 * cases where the command did not run to its end: it could not start, it hit its timeout, or the
 * supervisor stopped it. Then the worker has to change the call, not the code.
 */
import { z } from "zod";
import { defineTool, toolError } from "./tool-definition.ts";

export const bashDefaultTimeoutSeconds = 300;
export const bashMaxTimeoutSeconds = 3600;
/**
 * What the model reads of one command's output (~8k tokens). The runner keeps more (its own cap)
 * for the transcript; the end of a log holds the verdict, so the tail gets the larger share.
 */
export const bashOutputMaxCharacters = 30_000;

export const bashTool = defineTool({
  name: "bash",
  inputSchema: z.strictObject({
    command: z.string().min(1).describe("A bash command line, run in the checkout root."),
    timeout_seconds: z
      .number()
      .int()
      .positive()
      .max(bashMaxTimeoutSeconds)
      .optional()
      .describe(
        `Seconds before the command and all its processes are killed; default ${bashDefaultTimeoutSeconds}.`,
      ),
  }),
  async handle(input, services) {
    const timeoutSeconds = input.timeout_seconds ?? bashDefaultTimeoutSeconds;
    const result = await services.runCommand(input.command, timeoutSeconds * 1000);
    const output = capOutput(result.output);
    if (result.error !== null && !result.isTimedOut && !result.isCanceled) {
      return toolError(`The command could not run: ${result.error}`);
    }
    if (result.isTimedOut) {
      return toolError(
        `The command timed out after ${timeoutSeconds} s; it and every process it started were killed. ` +
          `Raise timeout_seconds (at most ${bashMaxTimeoutSeconds}) or run something quicker. Output until then:\n${output}`,
      );
    }
    if (result.isCanceled)
      return toolError(`The supervisor stopped the command. Output until then:\n${output}`);
    const status =
      result.exitCode === null ? `killed by ${result.signal ?? "a signal"}` : `exit code ${result.exitCode}`;
    return { isError: false, text: `${status}\n${output}` };
  },
});

function capOutput(output: string): string {
  if (output === "") return "(no output)";
  if (output.length <= bashOutputMaxCharacters) return output;
  const headLength = Math.floor(bashOutputMaxCharacters / 3);
  const tailLength = bashOutputMaxCharacters - headLength;
  const elided = output.length - headLength - tailLength;
  return `${output.slice(0, headLength)}\n[… ${elided} characters elided …]\n${output.slice(-tailLength)}`;
}
