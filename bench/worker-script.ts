/**
 * The bench's `command` worker: a tiny bash script that edits its workstream's file, commits and
 * claims. The forge variant also opens the pull request and merges it once CI is green. The same
 * script runs under the supervisor and in the floor (with a `supervise` that does nothing).
 */
import { chmodSync, writeFileSync } from "node:fs";

export type BenchVariant = "local" | "forge";

const edit = `file="src/$SUPERVISE_WORKSTREAM.txt"
echo "changed by $SUPERVISE_WORKSTREAM" >> "$file"
git add "$file"
git -c user.name=bench -c user.email=bench@example.invalid commit -qm "change $SUPERVISE_WORKSTREAM"
`;

// CI of the forge variant runs `true` in a fresh clone: merging is refused until it is green, so
// the worker tries again a few times rather than polling ci_status (each call starts a process).
const forgeSteps = `supervise tool open_pull_request --input "{\\"title\\": \\"Change $SUPERVISE_WORKSTREAM\\", \\"body\\": \\"Bench change.\\"}" >/dev/null
for attempt in 1 2 3 4 5 6 7 8 9 10; do
  if supervise tool merge_pull_request >/dev/null; then break; fi
  sleep 0.2
done
`;

export function workerScript(variant: BenchVariant): string {
  return [
    "#!/usr/bin/env bash",
    "set -eu",
    "cat >/dev/null # the prompt",
    edit,
    variant === "forge" ? forgeSteps : "",
    `supervise tool claim_done --input '{"summary": "edited, committed"}' >/dev/null`,
    "",
  ].join("\n");
}

export function writeWorkerScript(file: string, variant: BenchVariant): string {
  writeFileSync(file, workerScript(variant));
  chmodSync(file, 0o755);
  return file;
}
