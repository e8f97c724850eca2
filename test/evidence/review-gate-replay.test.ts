import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { observeReview, type ReviewRequest } from "../../src/evidence/review-gate.ts";
import { createReplayClient, createReplayClientFor } from "../../src/model/client/replay.ts";
import { createReviewRepository, type ReviewRepository } from "./review-gate-repository.ts";

const cassette = (name: string) => new URL(`../fixtures/cassettes/${name}`, import.meta.url).pathname;

let repository: ReviewRepository;
let commit: string;

beforeEach(async () => {
  repository = await createReviewRepository();
  await repository.write({ "src/product.js": "export const product = () => 6;\n" });
  commit = await repository.commit("add product");
});
afterEach(() => repository.cleanup());

function review(client: ReviewRequest["client"]) {
  return observeReview({
    client,
    model: "claude-opus-5-5",
    goal: "Add product(a, b), e.g. product(2, 3) === 6.",
    workstream: "ws1",
    repositoryPath: repository.path,
    baseSha: repository.baseSha,
    commit,
    otherGates: [],
    environment: repository.environment,
  });
}

describe("the review gate replayed from a cassette", () => {
  it("passes on a recorded approval, with its usage priced", async () => {
    const result = await review(createReplayClient(cassette("review-approve.yaml")));
    expect(result).toEqual({
      id: "review",
      status: "pass",
      detail:
        "the reviewer (claude-opus-5-5) approved: src/product.js exports product(a, b) returning a * b, which is what the goal asks for.",
      observed: {
        base: repository.baseSha,
        commit,
        diff: {
          changed_file_count: 1,
          limit_bytes: 100_000,
          shown_bytes: expect.any(Number),
          cut_files: [],
          omitted_files: [],
          oversized_files: [],
        },
        request_id: "req_replay_1",
        model: "claude-opus-5-5",
        stop_reason: "tool_use",
        // 1800 × $5/M + 90 × $25/M
        usage: {
          model: "claude-opus-5-5",
          input_tokens: 1800,
          output_tokens: 90,
          cache_read_tokens: 0,
          cache_write_tokens: 0,
          cost_usd: 0.01125,
        },
        verdict: "approve",
        reasons: ["src/product.js exports product(a, b) returning a * b, which is what the goal asks for."],
        concerns: ["No test covers product yet; a follow-up should add one."],
      },
    });
  });

  it("fails on a recorded rejection, naming its reasons", async () => {
    const result = await review(createReplayClient(cassette("review-reject.yaml")));
    expect({ status: result.status, detail: result.detail }).toEqual({
      status: "fail",
      detail:
        "the reviewer (claude-opus-5-5) rejected the change: src/product.js returns the constant 6, which only matches the one example in the goal; it is a stub.; The change adds no test, so nothing shows product works for other inputs.",
    });
    expect(result.observed.concerns).toEqual([]);
  });

  it("is an error once the cassette has no review left", async () => {
    const client = createReplayClientFor({ turns: [] }, "empty.yaml");
    const result = await review(client);
    expect(result).toMatchObject({
      status: "error",
      detail:
        "the reviewer (claude-opus-5-5) called submit_review 0 times instead of once, so it gave no verdict",
      observed: { text: "The replay cassette empty.yaml has no more turns: all 0 were played." },
    });
  });

  it("is an error when the cassette's turn calls another tool than submit_review", async () => {
    const client = createReplayClientFor(
      {
        turns: [
          {
            content: [{ type: "tool_use", name: "bash", input: { command: "true" } }],
            usage: {
              input_tokens: 0,
              output_tokens: 0,
              cache_read_input_tokens: 0,
              cache_creation_input_tokens: 0,
            },
          },
        ],
      },
      "wrong-tool.yaml",
    );
    const result = await review(client);
    expect(result.status).toBe("error");
    expect(result.detail).toMatch(/^the reviewer could not be asked: .*replayed-tool-offered/);
  });
});
