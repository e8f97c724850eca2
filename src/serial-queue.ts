/**
 * Tasks that must not overlap (two writes to one file, two read-then-write forge operations, two
 * git commands racing on one repository's locks) run one at a time, in the order they were queued.
 */

/** Runs `task` once every task queued before it has settled; a failure rejects its own caller only. */
export type SerialQueue = <T>(task: () => Promise<T>) => Promise<T>;

export function createSerialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const result = tail.then(task);
    tail = result.catch(() => undefined);
    return result;
  };
}
