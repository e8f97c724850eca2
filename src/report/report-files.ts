/**
 * The report's I/O edge: reads the gate and CI logs the journal names and checks which bundles
 * exist, so everything after it is pure. Reads only inside the state dir, whatever a journal says.
 */
import { open, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import type { RunState } from "../run/index.ts";
import { isUrl, testLogReferences } from "./workstream-tests.ts";

export interface ReportFiles {
  logs: Map<string, string>;
  bundlesPresent: Set<string>;
}

/** Test summaries sit at the end of a log, but cargo and go print results along the way too. */
const headBytes = 1024 * 1024;
const tailBytes = 7 * 1024 * 1024;

export async function readReportFiles(options: {
  stateDirectory: string;
  runDirectory: string;
  state: RunState;
}): Promise<ReportFiles> {
  const { stateDirectory, runDirectory, state } = options;
  const references = new Set(
    [...state.workstreams.values()].flatMap((workstream) => testLogReferences(workstream)),
  );
  const logs = new Map<string, string>();
  await Promise.all(
    [...references].map(async (reference) => {
      if (isUrl(reference)) return;
      const file = isAbsolute(reference) ? reference : join(runDirectory, reference);
      if (!isInside(stateDirectory, file)) return;
      const text = await readCapped(file);
      if (text !== null) logs.set(reference, text);
    }),
  );
  const bundlesPresent = new Set<string>();
  await Promise.all(
    [...state.workstreams.keys()].map(async (id) => {
      if (await isFile(join(runDirectory, "evidence", id, "bundle.md"))) bundlesPresent.add(id);
    }),
  );
  return { logs, bundlesPresent };
}

function isInside(directory: string, file: string): boolean {
  const path = relative(resolve(directory), resolve(file));
  return path !== "" && !path.startsWith("..") && !isAbsolute(path);
}

/** The whole log, or its head and tail when it is large; null when it cannot be read. */
async function readCapped(file: string): Promise<string | null> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, "r");
  } catch {
    return null; // a missing log falls back to the output tail the journal kept
  }
  try {
    const { size } = await handle.stat();
    if (size <= headBytes + tailBytes) return (await handle.readFile()).toString("utf8");
    const head = Buffer.alloc(headBytes);
    const tail = Buffer.alloc(tailBytes);
    await handle.read(head, 0, headBytes, 0);
    await handle.read(tail, 0, tailBytes, size - tailBytes);
    return `${head.toString("utf8")}\n… ${size - headBytes - tailBytes} bytes left out …\n${tail.toString("utf8")}`;
  } catch {
    return null;
  } finally {
    await handle.close();
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}
