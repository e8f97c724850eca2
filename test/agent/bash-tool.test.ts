import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { bashOutputMaxCharacters } from "../../src/agent/tools/bash.ts";
import { callWorkerTool } from "../../src/agent/tools/tool-registry.ts";
import { createCommandRunner } from "../../src/sandbox/run-command.ts";
import { FakeWorkerServices } from "./fake-worker-services.ts";

let checkout: string;
let services: FakeWorkerServices;

beforeEach(async () => {
  checkout = await mkdtemp(join(tmpdir(), "supervise-bash-tool-"));
  services = new FakeWorkerServices(
    checkout,
    createCommandRunner({ forceKillAfterMs: 200, lingerGraceMs: 100 }),
  );
});
afterEach(async () => {
  await rm(checkout, { recursive: true, force: true });
});

describe("bash", () => {
  it("runs in the checkout and returns the exit code and interleaved output", async () => {
    const result = await callWorkerTool("bash", { command: "pwd; echo out; echo err >&2" }, services);
    expect(result).toEqual({ isError: false, text: `exit code 0\n${checkout}\nout\nerr\n` });
    expect(services.calls).toEqual([
      { service: "runCommand", input: { command: "pwd; echo out; echo err >&2", timeoutMs: 300_000 } },
    ]);
  });

  it("reports a failing command as a normal result, not a tool error", async () => {
    const result = await callWorkerTool("bash", { command: "echo '1 test failed'; exit 3" }, services);
    expect(result).toEqual({ isError: false, text: "exit code 3\n1 test failed\n" });
  });

  it("turns a timeout into an error that says how to call it right", async () => {
    const result = await callWorkerTool(
      "bash",
      { command: "echo started; sleep 30", timeout_seconds: 1 },
      services,
    );
    expect(result).toEqual({
      isError: true,
      text: "The command timed out after 1 s; it and every process it started were killed. Raise timeout_seconds (at most 3600) or run something quicker. Output until then:\nstarted\n",
    });
  });

  it("keeps the start and the end of a long output", async () => {
    const result = await callWorkerTool(
      "bash",
      { command: "echo FIRST; head -c 60000 /dev/zero | tr '\\0' x; echo; echo LAST" },
      services,
    );
    expect(result.isError).toBe(false);
    expect(result.text.slice(0, "exit code 0\nFIRST\n".length)).toBe("exit code 0\nFIRST\n");
    expect(result.text.slice(-"LAST\n".length)).toBe("LAST\n");
    expect(result.text).toMatch(/\[… \d+ characters elided …\]/);
    expect(result.text.length).toBeLessThan(bashOutputMaxCharacters + 100);
  });

  it("is an error when the command cannot start", async () => {
    const missing = new FakeWorkerServices(join(checkout, "gone"), createCommandRunner());
    const result = await callWorkerTool("bash", { command: "true" }, missing);
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/^The command could not run: /);
  });

  it("refuses a timeout above the limit before running anything", async () => {
    const result = await callWorkerTool("bash", { command: "true", timeout_seconds: 7200 }, services);
    expect(result.isError).toBe(true);
    expect(result.text).toMatch(/^Invalid input for bash: timeout_seconds: /);
    expect(services.calls).toEqual([]);
  });
});
