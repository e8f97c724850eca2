import { z } from "zod";
import { defineTool } from "./tool-definition.ts";

export const claimDoneTool = defineTool({
  name: "claim_done",
  inputSchema: z.strictObject({
    summary: z.string().min(1).describe("What you did and how you checked it."),
  }),
  handle: (input, services) => services.claimDone(input.summary),
});
