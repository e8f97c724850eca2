/**
 * Where a workstream's sandboxed commands keep HOME between commands, in its run's folder
 * (`runs/<run>/workstreams/<id>/`), so builds stay incremental across commands and claims. Never
 * shared between workstreams: one worker's caches are no other workstream's evidence. Commands at
 * the base commit have caches of their own (`runs/<run>/base-cache/`), which no claim's code writes.
 *
 * The worker and the gates get separate folders, and the gates keep only caches. A worker can write
 * anything into its own HOME, and configuration there changes what a tool runs: `~/.npmrc`
 * (`script-shell`, a registry), `~/.gitconfig` (`core.hooksPath`, `core.fsmonitor`),
 * `~/.cargo/config.toml` (`[build] rustc-wrapper`, `[alias]`), `~/.config/go/env` (`GOFLAGS=-toolexec`),
 * `pip.conf`. A gate that read it would run what the worker substituted (the toolchain substitution
 * of issue 16). So the worker's HOME is whole and its own (`home/`), and each gate command starts
 * from an empty HOME with only `~/.cache` kept (`gate-cache/`), written by gate runs alone. What
 * stays shared within the gates is cache content, which the tools address by content or verify
 * (Go's action IDs, go.sum, npm's integrity hashes); the claim's code runs there too, so the cache
 * is trusted as far as the claim's own run is, no further.
 */
import { join } from "node:path";
import type { CommandHome } from "../../../sandbox/index.ts";

export interface WorkstreamHomes {
  /**
   * Commands at the base commit, for every workstream (diff_scope's base run is shared by all of
   * them): caches only, written by base runs alone, never by a claim's code.
   */
  base: CommandHome;
  /** The worker's commands: its agent process and its `bash` tool calls. */
  worker(workstreamId: string): CommandHome;
  /**
   * The commands the supervisor runs for it at the claim: local_check, release_build, plan gates,
   * diff_scope's run, the 127 check's lookup, and its local CI.
   */
  gates(workstreamId: string): CommandHome;
}

export function workstreamHomes(runDirectory: string): WorkstreamHomes {
  const folderOf = (workstreamId: string) => join(runDirectory, "workstreams", workstreamId);
  return {
    base: { kind: "caches", directory: join(runDirectory, "base-cache") },
    worker: (workstreamId) => ({ kind: "whole", directory: join(folderOf(workstreamId), "home") }),
    gates: (workstreamId) => ({ kind: "caches", directory: join(folderOf(workstreamId), "gate-cache") }),
  };
}
