import { defineConfig } from "vitest/config";

// `npm run test:faults`: the slow fault-injection suite, kept out of `npm test` (whose include is
// test/**/*.test.ts) by its file names, *.fault.ts.
export default defineConfig({
  test: {
    include: ["test/faults/**/*.fault.ts"],
    environment: "node",
    pool: "forks",
    testTimeout: 240_000,
    hookTimeout: 60_000,
    restoreMocks: true,
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});
