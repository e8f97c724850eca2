/**
 * The cost of starting the CLI once (`supervise --version`): every `supervise tool` call a command
 * worker makes pays at least this, so it explains most of the gap to the floor.
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
