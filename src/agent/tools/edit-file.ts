import { z } from "zod";
import { openInCheckout, replaceContent } from "./checkout-path.ts";
import { describeMissing } from "./read-file.ts";
import { defineTool, toolError } from "./tool-definition.ts";

export const editFileTool = defineTool({
  name: "edit_file",
  actsOnCheckoutFiles: true,
  inputSchema: z.strictObject({
    path: z.string().describe("Path relative to the checkout root."),
    old_string: z.string().min(1).describe("Text that occurs exactly once in the file, whitespace included."),
    new_string: z.string().describe("The replacement text."),
  }),
  async handle(input, services) {
    const opening = await openInCheckout(services.checkoutPath, input.path, "edit");
    if (!opening.isInside) {
      if (opening.missing)
        return toolError(`${describeMissing(input.path)} To create a file, use write_file.`);
      return toolError(opening.problem);
    }
    const { handle, relativePath } = opening;
    try {
      if (opening.isDirectory) return toolError(`"${input.path}" is a directory; edit_file needs a file.`);
      const content = (await handle.readFile()).toString("utf8");
      if (input.old_string === input.new_string) {
        return toolError("old_string and new_string are the same, so the edit would change nothing.");
      }
      const matches = countOccurrences(content, input.old_string);
      if (matches === 0) {
        return toolError(
          `old_string does not occur in ${relativePath}. It must match the file exactly, ` +
            "whitespace and indentation included: read_file the file and copy the text from it.",
        );
      }
      if (matches > 1) {
        return toolError(
          `old_string occurs ${matches} times in ${relativePath}; it must occur exactly once. ` +
            "Include more of the surrounding lines so it is unique, or make one edit per occurrence.",
        );
      }
      const index = content.indexOf(input.old_string);
      const updated =
        content.slice(0, index) + input.new_string + content.slice(index + input.old_string.length);
      await replaceContent(handle, Buffer.from(updated, "utf8"));
      return { isError: false, text: `Replaced 1 occurrence in ${relativePath}.` };
    } finally {
      await handle.close();
    }
  },
});

/** Occurrences that do not overlap, as a replacement would see them. */
function countOccurrences(text: string, search: string): number {
  let count = 0;
  for (let index = text.indexOf(search); index !== -1; index = text.indexOf(search, index + search.length)) {
    count += 1;
  }
  return count;
}
