import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeSuperviseShim as writeWorkerShim } from "../../../agent/index.ts";

/** The `supervise` command on a worker's PATH runs this very CLI on the same Node (or curl, for `tool`). */
export function writeSuperviseShim(runDirectory: string): Promise<string> {
  return writeWorkerShim(join(runDirectory, "bin"), { nodePath: process.execPath, cliPath: cliPath() });
}

/** This installation's entry file: the shim runs it, so the sandbox must let workers read it. */
export function cliPath(): string {
  return fileURLToPath(new URL("../../../cli.ts", import.meta.url));
}
