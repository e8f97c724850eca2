/**
 * The run's one cleanup stack: what the run makes (the state lock, the journal, sockets, a cgroup,
 * the forge, the live view) is undone in reverse order on every way out, with `await using`.
 */

type Cleanup = () => unknown;

const noop = () => undefined;

export class CleanupStack implements AsyncDisposable {
  readonly #stack = new AsyncDisposableStack();

  /**
   * Runs `cleanup` on the way out, before everything deferred earlier. Its own failure is dropped:
   * a cleanup must not hide the run's outcome or error (AsyncDisposableStack would throw it, wrapped
   * in a SuppressedError).
   */
  defer(cleanup: Cleanup): void {
    this.#stack.defer(async () => {
      try {
        await cleanup();
      } catch {
        // Dropped on purpose; see above.
      }
    });
  }

  /**
   * A step started now and awaited later: handled at once (a step in between may fail first, and
   * its rejection must not go unhandled), and settled on the way out before anything deferred
   * earlier is undone (the state lock above all).
   */
  awaitOnExit(step: Promise<unknown>): void {
    step.catch(noop);
    this.defer(() => step.then(noop, noop));
  }

  /**
   * Awaits steps started together; each one that succeeded gets its cleanup deferred even when
   * another failed, so nothing made (a listening socket, a cgroup) outlives a failed start. The
   * first failure is rethrown.
   */
  async settledInOrder<const T extends readonly Promise<unknown>[]>(
    steps: T,
    cleanupsOf: { [K in keyof T]: ((value: Awaited<T[K]>) => unknown) | undefined },
  ): Promise<{ [K in keyof T]: Awaited<T[K]> }> {
    const outcomes = await Promise.allSettled(steps);
    outcomes.forEach((outcome, index) => {
      const cleanup = cleanupsOf[index] as ((value: unknown) => unknown) | undefined;
      if (outcome.status === "fulfilled" && cleanup) this.defer(() => cleanup(outcome.value));
    });
    const failure = outcomes.find((outcome) => outcome.status === "rejected");
    if (failure) throw failure.reason;
    return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as {
      [K in keyof T]: Awaited<T[K]>;
    };
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.#stack.disposeAsync();
  }
}
