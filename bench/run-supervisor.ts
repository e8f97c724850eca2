/**
 * Runs the real CLI as a child process (`process.execPath src/cli.ts PLAN --json`), the way a user
 * does, and measures it: wall time from spawn to exit, CPU of the supervisor and of everything it
 * started, the supervisor's own peak RSS, and the size of the journal it wrote.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { execa } from "execa";

export const cliPath = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const preloadUrl = new URL("./usage-preload.ts", import.meta.url).href;

export interface SupervisorMeasurement {
  exitCode: number | undefined;
  wallMs: number;
  /** The supervisor process alone. */
  supervisorCpuMs: number;
  /** The supervisor and every process it waited for (workers, git, gates, tool calls, CI). */
  totalCpuMs: number;
  peakRssMb: number;
  /** The supervisor's JS heap: its sampled peak, and what a full GC at exit left live. */
  peakHeapMb: number;
  retainedHeapMb: number;
  stateDirectory: string;
  journalFile: string;
  journalBytes: number;
  output: string;
}

let clockTicksPerSecond: number | undefined;

function ticksPerSecond(): number {
  clockTicksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  return clockTicksPerSecond;
}

export async function runSupervisorMeasured(options: {
  planFile: string;
  cwd: string;
  usageFile: string;
  environment?: Record<string, string>;
}): Promise<SupervisorMeasurement> {
  const startedMs = performance.now();
  const result = await execa(
    process.execPath,
    // --expose-gc only lets the preload collect at exit; it changes nothing before that.
    ["--expose-gc", "--import", preloadUrl, cliPath, options.planFile, "--json"],
    {
      cwd: options.cwd,
      reject: false,
      all: true,
      env: { ...options.environment, NO_COLOR: "1", SUPERVISE_BENCH_USAGE_FILE: options.usageFile },
    },
  );
  const wallMs = performance.now() - startedMs;
  const usage = JSON.parse(readFileSync(options.usageFile, "utf8")) as {
    user_cpu_us: number;
    system_cpu_us: number;
    max_rss_kb: number;
    children_user_ticks: number;
    children_system_ticks: number;
    peak_heap_bytes: number;
    retained_heap_bytes: number;
  };
  const supervisorCpuMs = (usage.user_cpu_us + usage.system_cpu_us) / 1000;
  const childrenCpuMs = ((usage.children_user_ticks + usage.children_system_ticks) * 1000) / ticksPerSecond();
  const stateDirectory = join(options.cwd, ".supervise");
  const journalFile = onlyJournal(stateDirectory);
  return {
    exitCode: result.exitCode,
    wallMs,
    supervisorCpuMs,
    totalCpuMs: supervisorCpuMs + childrenCpuMs,
    peakRssMb: usage.max_rss_kb / 1024,
    peakHeapMb: usage.peak_heap_bytes / 2 ** 20,
    retainedHeapMb: usage.retained_heap_bytes / 2 ** 20,
    stateDirectory,
    journalFile,
    journalBytes: statSync(journalFile).size,
    output: String(result.all ?? ""),
  };
}

function onlyJournal(stateDirectory: string): string {
  const runs = readdirSync(join(stateDirectory, "runs")).filter((name) => !name.startsWith("."));
  if (runs.length !== 1) throw new Error(`expected one run in ${stateDirectory}, found ${runs.length}`);
  return join(stateDirectory, "runs", runs[0]!, "journal.jsonl");
}
