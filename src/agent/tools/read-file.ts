import { readFile, stat } from "node:fs/promises";
import { z } from "zod";
import { resolveCheckoutPath } from "./checkout-path.ts";
import { defineTool, toolError } from "./tool-definition.ts";

/** About 25k tokens: a bigger file would crowd the conversation; the worker pages it with bash. */
export const readFileMaxBytes = 100 * 1024;

export const readFileTool = defineTool({
  name: "read_file",
  inputSchema: z.strictObject({
    path: z.string().describe("Path relative to the checkout root."),
  }),
  async handle(input, services) {
    const resolved = await resolveCheckoutPath(services.checkoutPath, input.path, "read");
    if (!resolved.isInside) return toolError(resolved.problem);
    let size: number;
    try {
      const stats = await stat(resolved.absolutePath);
      if (stats.isDirectory()) {
        return toolError(
          `"${input.path}" is a directory. List it with bash, e.g. \`ls ${resolved.relativePath}\`.`,
        );
      }
      size = stats.size;
    } catch (error) {
      return toolError(describeMissing(input.path, error));
    }
    if (size > readFileMaxBytes) {
      return toolError(
        `"${input.path}" is ${size} bytes, more than read_file returns (${readFileMaxBytes}). ` +
          `Read parts of it with bash, e.g. \`sed -n '1,200p' ${resolved.relativePath}\` or \`grep -n PATTERN ${resolved.relativePath}\`.`,
      );
    }
    const content = await readFile(resolved.absolutePath);
    if (content.subarray(0, 8192).includes(0)) {
      return toolError(
        `"${input.path}" is a binary file (it contains NUL bytes); inspect it with bash, e.g. \`file ${resolved.relativePath}\`.`,
      );
    }
    return { isError: false, text: content.length === 0 ? "(the file is empty)" : content.toString("utf8") };
  },
});

export function describeMissing(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT" || code === "ENOTDIR") {
    return `"${path}" does not exist in the checkout. Find files with bash, e.g. \`git ls-files | grep NAME\`.`;
  }
  return `Could not read "${path}": ${(error as Error).message}`;
}
