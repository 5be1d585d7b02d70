/**
 * How long and how hard to measure. `quick` runs the whole catalogue's full measurement in
 * about 2 minutes on the 2-core reference machine (59 scenario x mode jobs, each child paying
 * ~0.13 s to start) and gives a comparison 4 replicates per job and round; `full` spends ~10x
 * longer per job for tighter error bars.
 */
import { UsageError } from '../support/errors.ts';

export interface Profile {
  name: string;
  /**
   * benchmark.js options, in seconds: sampling time, the minimum sample count, and the
   * shortest cycle (one sample). hrtime has ns resolution, so 20 ms cycles are precise and
   * give quick runs ~10 samples instead of benchmark.js's default 50 ms cycles.
   */
  bench: { maxTime: number; minSamples: number; minTime: number };
  /** Untimed calls before benchmark.js starts (ms), so its first samples aren't JIT warm-up. */
  warmupMs: number;
  /** The separate per-op latency pass: stops at maxOps or maxMs, but runs minOps at least. */
  latency: { maxOps: number; maxMs: number; minOps: number };
  /**
   * Heap bytes/op: windows kept (median reported), ops per window at most, retries after a GC,
   * and the longest a window may run (slow ops get fewer ops per window).
   */
  heap: { windows: number; opsPerWindow: number; maxAttempts: number; windowMs: number };
  /** Worker-thread scaling: an unrecorded warm-up, then timed rounds. */
  scaling: { warmupMs: number; rounds: number; roundMs: number };
  /**
   * A comparison replicate (replicate-pair.ts): each side's untimed warm-up, the length and
   * count of its timed windows, and how many replicates a job gets per round (one child
   * process runs them).
   */
  replicate: {
    warmupMs: number;
    maxWarmupMs: number;
    windowMs: number;
    windows: number;
    pairsPerRound: number;
  };
  /** A child process running longer than this is killed and its job marked failed. */
  childTimeoutMs: number;
}

export const PROFILES: Record<'quick' | 'full', Profile> = {
  quick: {
    name: 'quick',
    bench: { maxTime: 0.15, minSamples: 5, minTime: 0.02 },
    warmupMs: 50,
    latency: { maxOps: 20_000, maxMs: 100, minOps: 3 },
    heap: { windows: 3, opsPerWindow: 1_000, maxAttempts: 8, windowMs: 10 },
    scaling: { warmupMs: 100, rounds: 3, roundMs: 150 },
    replicate: { warmupMs: 40, maxWarmupMs: 400, windowMs: 1, windows: 24, pairsPerRound: 4 },
    childTimeoutMs: 120_000,
  },
  full: {
    name: 'full',
    bench: { maxTime: 2, minSamples: 20, minTime: 0.05 },
    warmupMs: 500,
    latency: { maxOps: 500_000, maxMs: 2_000, minOps: 20 },
    heap: { windows: 5, opsPerWindow: 10_000, maxAttempts: 12, windowMs: 50 },
    scaling: { warmupMs: 500, rounds: 5, roundMs: 1_000 },
    replicate: { warmupMs: 200, maxWarmupMs: 2_000, windowMs: 5, windows: 40, pairsPerRound: 6 },
    childTimeoutMs: 600_000,
  },
};

export type ProfileName = keyof typeof PROFILES;

export function getProfile(name: string): Profile {
  if (name === 'quick' || name === 'full') return PROFILES[name];
  throw new UsageError(
    `unknown profile "${name}"`,
    `use --profile quick (the whole catalogue in under 3 minutes) or --profile full`,
  );
}
