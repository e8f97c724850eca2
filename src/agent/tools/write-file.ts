import { mkdir, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { resolveCheckoutPath } from "./checkout-path.ts";
import { defineTool, toolError } from "./tool-definition.ts";

export const writeFileTool = defineTool({
  name: "write_file",
  inputSchema: z.strictObject({
    path: z.string().describe("Path relative to the checkout root; missing folders are created."),
    content: z.string().describe("The whole new content of the file."),
  }),
  async handle(input, services) {
    const resolved = await resolveCheckoutPath(services.checkoutPath, input.path, "write");
    if (!resolved.isInside) return toolError(resolved.problem);
    if (await isDirectory(resolved.absolutePath)) {
      return toolError(`"${input.path}" is a directory; write_file needs the path of a file inside it.`);
    }
    try {
      await mkdir(dirname(resolved.absolutePath), { recursive: true });
      await writeFile(resolved.absolutePath, input.content, "utf8");
    } catch (error) {
      return toolError(`Could not write "${input.path}": ${(error as Error).message}`);
    }
    const bytes = Buffer.byteLength(input.content, "utf8");
    return { isError: false, text: `Wrote ${bytes} bytes to ${resolved.relativePath}.` };
  },
});

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
