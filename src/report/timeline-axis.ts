/**
 * The HTML timeline's time axis. Time in which nothing but waits for a human happen (every
 * workstream still open is waiting on a person, or done) is drawn short, so one four-minute wait
 * does not squash the lanes where the work happened into a sliver. Pure: intervals in, positions out.
 */

export interface Interval {
  fromMs: number;
  toMs: number;
}

/** Share of the axis a compressed wait takes at most, whatever its length. */
const compressedShare = 0.04;

export interface TimeAxis {
  /** Where `offsetMs` (since the run started) is drawn, in percent of the axis. */
  percentAt(offsetMs: number): number;
  /** The waits drawn short, in ms since the run started. */
  compressed: readonly Interval[];
}

/** One workstream's lane: its span, and the waits for a human within it. */
export interface Lane {
  span: Interval | null;
  waits: readonly Interval[];
}

/** The waits that no lane's work (its span minus its own waits) overlaps are compressed. */
export function timeAxis(spanMs: number, lanes: readonly Lane[]): TimeAxis {
  const waiting = lanes.flatMap((lane) => lane.waits);
  const working = lanes.flatMap((lane) =>
    lane.span === null ? [] : subtract([lane.span], union(lane.waits)),
  );
  const compressed = subtract(union(waiting), union(working))
    .map((interval) => ({ fromMs: Math.max(0, interval.fromMs), toMs: Math.min(spanMs, interval.toMs) }))
    .filter((interval) => interval.toMs > interval.fromMs);
  const shortMs = compressedShare * spanMs;
  const drawnMs = (interval: Interval) => Math.min(interval.toMs - interval.fromMs, shortMs);
  const totalMs = Math.max(
    1,
    spanMs -
      compressed.reduce((sum, interval) => sum + (interval.toMs - interval.fromMs - drawnMs(interval)), 0),
  );
  return {
    compressed,
    percentAt(offsetMs) {
      const clamped = Math.min(Math.max(offsetMs, 0), spanMs);
      let drawn = clamped;
      for (const interval of compressed) {
        if (clamped <= interval.fromMs) break;
        const length = interval.toMs - interval.fromMs;
        const inside = Math.min(clamped, interval.toMs) - interval.fromMs;
        drawn -= inside - (inside * drawnMs(interval)) / length;
      }
      return (100 * drawn) / totalMs;
    },
  };
}

/** The intervals merged where they overlap or touch, in order. */
export function union(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals
    .filter((interval) => interval.toMs > interval.fromMs)
    .sort((a, b) => a.fromMs - b.fromMs);
  const merged: Interval[] = [];
  for (const interval of sorted) {
    const last = merged.at(-1);
    if (last !== undefined && interval.fromMs <= last.toMs) last.toMs = Math.max(last.toMs, interval.toMs);
    else merged.push({ ...interval });
  }
  return merged;
}

/** `from` minus `cut`, both merged and in order. */
function subtract(from: readonly Interval[], cut: readonly Interval[]): Interval[] {
  const result: Interval[] = [];
  for (const interval of from) {
    let pieces = [interval];
    for (const removed of cut) {
      pieces = pieces.flatMap((piece) => {
        if (removed.toMs <= piece.fromMs || removed.fromMs >= piece.toMs) return [piece];
        return [
          { fromMs: piece.fromMs, toMs: removed.fromMs },
          { fromMs: removed.toMs, toMs: piece.toMs },
        ].filter((part) => part.toMs > part.fromMs);
      });
    }
    result.push(...pieces);
  }
  return result;
}
