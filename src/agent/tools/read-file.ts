import { z } from "zod";
import { openInCheckout } from "./checkout-path.ts";
import { defineTool, toolError } from "./tool-definition.ts";

/** About 25k tokens: a bigger file would crowd the conversation; the worker pages it with bash. */
export const readFileMaxBytes = 100 * 1024;

export const readFileTool = defineTool({
  name: "read_file",
  actsOnCheckoutFiles: true,
  inputSchema: z.strictObject({
    path: z.string().describe("Path relative to the checkout root."),
  }),
  async handle(input, services) {
    const opening = await openInCheckout(services.checkoutPath, input.path, "read");
    if (!opening.isInside) return toolError(opening.missing ? describeMissing(input.path) : opening.problem);
    const { handle, relativePath } = opening;
    try {
      if (opening.isDirectory) {
        return toolError(`"${input.path}" is a directory. List it with bash, e.g. \`ls ${relativePath}\`.`);
      }
      // The size is read from the open file, so a file grown after the check is still cut there.
      const { size } = await handle.stat();
      if (size > readFileMaxBytes) {
        return toolError(
          `"${input.path}" is ${size} bytes, more than read_file returns (${readFileMaxBytes}). ` +
            `Read parts of it with bash, e.g. \`sed -n '1,200p' ${relativePath}\` or \`grep -n PATTERN ${relativePath}\`.`,
        );
      }
      const buffer = Buffer.alloc(size);
      const { bytesRead } = await handle.read(buffer, 0, size, 0);
      const content = buffer.subarray(0, bytesRead);
      if (content.subarray(0, 8192).includes(0)) {
        return toolError(
          `"${input.path}" is a binary file (it contains NUL bytes); inspect it with bash, e.g. \`file ${relativePath}\`.`,
        );
      }
      return {
        isError: false,
        text: content.length === 0 ? "(the file is empty)" : content.toString("utf8"),
      };
    } finally {
      await handle.close();
    }
  },
});

export function describeMissing(path: string): string {
  return `"${path}" does not exist in the checkout. Find files with bash, e.g. \`git ls-files | grep NAME\`.`;
}
