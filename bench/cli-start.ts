/**
 * The cost of starting the CLI once (`supervise --version`): what `supervise mcp` pays once per
 * worker, and `supervise tool` pays per call only where the worker has no curl (the `supervise`
 * shim answers tool calls through curl otherwise; see src/agent/bridge/worker-shim.ts).
 */
import { performance } from "node:perf_hooks";
import { execa } from "execa";
import { cliPath } from "./run-supervisor.ts";
import { median } from "./statistics.ts";

export async function measureCliStart(samples: number): Promise<number> {
  const wallMs: number[] = [];
  for (let index = 0; index < samples; index++) {
    const startedMs = performance.now();
    await execa(process.execPath, [cliPath, "--version"]);
    wallMs.push(performance.now() - startedMs);
  }
  return median(wallMs);
}
