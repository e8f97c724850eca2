/**
 * What the sandbox adds to one command: `true` through createCommandRunner with and without the
 * bubblewrap hook and the process bound (a cgroup per command where one is writable), alternated
 * so both see the same machine load; the medians are compared.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import {
  buildCommandEnvironment,
  type CommandRunner,
  checkIsolationAvailable,
  createCommandRunner,
  createIsolation,
  createProcessLimit,
} from "../src/sandbox/index.ts";
import { median } from "./statistics.ts";

export type SandboxLatency =
  | { available: true; directMs: number; isolatedMs: number; addedMs: number; samples: number }
  | { available: false; reason: string };

export async function measureSandboxLatency(samples: number): Promise<SandboxLatency> {
  const availability = await checkIsolationAvailable();
  if (!availability.available) return { available: false, reason: availability.reason ?? "unavailable" };
  const checkout = mkdtempSync(join(tmpdir(), "supervise-bench-sandbox-"));
  const processLimit = await createProcessLimit({ maxProcesses: 1024 });
  try {
    const environment = buildCommandEnvironment({ parent: process.env });
    const direct = createCommandRunner();
    const isolated = createCommandRunner({
      processLimit,
      isolate: createIsolation({
        writable: [checkout],
        readOnly: [],
        hidden: [],
        sockets: [],
        network: "none",
      }),
    });
    const time = async (runner: CommandRunner) => {
      const startedMs = performance.now();
      const result = await runner.run({
        command: "true",
        cwd: checkout,
        env: environment,
        timeoutMs: 10_000,
      });
      if (result.exitCode !== 0) throw new Error(`\`true\` failed in the sandbox bench: ${result.output}`);
      return performance.now() - startedMs;
    };
    // One of each first, unmeasured: the first isolated run inspects the system directories once.
    await time(direct);
    await time(isolated);
    const directMs: number[] = [];
    const isolatedMs: number[] = [];
    for (let index = 0; index < samples; index++) {
      directMs.push(await time(direct));
      isolatedMs.push(await time(isolated));
    }
    const directMedian = median(directMs);
    const isolatedMedian = median(isolatedMs);
    return {
      available: true,
      directMs: directMedian,
      isolatedMs: isolatedMedian,
      addedMs: isolatedMedian - directMedian,
      samples,
    };
  } finally {
    await processLimit.close();
    rmSync(checkout, { recursive: true, force: true });
  }
}
