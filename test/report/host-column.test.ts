/**
 * Where each workstream runs, when the plan places workstreams on worker hosts: the status table
 * (and the live view, which shares it) gains a HOST column, its JSON rows a `host`, and the plain
 * event lines say which host attached, was lost, or had a problem. A run without hosts is unchanged.
 */
import { describe, expect, it } from "vitest";
import { formatEventLine } from "../../src/report/event-line.ts";
import { statusRows, statusTableCells } from "../../src/report/status-table.ts";
import { foldEvents } from "../../src/run/workstream-state.ts";
import { journalEvent } from "../fakes/journal-events.ts";

const at = (seconds: number) => new Date(Date.UTC(2026, 11, 5, 9, 0, seconds)).toISOString();
const sha = "c".repeat(40);
const ids = ["moved", "waiting", "local"];

const events = [
  journalEvent(1, at(0), "run.started", null, {
    run: "r1",
    plan: "/p.yaml",
    workstreams: ids,
    only: null,
    concurrency: 3,
  }),
  journalEvent(2, at(0), "workstream.started", "moved", { goal: "g" }),
  journalEvent(3, at(0), "host.placed", "moved", { queue: "supervise-workstreams", job: "r1.moved" }),
  journalEvent(4, at(1), "host.attached", "moved", {
    host: "h1",
    path: "/w/moved",
    head: sha,
    resumed: false,
  }),
  journalEvent(5, at(2), "host.lost", "moved", {
    host: "h1",
    reason: "the other side closed the connection",
  }),
  journalEvent(6, at(3), "workstream.started", "waiting", { goal: "g" }),
  journalEvent(7, at(3), "host.placed", "waiting", { queue: "supervise-workstreams.gpu", job: "r1.waiting" }),
  journalEvent(8, at(4), "host.problem", "waiting", {
    host: "h3",
    message: "cannot make the checkout: git clone failed",
  }),
  journalEvent(9, at(5), "workstream.started", "local", { goal: "g" }),
];

describe("the host a workstream runs on", () => {
  it("is a column of the status table after STATE, and a field of its JSON rows", () => {
    const state = foldEvents(ids, events);
    const cells = statusTableCells(ids, state, Date.parse(at(10)));
    expect(cells.header.slice(0, 3)).toEqual(["WORKSTREAM", "STATE", "HOST"]);
    expect(cells.rows.map((row) => row.cells[2])).toEqual(["h1 lost", "waiting for a host", "-"]);
    expect(statusRows(ids, state, Date.parse(at(10))).map((row) => row.host)).toEqual([
      "h1 lost",
      "waiting for a host",
      null,
    ]);

    const reattached = foldEvents(ids, [
      ...events,
      journalEvent(10, at(6), "host.attached", "moved", {
        host: "h2",
        path: "/w/moved",
        head: sha,
        resumed: false,
      }),
    ]);
    expect(statusTableCells(ids, reattached, Date.parse(at(10))).rows[0]?.cells[2]).toBe("h2");

    const blocked = foldEvents(ids, [
      ...events,
      journalEvent(10, at(40), "workstream.blocked", "waiting", {
        reason: "no worker host could take waiting",
      }),
    ]);
    expect(statusTableCells(ids, blocked, Date.parse(at(50))).rows[1]?.cells[2]).toBe("no host took it");
  });

  it("leaves the table of a run without hosts as it was", () => {
    const state = foldEvents(["local"], [events[0]!, events[8]!]);
    const cells = statusTableCells(["local"], state, Date.parse(at(10)));
    expect(cells.header).not.toContain("HOST");
    expect(statusRows(["local"], state, Date.parse(at(10)))[0]?.host).toBeNull();
  });

  it("is said in the plain event lines", () => {
    expect(formatEventLine(events[3]!)).toBe("09:00:01 moved host.attached h1");
    expect(formatEventLine(events[4]!)).toBe(
      "09:00:02 moved host.lost h1: the other side closed the connection",
    );
    expect(formatEventLine(events[7]!)).toBe(
      "09:00:04 waiting host.problem h3: cannot make the checkout: git clone failed",
    );
    expect(formatEventLine(events[2]!)).toBe("09:00:00 moved host.placed in supervise-workstreams");
  });
});
