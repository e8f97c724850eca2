/** Routing and the worker's environment, on data; tokens and the credentials a request presents. */
import { describe, expect, it } from "vitest";
import { createGatewayTokens, presentedCredentials } from "../../src/gateway/gateway-tokens.ts";
import { routeOf, workerModelEnvironment } from "../../src/gateway/index.ts";

describe("routeOf", () => {
  it.each([
    ["HEAD", "/", { kind: "probe" }],
    ["HEAD", "/anthropic", { kind: "probe" }],
    [
      "POST",
      "/anthropic/v1/messages?beta=true",
      {
        kind: "forward",
        provider: "anthropic",
        endpoint: "messages",
        upstreamPath: "/v1/messages?beta=true",
      },
    ],
    [
      "POST",
      "/anthropic/v1/messages/count_tokens?beta=true",
      {
        kind: "forward",
        provider: "anthropic",
        endpoint: "count_tokens",
        upstreamPath: "/v1/messages/count_tokens?beta=true",
      },
    ],
    [
      "GET",
      "/anthropic/v1/models",
      { kind: "forward", provider: "anthropic", endpoint: "other", upstreamPath: "/v1/models" },
    ],
    [
      "POST",
      "/openai/v1/responses",
      { kind: "forward", provider: "openai", endpoint: "responses", upstreamPath: "/responses" },
    ],
    [
      "POST",
      "/openai/v1/chat/completions",
      {
        kind: "forward",
        provider: "openai",
        endpoint: "chat_completions",
        upstreamPath: "/chat/completions",
      },
    ],
    [
      "GET",
      "/openai/v1/models",
      { kind: "forward", provider: "openai", endpoint: "other", upstreamPath: "/models" },
    ],
  ] as const)("%s %s", (method, url, route) => {
    expect(routeOf(method, url)).toEqual(route);
  });

  it.each([
    ["GET", "/", null],
    ["POST", "/v1/messages", null],
    ["POST", "/anthropic/messages", "anthropic"],
    ["GET", "/anthropic/v1/../admin", "anthropic"],
    ["GET", "/anthropic/v1/%2e%2e/admin", "anthropic"],
    ["GET", "/openai/v1/files%2f..%2fsecret", "openai"],
  ] as const)("%s %s is not forwarded", (method, url, provider) => {
    expect(routeOf(method, url)).toMatchObject({ kind: "not_found", provider });
  });
});

it("gives a worker both base URLs and its token under both key names", () => {
  expect(workerModelEnvironment("http://127.0.0.1:3129", "supervise-gateway-abc")).toEqual({
    ANTHROPIC_BASE_URL: "http://127.0.0.1:3129/anthropic",
    ANTHROPIC_API_KEY: "supervise-gateway-abc",
    OPENAI_BASE_URL: "http://127.0.0.1:3129/openai/v1",
    OPENAI_API_KEY: "supervise-gateway-abc",
  });
});

describe("gateway tokens", () => {
  it("know their workstream until revoked, and never a token that differs in one character", () => {
    const tokens = createGatewayTokens();
    const token = tokens.grant("ws-a");
    expect(token).toMatch(/^supervise-gateway-[A-Za-z0-9_-]{43}$/);
    expect(tokens.workstreamOf(token)).toBe("ws-a");
    expect(tokens.workstreamOf(`${token.slice(0, -1)}${token.endsWith("A") ? "B" : "A"}`)).toBeUndefined();
    tokens.revoke("ws-a");
    expect(tokens.workstreamOf(token)).toBeUndefined();
  });

  it("are read from x-api-key, a Bearer authorization and api-key", () => {
    expect(
      presentedCredentials({ "x-api-key": "one", authorization: "Bearer two", "api-key": ["three", " "] }),
    ).toEqual(["one", "two", "three"]);
    expect(presentedCredentials({ authorization: "Basic dXNlcjpwYXNz" })).toEqual([]);
  });
});
