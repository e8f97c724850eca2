import { describe, expect, it } from "vitest";
import { ManualClock } from "../../../src/clock.ts";
import { createRequestGate } from "../../../src/forge/github/request-gate.ts";

/** A task the test finishes by hand, recording when it started. */
function controlledTask(started: string[], name: string) {
  let finish: () => void = () => {};
  let fail: (error: Error) => void = () => {};
  const task = () => {
    started.push(name);
    return new Promise<string>((resolve, reject) => {
      finish = () => resolve(name);
      fail = reject;
    });
  };
  return { task, finish: () => finish(), fail: (error: Error) => fail(error) };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("the request gate", () => {
  it("keeps at most maxInFlight requests at GitHub, starting the next as one ends", async () => {
    const clock = new ManualClock();
    const gate = createRequestGate({ maxInFlight: 2, writeSpacingMs: 0, clock, sleep: async () => {} });
    const started: string[] = [];
    const tasks = ["a", "b", "c", "d"].map((name) => controlledTask(started, name));
    const results = tasks.map((entry) => gate.run("read", entry.task));
    await settle();
    expect(started).toEqual(["a", "b"]);
    tasks[1]?.finish();
    await settle();
    expect(started).toEqual(["a", "b", "c"]);
    tasks[0]?.finish();
    tasks[2]?.finish();
    await settle();
    tasks[3]?.finish();
    expect(await Promise.all(results)).toEqual(["a", "b", "c", "d"]);
  });

  it("runs writes one at a time, spaced from the end of the previous one, and a failed write does not block the next", async () => {
    const clock = new ManualClock();
    const sleeps: number[] = [];
    const gate = createRequestGate({
      maxInFlight: 4,
      writeSpacingMs: 1000,
      clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.advance(ms);
      },
    });
    const started: string[] = [];
    const first = controlledTask(started, "first");
    const second = controlledTask(started, "second");
    const third = controlledTask(started, "third");
    const firstResult = gate.run("write", first.task);
    const secondResult = gate.run("write", second.task);
    const read = gate.run("read", async () => "read");
    await settle();
    expect(started).toEqual(["first"]);
    expect(await read).toBe("read"); // reads pass beside a running write

    clock.advance(300);
    first.fail(new Error("GitHub said no"));
    await expect(firstResult).rejects.toThrow("GitHub said no");
    await settle();
    expect(started).toEqual(["first", "second"]);
    expect(sleeps).toEqual([1000]); // the first write ended just now

    second.finish();
    await secondResult;
    clock.advance(5000);
    const thirdResult = gate.run("write", third.task);
    await settle();
    third.finish();
    expect(await thirdResult).toBe("third");
    expect(sleeps).toEqual([1000]); // long enough since the second write: no wait
  });
});
