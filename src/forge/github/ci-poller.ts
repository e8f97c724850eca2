/**
 * One poll schedule per commit, shared by everything that asks about its CI: the worker's
 * ci_status, the merge's wait and ci_green's wait. The pause before the next read grows from
 * 10 s to 2 min while nothing changes, starts over when something does, and is never shorter than
 * GitHub asks (`x-poll-interval`, `retry-after`). Reads are conditional requests, so an unchanged
 * answer is a free 304; the schedule keeps even those few.
 *
 * A read is always a new request; only `poll` (the worker asking again and again) may answer
 * with the last read while the next one is not due. Gates read: their verdicts never rest on an
 * answer from before the claim.
 */
import type { Clock } from "../../clock.ts";
import type { CiStatus } from "../forge.ts";
import type { CiObservation } from "./ci-reader.ts";

export interface CiPollTiming {
  initialIntervalMs: number;
  maxIntervalMs: number;
}

export interface CiPoller {
  /** Asks GitHub now, and moves the commit's schedule on. */
  read(sha: string): Promise<CiStatus>;
  /** The last read while the next is not due (joining one in flight), else a new read. */
  poll(sha: string): Promise<CiStatus>;
  /** How long until the next read of `sha` is due; 0 when it is due now or was never read. */
  dueInMs(sha: string): number;
}

interface Schedule {
  status: CiStatus;
  readAtMs: number;
  /** When the read behind `status` was sent: an older read finishing later never replaces it. */
  sentAtMs: number;
  intervalMs: number;
  /** The longest wait GitHub's last answer asked for. */
  pollAfterMs: number;
  fingerprint: string;
}

/** Commits whose schedule is kept; a forgotten one only starts again at the first pause. */
const maxCommits = 500;

export function createCiPoller(options: {
  read: (sha: string) => Promise<CiObservation>;
  clock: Clock;
  timing: CiPollTiming;
}): CiPoller {
  const { clock, timing } = options;
  const schedules = new Map<string, Schedule>();
  const inFlight = new Map<string, Promise<CiStatus>>();

  function dueInMs(sha: string): number {
    const schedule = schedules.get(sha);
    if (!schedule) return 0;
    const dueAtMs = schedule.readAtMs + Math.max(schedule.intervalMs, schedule.pollAfterMs);
    return Math.max(0, dueAtMs - clock.now());
  }

  function record(sha: string, observation: CiObservation, sentAtMs: number): void {
    const previous = schedules.get(sha);
    if (previous && previous.sentAtMs > sentAtMs) return;
    const fingerprint = fingerprintOf(observation.status);
    const intervalMs =
      previous?.fingerprint === fingerprint
        ? Math.min(previous.intervalMs * 2, timing.maxIntervalMs)
        : timing.initialIntervalMs;
    schedules.delete(sha);
    schedules.set(sha, {
      status: observation.status,
      readAtMs: clock.now(),
      sentAtMs,
      intervalMs,
      pollAfterMs: observation.pollAfterMs,
      fingerprint,
    });
    if (schedules.size > maxCommits) {
      const oldest = schedules.keys().next().value;
      if (oldest !== undefined) schedules.delete(oldest);
    }
  }

  /** A new read; a poll arriving while it is out joins it instead of sending its own. */
  function read(sha: string): Promise<CiStatus> {
    const sentAtMs = clock.now();
    const reading = options.read(sha).then((observation) => {
      record(sha, observation, sentAtMs);
      return observation.status;
    });
    inFlight.set(sha, reading);
    const forget = () => {
      if (inFlight.get(sha) === reading) inFlight.delete(sha);
    };
    reading.then(forget, forget);
    return reading;
  }

  return {
    read,
    poll(sha) {
      const schedule = schedules.get(sha);
      if (schedule && dueInMs(sha) > 0) return Promise.resolve(schedule.status);
      return inFlight.get(sha) ?? read(sha);
    },
    dueInMs,
  };
}

/** What counts as a change: a check appearing, starting or finishing. */
function fingerprintOf(status: CiStatus): string {
  return JSON.stringify([
    status.state,
    status.checks.map((check) => [check.name, check.status, check.conclusion, check.startedAt]),
  ]);
}
