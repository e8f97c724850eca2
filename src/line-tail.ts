/**
 * Reads a file another process appends to, a complete line at a time: what ends in a newline is
 * read once, and a line the writer has not finished stays for the next read. A missing file has no
 * lines yet (the writer has not opened it). Opened afresh on each read, so it holds no descriptor
 * between reads and takes no lock the writer could wait on.
 */
import { type FileHandle, open } from "node:fs/promises";
import { errorMessage, osErrorCode, StateError } from "./errors.ts";

export interface LineTail {
  /** The lines completed since the last read (all of them on the first), without their newlines. */
  readNewLines(): Promise<string[]>;
}

const chunkBytes = 256 * 1024;

export function createLineTail(file: string, describe = "the file"): LineTail {
  let offset = 0;
  return {
    async readNewLines() {
      const bytes = await readFrom(file, offset, describe);
      const end = bytes.lastIndexOf(0x0a);
      if (end < 0) return [];
      offset += end + 1;
      return bytes.subarray(0, end).toString("utf8").split("\n");
    },
  };
}

async function readFrom(file: string, position: number, describe: string): Promise<Buffer> {
  let handle: FileHandle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    if (osErrorCode(error) === "ENOENT") return Buffer.alloc(0);
    throw new StateError(`Cannot read ${describe} ${file}: ${errorMessage(error)}.`, { cause: error });
  }
  try {
    // Up to the size it has now: a writer that never pauses cannot keep one read going.
    const { size } = await handle.stat();
    const length = Math.max(0, size - position);
    const buffer = Buffer.alloc(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead } = await handle.read(
        buffer,
        filled,
        Math.min(chunkBytes, length - filled),
        position + filled,
      );
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}
