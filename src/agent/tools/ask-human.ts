import { z } from "zod";
import { defineTool } from "./tool-definition.ts";

export const askHumanTool = defineTool({
  name: "ask_human",
  inputSchema: z.strictObject({
    question: z
      .string()
      .min(1)
      .describe("The decision you need, the options you see, and what you recommend."),
  }),
  handle: (input, services) => services.askHuman(input.question),
});
