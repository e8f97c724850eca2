import { describe, expect, it } from "vitest";
import { findRequestViolations } from "../../src/model/client/request-invariants.ts";

const tools = [{ name: "bash", input_schema: { type: "object" } }];
const call = (id: string) => ({ type: "tool_use", id, name: "bash", input: {} });
const result = (id: string) => ({ type: "tool_result", tool_use_id: id, content: "ok" });

describe("request invariants", () => {
  it("accept a well-formed tool-use exchange", () => {
    expect(
      findRequestViolations({
        tools,
        messages: [
          { role: "user", content: [{ type: "text", text: "go" }] },
          { role: "assistant", content: [call("a"), call("b")] },
          { role: "user", content: [result("a"), result("b"), { type: "text", text: "note" }] },
        ],
      }),
    ).toEqual([]);
  });

  it("name each broken rule", () => {
    expect(
      findRequestViolations({
        tools: [],
        messages: [
          { role: "assistant", content: [call("a"), call("b")] },
          { role: "user", content: [{ type: "text", text: "" }, result("a"), result("zzz")] },
          { role: "assistant", content: [call("c")] },
        ],
      }),
    ).toEqual([
      { invariant: "tools-offered", detail: "the request offers no tools, so the model cannot act" },
      { invariant: "first-message-from-user", detail: "the first message is not the user's" },
      {
        invariant: "tool-use-answered",
        detail: "tool_use b (bash) of messages[0] has no tool_result in messages[1]",
      },
      {
        invariant: "tool-results-first",
        detail: "messages[1] has a tool_result after other content (block 1)",
      },
      {
        invariant: "tool-result-answers-a-call",
        detail: "tool_result for zzz in messages[1] answers no tool_use of the message before it",
      },
      { invariant: "no-empty-text", detail: "messages[1] has an empty text block" },
      {
        invariant: "tool-use-answered",
        detail: "tool_use c (bash) of messages[2] has no tool_result in messages[3]",
      },
    ]);
  });

  it("count cache breakpoints across system, tools and messages", () => {
    const marked = { type: "text", text: "x", cache_control: { type: "ephemeral" } };
    expect(
      findRequestViolations({
        system: [marked, marked],
        tools: [{ ...tools[0], cache_control: { type: "ephemeral" } }],
        messages: [{ role: "user", content: [marked, marked] }],
      }),
    ).toEqual([
      { invariant: "at-most-four-cache-breakpoints", detail: "the request has 5 cache_control breakpoints" },
    ]);
  });
});
