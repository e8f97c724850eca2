/**
 * The floor a supervisor is measured against: the same work without it. A plain bash script makes
 * the same kind of checkouts (a bare mirror, then `git clone --shared` per workstream), runs the
 * same worker script in each (with a `supervise` on PATH that does nothing) and then the gate
 * command, with the same concurrency (`xargs -P`). Whatever the supervisor takes beyond this is
 * its overhead: journaling, verification, the tool bridge, bundles, the forge.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { execa } from "execa";

export interface FloorOptions {
  directory: string;
  repository: string;
  workstreamIds: readonly string[];
  workerScript: string;
  checkCommand: string;
  concurrency: number;
}

export interface FloorMeasurement {
  /** The floor as a bash script runs it. */
  wallMs: number;
  /** The same commands spawned by a fresh, otherwise idle Node process (node-floor.ts). */
  nodeWallMs: number;
}

const nodeFloorPath = fileURLToPath(new URL("./node-floor.ts", import.meta.url));

export async function measureFloor(options: FloorOptions): Promise<FloorMeasurement> {
  const stubDirectory = join(options.directory, "floor-bin");
  mkdirSync(stubDirectory, { recursive: true });
  writeFileSync(join(stubDirectory, "supervise"), "#!/bin/sh\nexit 0\n");
  chmodSync(join(stubDirectory, "supervise"), 0o755);
  const oneWorkstream = join(options.directory, "floor-one.sh");
  writeFileSync(
    oneWorkstream,
    [
      "#!/usr/bin/env bash",
      "set -eu",
      'id="$1"',
      `checkout="${options.directory}/floor-checkouts/$id"`,
      `git clone -q --shared "${options.directory}/floor-mirror.git" "$checkout"`,
      'cd "$checkout"',
      'git checkout -q -b "supervise/$id"',
      `SUPERVISE_WORKSTREAM="$id" PATH="${stubDirectory}:$PATH" bash "${options.workerScript}" </dev/null`,
      `bash -c ${shellQuote(options.checkCommand)}`,
      "",
    ].join("\n"),
  );
  const all = join(options.directory, "floor.sh");
  writeFileSync(
    all,
    [
      "#!/usr/bin/env bash",
      "set -eu",
      `git clone -q --bare "${options.repository}" "${options.directory}/floor-mirror.git"`,
      `printf '%s\\n' ${options.workstreamIds.join(" ")} | xargs -P ${options.concurrency} -n 1 bash "${oneWorkstream}"`,
      "",
    ].join("\n"),
  );
  const startedMs = performance.now();
  await execa("bash", [all], { cwd: options.directory });
  const wallMs = performance.now() - startedMs;
  const nodeStartedMs = performance.now();
  await execa(
    process.execPath,
    [
      nodeFloorPath,
      options.directory,
      String(options.concurrency),
      options.checkCommand,
      ...options.workstreamIds,
    ],
    { cwd: options.directory },
  );
  return { wallMs, nodeWallMs: performance.now() - nodeStartedMs };
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
