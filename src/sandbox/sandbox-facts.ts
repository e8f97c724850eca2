/**
 * How a run's commands were sandboxed, as recorded in `run.started` and shown by `status` and in
 * every bundle: a reviewer must see when commands ran without isolation, with the host's network,
 * or without a bound on their processes. Pure.
 */
import type { ProcessLimitFacts } from "./process-limit.ts";

export interface SandboxFacts {
  isolation: string;
  /** `none`, `host` or `{ allow: [hosts] }`. */
  network: string | { allow: string[] };
  /** The plan's bound; absent in journals written before it existed. */
  max_processes?: number;
  /** What enforced it on the machine of the run; absent when not recorded. */
  process_limit?: { kind: ProcessLimitFacts["kind"]; max_processes: number | null; detail: string };
}

/** The facts of a run: the plan's sandbox settings and what this machine could enforce. */
export function sandboxFacts(
  sandbox: { isolation: string; network: string | { allow: string[] }; max_processes: number },
  processLimit: ProcessLimitFacts,
): SandboxFacts {
  return {
    isolation: sandbox.isolation,
    network: typeof sandbox.network === "string" ? sandbox.network : { allow: [...sandbox.network.allow] },
    max_processes: sandbox.max_processes,
    process_limit: {
      kind: processLimit.kind,
      max_processes: processLimit.maxProcesses,
      detail: processLimit.detail,
    },
  };
}

/** One line, e.g. `bwrap, network allow-list (registry.npmjs.org), processes ≤ 1024 (cgroup v1)`. */
export function describeSandbox(facts: SandboxFacts): string {
  const processes = describeProcesses(facts);
  if (facts.isolation === "none") {
    return `NONE (commands ran without OS isolation)${processes ? `, ${processes}` : ""}`;
  }
  const network =
    typeof facts.network === "string" ? facts.network : `allow-list (${facts.network.allow.join(", ")})`;
  return `${facts.isolation}, network ${network}${processes ? `, ${processes}` : ""}`;
}

function describeProcesses(facts: SandboxFacts): string {
  const limit = facts.process_limit;
  if (limit === undefined) {
    return facts.max_processes === undefined ? "" : `processes ≤ ${facts.max_processes}`;
  }
  switch (limit.kind) {
    case "cgroup-v1":
    case "cgroup-v2":
      return `processes ≤ ${limit.max_processes} (${limit.kind.replace("-", " ")} pids.max)`;
    case "rlimit":
      return `processes ≤ ${limit.max_processes} for the whole user (RLIMIT_NPROC)`;
    case "none":
      return `processes NOT bounded (${limit.detail})`;
  }
}
