import { describe, expect, it } from "vitest";
import { describeSandbox, sandboxFacts } from "../../src/sandbox/sandbox-facts.ts";

describe("sandbox facts", () => {
  it("records the plan's settings with what the machine enforced", () => {
    expect(
      sandboxFacts(
        { isolation: "bwrap", network: { allow: ["registry.npmjs.org"] }, max_processes: 512 },
        { kind: "cgroup-v1", maxProcesses: 512, detail: "pids.max 512 …" },
      ),
    ).toEqual({
      isolation: "bwrap",
      network: { allow: ["registry.npmjs.org"] },
      max_processes: 512,
      process_limit: { kind: "cgroup-v1", max_processes: 512, detail: "pids.max 512 …" },
    });
  });

  it("describes each case in one line", () => {
    const lines = [
      describeSandbox({
        isolation: "bwrap",
        network: { allow: ["registry.npmjs.org", "*.github.com"] },
        max_processes: 1024,
        process_limit: { kind: "cgroup-v2", max_processes: 1024, detail: "" },
      }),
      describeSandbox({
        isolation: "bwrap",
        network: "host",
        max_processes: 1024,
        process_limit: { kind: "rlimit", max_processes: 1311, detail: "" },
      }),
      describeSandbox({
        isolation: "none",
        network: "none",
        max_processes: 1024,
        process_limit: {
          kind: "none",
          max_processes: null,
          detail: "running as root without a writable pids cgroup",
        },
      }),
      describeSandbox({ isolation: "bwrap", network: "none", max_processes: 1024 }),
      // A journal written before the process bound existed.
      describeSandbox({ isolation: "bwrap", network: "none" }),
    ];
    expect(lines).toEqual([
      "bwrap, network allow-list (registry.npmjs.org, *.github.com), processes ≤ 1024 (cgroup v2 pids.max)",
      "bwrap, network host, processes ≤ 1311 for the whole user (RLIMIT_NPROC)",
      "NONE (commands ran without OS isolation), processes NOT bounded (running as root without a writable pids cgroup)",
      "bwrap, network none, processes ≤ 1024",
      "bwrap, network none",
    ]);
  });
});
