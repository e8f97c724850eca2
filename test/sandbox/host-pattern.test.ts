import { describe, expect, it } from "vitest";
import {
  allowedLoopbackPorts,
  hostPatternProblem,
  isHostAllowed,
  parseHostPattern,
} from "../../src/sandbox/host-pattern.ts";

describe("host patterns", () => {
  it("parses a host, a wildcard and a port", () => {
    expect(
      ["Registry.NPMjs.org", "*.github.com", "api.anthropic.com:443", "10.0.0.7:8080"].map(parseHostPattern),
    ).toEqual([
      { host: "registry.npmjs.org", isWildcard: false, port: undefined },
      { host: "github.com", isWildcard: true, port: undefined },
      { host: "api.anthropic.com", isWildcard: false, port: 443 },
      { host: "10.0.0.7", isWildcard: false, port: 8080 },
    ]);
  });

  it("says what is wrong with a pattern that is not one", () => {
    const problems = Object.fromEntries(
      [
        "http://a.example",
        "a.example/path",
        "a.example:0",
        "a.example:http",
        "*",
        ":443",
        "a.*.example",
        "-a.example",
        "::1",
      ].map((text) => [text, hostPatternProblem(text)]),
    );
    expect(problems).toEqual({
      "http://a.example": "expected a host name, not a URL (drop the scheme and path: registry.npmjs.org)",
      "a.example/path": "expected a host name, not a URL (drop the scheme and path: registry.npmjs.org)",
      "a.example:0": "expected a port from 1 to 65535 after the colon",
      "a.example:http": "expected a port from 1 to 65535 after the colon",
      "*": "expected a host name like registry.npmjs.org or *.github.com (for every host, use `network: host`)",
      ":443":
        "expected a host name like registry.npmjs.org or *.github.com (for every host, use `network: host`)",
      "a.*.example": "a wildcard is only allowed as the whole first label, as in *.github.com",
      "-a.example": "expected a host name of letters, digits, hyphens and dots, like registry.npmjs.org",
      "::1": "expected a host name of letters, digits, hyphens and dots, like registry.npmjs.org",
    });
    expect(() => parseHostPattern("*")).toThrow(TypeError);
  });

  it("bridges loopback ports only when named, and never over the sandbox's own bridges", () => {
    expect(
      ["localhost", "127.0.0.1:3129", "127.0.0.2:80", "localhost:5432", "127.0.0.1:6379"].map((text) => [
        text,
        hostPatternProblem(text),
      ]),
    ).toEqual([
      [
        "localhost",
        "a loopback entry needs its port (127.0.0.1:5432): each allowed loopback port is bridged into the sandbox on its own",
      ],
      [
        "127.0.0.1:3129",
        "port 3129 of the sandbox's loopback is taken by its bridge to the proxy (3128) or the model gateway (3129)",
      ],
      ["127.0.0.2:80", "only 127.0.0.1 and localhost of the loopback are bridged into the sandbox"],
      ["localhost:5432", undefined],
      ["127.0.0.1:6379", undefined],
    ]);
    expect(
      allowedLoopbackPorts(["registry.npmjs.org", "localhost:5432", "127.0.0.1:5432", "127.0.0.1:6379"]),
    ).toEqual([5432, 6379]);
  });

  it("allows exact hosts on 80 and 443, wildcards below their suffix only, and named ports only", () => {
    const patterns = ["registry.npmjs.org", "*.github.com", "api.anthropic.com:443", "localhost:8080"].map(
      parseHostPattern,
    );
    const requests: [string, number][] = [
      ["registry.npmjs.org", 443],
      ["REGISTRY.npmjs.org.", 80],
      ["registry.npmjs.org", 22],
      ["evil-registry.npmjs.org", 443],
      ["api.github.com", 443],
      ["a.b.github.com", 80],
      ["github.com", 443],
      ["notgithub.com", 443],
      ["api.anthropic.com", 443],
      ["api.anthropic.com", 80],
      ["localhost", 8080],
      ["localhost", 80],
    ];
    expect(
      Object.fromEntries(
        requests.map(([host, port]) => [`${host}:${port}`, isHostAllowed(patterns, host, port)]),
      ),
    ).toEqual({
      "registry.npmjs.org:443": true,
      "REGISTRY.npmjs.org.:80": true,
      "registry.npmjs.org:22": false,
      "evil-registry.npmjs.org:443": false,
      "api.github.com:443": true,
      "a.b.github.com:80": true,
      "github.com:443": false,
      "notgithub.com:443": false,
      "api.anthropic.com:443": true,
      "api.anthropic.com:80": false,
      "localhost:8080": true,
      "localhost:80": false,
    });
  });
});
