/**
 * Loaded into the measured supervisor with `--import` (never into its children): when it exits it
 * writes its own CPU time and peak RSS, the CPU time of every child it waited for (which includes
 * their own children), and its JS heap: the peak, sampled, and what is still live after a full
 * GC at exit (with --expose-gc), which tells retained memory from garbage V8 has not returned.
 * Registering these hooks at import time is this module's whole job.
 */
import { readFileSync, writeFileSync } from "node:fs";

const usageFile = process.env.SUPERVISE_BENCH_USAGE_FILE;
if (usageFile) {
  let peakHeapBytes = 0;
  const sampler = setInterval(() => {
    peakHeapBytes = Math.max(peakHeapBytes, process.memoryUsage().heapUsed);
  }, 100);
  sampler.unref();
  process.on("exit", () => {
    const usage = process.resourceUsage();
    // /proc/self/stat fields 16 and 17 (cutime, cstime), in clock ticks; the command name in
    // field 2 may hold spaces, so fields are counted after its closing parenthesis.
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    peakHeapBytes = Math.max(peakHeapBytes, process.memoryUsage().heapUsed);
    (globalThis as { gc?: () => void }).gc?.();
    writeFileSync(
      usageFile,
      JSON.stringify({
        user_cpu_us: usage.userCPUTime,
        system_cpu_us: usage.systemCPUTime,
        max_rss_kb: usage.maxRSS,
        children_user_ticks: Number(fields[13]),
        children_system_ticks: Number(fields[14]),
        peak_heap_bytes: peakHeapBytes,
        retained_heap_bytes: process.memoryUsage().heapUsed,
      }),
    );
  });
}
