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
import { execa } from "execa";

export interface FloorOptions {
  directory: string;
  repository: string;
  workstreamIds: readonly string[];
  workerScript: string;
  checkCommand: string;
  concurrency: number;
}

export async function measureFloor(options: FloorOptions): Promise<{ wallMs: number }> {
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
  return { wallMs: performance.now() - startedMs };
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
