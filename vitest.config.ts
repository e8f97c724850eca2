import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    pool: "forks",
    // Most tests wait on processes (git, bwrap, the CLI) rather than compute: two files at a time
    // use a 2-core machine's cores where the default of cores - 1 ran the suite one file at a time.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 120_000,
    hookTimeout: 120_000,
    restoreMocks: true,
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});
