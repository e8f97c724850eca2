/**
 * Where a command's output goes while it runs: the capped buffer for the result, the uncapped
 * log file, and the live callback. One place owns the arrival order, so all three see the same
 * sequence of bytes.
 */
import type { WriteStream } from "node:fs";
import { mkdir, open } from "node:fs/promises";
import { dirname } from "node:path";
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import type { OutputBuffer } from "./output-buffer.ts";

export interface OutputDestinations {
  buffer: OutputBuffer;
  log: LogFile | undefined;
  onOutput: ((chunk: string) => void) | undefined;
}

export interface LogFile {
  readonly path: string;
  readonly stream: WriteStream;
}

/** Creates the log's folder and opens the log for writing, truncating an earlier one. */
export async function openLogFile(path: string): Promise<LogFile> {
  await mkdir(dirname(path), { recursive: true });
  const handle = await open(path, "w");
  return { path, stream: handle.createWriteStream() };
}

/**
 * Reads every stream into the destinations, in the order chunks arrive. When the log file falls
 * behind, the streams are paused, so the pipe's own backpressure slows the command down instead
 * of the supervisor's memory growing with the output.
 */
export function connectOutput(streams: Readable[], destinations: OutputDestinations): ConnectedOutput {
  const { buffer, log, onOutput } = destinations;
  let logFailure: Error | undefined;
  const resumeAll = () => {
    for (const stream of streams) stream.resume();
  };
  log?.stream.on("drain", resumeAll);
  log?.stream.on("error", (error) => {
    logFailure ??= error;
    resumeAll();
  });

  for (const stream of streams) {
    const decoder = new StringDecoder("utf8");
    stream.on("data", (data: Buffer | string) => {
      const chunk = typeof data === "string" ? Buffer.from(data) : data;
      buffer.append(chunk);
      if (log !== undefined && logFailure === undefined && !log.stream.write(chunk)) {
        for (const paused of streams) paused.pause();
      }
      const text = decoder.write(chunk);
      if (onOutput !== undefined && text !== "") onOutput(text);
    });
    stream.on("end", () => {
      const rest = decoder.end();
      if (onOutput !== undefined && rest !== "") onOutput(rest);
    });
  }

  return {
    async close() {
      if (log === undefined) return null;
      if (logFailure === undefined)
        await endStream(log.stream).catch((error: Error) => (logFailure ??= error));
      else log.stream.destroy();
      return logFailure === undefined
        ? null
        : `Could not write the log file ${log.path}: ${logFailure.message}`;
    },
  };
}

export interface ConnectedOutput {
  /** Flushes and closes the log; resolves to a message when writing it failed, otherwise null. */
  close(): Promise<string | null>;
}

function endStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once("error", reject);
    stream.end(() => resolve());
  });
}
