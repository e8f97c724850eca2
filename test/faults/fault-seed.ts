/**
 * Seeds for the fault suites: from SUPERVISE_FAULT_SEED when set (to replay a failure), else
 * fixed, and always printed, so any failing run can be repeated exactly.
 */
export function faultSeed(suite: string, fallback: number): number {
  const fromEnvironment = process.env.SUPERVISE_FAULT_SEED;
  const seed = fromEnvironment === undefined ? fallback : Number(fromEnvironment);
  if (!Number.isInteger(seed))
    throw new Error(`SUPERVISE_FAULT_SEED must be an integer, got ${fromEnvironment}`);
  process.stderr.write(`[faults] ${suite}: seed ${seed} (replay with SUPERVISE_FAULT_SEED=${seed})\n`);
  return seed;
}

/** A small seeded generator (LCG): the same seed gives the same kill points and fault schedule. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}
