/** The plan of a bench run: N workstreams, one `command` worker, trivial gates, the local forge. */
import { writeFileSync } from "node:fs";
import type { BenchVariant } from "./worker-script.ts";

export interface BenchPlanOptions {
  file: string;
  /** Relative to the plan file. */
  repository: string;
  workstreamIds: readonly string[];
  workerScript: string;
  concurrency: number;
  variant: BenchVariant;
  /** The local_check command; `true` unless a measurement needs a gate that takes time. */
  checkCommand?: string;
  /** `none` writes `sandbox: { isolation: none }`; `default` leaves the plan's default (bubblewrap). */
  isolation: "none" | "default";
}

export function writeBenchPlan(options: BenchPlanOptions): string {
  const isForge = options.variant === "forge";
  const check = JSON.stringify(options.checkCommand ?? "true");
  const lines = [
    `name: bench-${options.variant}-${options.workstreamIds.length}`,
    `repo: ${options.repository}`,
    "base: main",
    `agent: { provider: command, command: ${JSON.stringify(`bash ${options.workerScript}`)} }`,
    `concurrency: ${options.concurrency}`,
    ...(options.isolation === "none" ? ["sandbox: { isolation: none }"] : []),
    "defaults:",
    isForge ? "  done: [local_check, ci_green, pr_merged, issue_closed]" : "  done: [local_check]",
    isForge
      ? `  commands: { check: ${check}, build: null, ci: "true" }`
      : `  commands: { check: ${check}, build: null, ci: null }`,
    "  stall: { max_restarts: 2, max_rejections: 2 }",
    "workstreams:",
    ...options.workstreamIds.map((id, index) =>
      isForge
        ? `  - { id: ${id}, issue: ${index + 1}, goal: "change src/${id}.txt" }`
        : `  - { id: ${id}, goal: "change src/${id}.txt" }`,
    ),
    "",
  ];
  writeFileSync(options.file, lines.join("\n"));
  return options.file;
}
