/**
 * How many requests the forge has at GitHub at once. GitHub's guidance for integrations: few
 * concurrent requests, mutations one at a time with a pause between them, or the secondary rate
 * limit answers 403 for minutes. The gate sits at the transport, so Octokit's retries (which wait
 * outside it) and every page of a paginated read pass through it one request at a time.
 *
 * plugin-throttling has write and notification limiters of its own (one second and three seconds
 * between writes, on real timers); the client replaces them with pass-throughs so this gate is the
 * one policy, with a spacing tests can set to zero.
 */
import type { Clock } from "../../clock.ts";
import { createSerialQueue } from "../../serial-queue.ts";

export interface RequestGateOptions {
  maxInFlight: number;
  /** Pause between the end of one mutation and the start of the next. */
  writeSpacingMs: number;
  clock: Clock;
  sleep: (ms: number) => Promise<void>;
}

export interface RequestGate {
  /** Runs `task` when a slot is free; a write also waits for the previous write and the spacing. */
  run<T>(kind: "read" | "write", task: () => Promise<T>): Promise<T>;
}

export function createRequestGate(options: RequestGateOptions): RequestGate {
  const slots = createSemaphore(options.maxInFlight);
  const writes = createSerialQueue();
  let lastWriteEndMs = Number.NEGATIVE_INFINITY;

  async function runWrite<T>(task: () => Promise<T>): Promise<T> {
    const waitMs = lastWriteEndMs + options.writeSpacingMs - options.clock.now();
    if (waitMs > 0) await options.sleep(waitMs);
    try {
      return await slots.hold(task);
    } finally {
      lastWriteEndMs = options.clock.now();
    }
  }

  return {
    run<T>(kind: "read" | "write", task: () => Promise<T>): Promise<T> {
      if (kind === "read") return slots.hold(task);
      return writes(() => runWrite(task));
    },
  };
}

function createSemaphore(size: number): { hold<T>(task: () => Promise<T>): Promise<T> } {
  let free = size;
  const waiting: (() => void)[] = [];
  return {
    async hold<T>(task: () => Promise<T>): Promise<T> {
      if (free > 0) free -= 1;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await task();
      } finally {
        const next = waiting.shift();
        if (next) next();
        else free += 1;
      }
    },
  };
}
