import { z } from "zod";
import { openInCheckout, replaceContent } from "./checkout-path.ts";
import { defineTool, toolError } from "./tool-definition.ts";

export const writeFileTool = defineTool({
  name: "write_file",
  actsOnCheckoutFiles: true,
  inputSchema: z.strictObject({
    path: z.string().describe("Path relative to the checkout root; missing folders are created."),
    content: z.string().describe("The whole new content of the file."),
  }),
  async handle(input, services) {
    let opening: Awaited<ReturnType<typeof openInCheckout>>;
    try {
      opening = await openInCheckout(services.checkoutPath, input.path, "write");
    } catch (error) {
      return toolError(`Could not write "${input.path}": ${(error as Error).message}`);
    }
    if (!opening.isInside) return toolError(opening.problem);
    const { handle, relativePath } = opening;
    try {
      if (opening.isDirectory) {
        return toolError(`"${input.path}" is a directory; write_file needs the path of a file inside it.`);
      }
      await replaceContent(handle, Buffer.from(input.content, "utf8"));
    } catch (error) {
      return toolError(`Could not write "${input.path}": ${(error as Error).message}`);
    } finally {
      await handle.close();
    }
    const bytes = Buffer.byteLength(input.content, "utf8");
    return { isError: false, text: `Wrote ${bytes} bytes to ${relativePath}.` };
  },
});
