import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { listenForStopSignals } from "../../src/cli/stop-signals.ts";

function setUp() {
  const source = new EventEmitter();
  const said: string[] = [];
  let exits = 0;
  const stops = listenForStopSignals({
    source,
    announcer: {
      stopping: (text) => said.push(`stopping: ${text}`),
      exiting: (text) => said.push(`exiting: ${text}`),
    },
    stoppingMessage: "Stopping.",
    exitingMessage: "Exiting now.",
    exit: () => {
      exits += 1;
    },
  });
  return { source, said, stops, exits: () => exits };
}

describe("stop signals", () => {
  it("stop gracefully on one Ctrl-C, and exit at once on a second", () => {
    const { source, said, stops, exits } = setUp();
    source.emit("SIGINT");
    expect(stops.signal.aborted).toBe(true);
    expect(said).toEqual(["stopping: Stopping."]);
    expect(exits()).toBe(0);
    source.emit("SIGINT");
    expect(said).toEqual(["stopping: Stopping.", "exiting: Exiting now."]);
    expect(exits()).toBe(1);
  });

  it("take a repeated SIGTERM or SIGHUP as the same request, never as a forced exit", () => {
    const { source, said, stops, exits } = setUp();
    source.emit("SIGTERM");
    source.emit("SIGTERM");
    source.emit("SIGHUP");
    expect(stops.signal.aborted).toBe(true);
    expect(said).toEqual(["stopping: Stopping."]);
    expect(exits()).toBe(0);
    // A person pressing Ctrl-C after a SIGTERM does insist.
    source.emit("SIGINT");
    expect(exits()).toBe(1);
  });

  it("stop silently on a hangup: the terminal is gone", () => {
    const { source, said, stops } = setUp();
    source.emit("SIGHUP");
    expect(stops.signal.aborted).toBe(true);
    expect(said).toEqual([]);
  });

  it("say it through whoever took the terminal over, and through main again once it lets go", () => {
    const { source, said, stops } = setUp();
    const heard: string[] = [];
    const release = stops.announceThrough({
      stopping: (text) => heard.push(`view stopping: ${text}`),
      exiting: (text) => heard.push(`view exiting: ${text}`),
    });
    source.emit("SIGINT");
    release();
    source.emit("SIGQUIT");
    expect(heard).toEqual(["view stopping: Stopping."]);
    expect(said).toEqual(["exiting: Exiting now."]);
  });

  it("stop listening when disposed", () => {
    const { source, stops } = setUp();
    stops.dispose();
    expect(source.listenerCount("SIGINT") + source.listenerCount("SIGTERM")).toBe(0);
  });
});
