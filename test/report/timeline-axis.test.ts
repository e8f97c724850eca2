import { describe, expect, it } from "vitest";
import { timeAxis } from "../../src/report/timeline-axis.ts";

describe("timeAxis", () => {
  it("draws a wait no work overlaps short, so the lanes that worked keep their width", () => {
    // One lane works 0-60 s, another works 0-20 s then waits on a human 20-260 s.
    const axis = timeAxis(260_000, [
      { span: { fromMs: 0, toMs: 60_000 }, waits: [] },
      { span: { fromMs: 0, toMs: 260_000 }, waits: [{ fromMs: 20_000, toMs: 260_000 }] },
    ]);
    expect(axis.compressed).toEqual([{ fromMs: 60_000, toMs: 260_000 }]);
    // 200 s of waiting drawn as 4% of 260 s (10.4 s): the axis is 70.4 s long.
    expect(axis.percentAt(60_000)).toBeCloseTo((100 * 60) / 70.4, 5);
    expect(axis.percentAt(260_000)).toBeCloseTo(100, 5);
    expect(axis.percentAt(160_000)).toBeCloseTo((100 * 65.2) / 70.4, 5);
  });

  it("keeps time to scale when no wait stands alone", () => {
    const axis = timeAxis(100_000, [
      { span: { fromMs: 0, toMs: 100_000 }, waits: [] },
      { span: { fromMs: 0, toMs: 60_000 }, waits: [{ fromMs: 10_000, toMs: 50_000 }] },
    ]);
    expect(axis.compressed).toEqual([]);
    expect(axis.percentAt(25_000)).toBeCloseTo(25, 5);
  });
});
