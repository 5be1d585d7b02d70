import { describe, expect, it } from 'vitest';
import { PROFILES, getProfile, type Profile } from '../../../harness/config/profiles.ts';
import { UsageError } from '../../../harness/support/errors.ts';

describe('getProfile', () => {
  it('returns the named profile', () => {
    expect(getProfile('quick')).toBe(PROFILES.quick);
    expect(getProfile('full')).toBe(PROFILES.full);
    expect(PROFILES.quick.name).toBe('quick');
    expect(PROFILES.full.name).toBe('full');
  });

  it('refuses any other name (case included) with a UsageError that says what to use', () => {
    for (const name of ['fast', 'Quick', '', 'tiny']) {
      let thrown: unknown;
      try {
        getProfile(name);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(UsageError);
      expect((thrown as UsageError).message).toBe(`unknown profile "${name}"`);
      expect((thrown as UsageError).hint).toMatch(/--profile quick .*--profile full/);
    }
  });
});

describe('the profiles', () => {
  const both: Array<[string, Profile]> = Object.entries(PROFILES);

  it.each(both)('%s is internally consistent', (_name, p) => {
    expect(p.bench.minTime).toBeLessThan(p.bench.maxTime);
    expect(p.bench.minSamples).toBeGreaterThanOrEqual(5);
    expect(p.latency.minOps).toBeLessThanOrEqual(p.latency.maxOps);
    // A median of the heap windows, and a median of the replicate windows (windowCount's floor).
    expect(p.heap.windows).toBeGreaterThanOrEqual(3);
    expect(p.heap.maxAttempts).toBeGreaterThan(p.heap.windows);
    expect(p.replicate.windows).toBeGreaterThanOrEqual(3);
    expect(p.replicate.warmupMs).toBeLessThanOrEqual(p.replicate.maxWarmupMs);
    expect(p.scaling.rounds).toBeGreaterThanOrEqual(1);
    // A child must have time for every pass of its job.
    const passesMs =
      p.warmupMs +
      p.bench.maxTime * 1000 +
      p.latency.maxMs +
      p.scaling.warmupMs +
      p.scaling.rounds * p.scaling.roundMs;
    expect(p.childTimeoutMs).toBeGreaterThan(10 * passesMs);
  });

  it('full measures longer than quick in every respect', () => {
    const q = PROFILES.quick;
    const f = PROFILES.full;
    expect(f.bench.maxTime).toBeGreaterThan(q.bench.maxTime);
    expect(f.bench.minSamples).toBeGreaterThan(q.bench.minSamples);
    expect(f.warmupMs).toBeGreaterThan(q.warmupMs);
    expect(f.latency.maxOps).toBeGreaterThan(q.latency.maxOps);
    expect(f.heap.windows).toBeGreaterThan(q.heap.windows);
    expect(f.scaling.roundMs).toBeGreaterThan(q.scaling.roundMs);
    expect(f.replicate.windows).toBeGreaterThan(q.replicate.windows);
    expect(f.replicate.pairsPerRound).toBeGreaterThan(q.replicate.pairsPerRound);
    expect(f.childTimeoutMs).toBeGreaterThan(q.childTimeoutMs);
  });

  it('quick gives a comparison 4 replicates per job and round (the module comment)', () => {
    expect(PROFILES.quick.replicate.pairsPerRound).toBe(4);
  });
});
