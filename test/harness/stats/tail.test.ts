/**
 * The own-tail statistic (harness/stats/tail.ts) and the tail red flag on synthetic latency
 * distributions: what the machine adds to op and floor alike is not the op's; what only the op
 * has is. No clock is read here: the samples are made up, so the verdicts are exact.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../harness/config/perf-config.ts';
import { evaluateRedFlags } from '../../../harness/judge/red-flags.ts';
import { latencyFigures } from '../../../harness/measure/measure.ts';
import { Prng } from '../../../harness/support/prng.ts';
import { ownQuantile, quantileSorted } from '../../../harness/stats/tail.ts';
import { okResult, resultsFile } from '../helpers.ts';

const N = 20_000;

/** The machine: every op and floor call alike has `rate` chance of a stall of 8-16 µs. */
function machine(rng: Prng, rate: number): number {
  return rng.nextU32() / 2 ** 32 < rate ? 8_000 + rng.nextInt(8_000) : 0;
}

/** A 250 ns op with jitter, on a machine that stalls with `rate`. */
function sample(
  rate: number,
  opExtra: (k: number) => number = () => 0,
  seed = 42n,
  n = N,
): { op: Float64Array; floor: Float64Array } {
  const rng = new Prng(seed);
  const op = new Float64Array(n);
  const floor = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    op[k] = 240 + rng.nextInt(20) + machine(rng, rate) + opExtra(k);
    floor[k] = 240 + rng.nextInt(20) + machine(rng, rate);
  }
  return { op, floor };
}

const sorted = (a: Float64Array): Float64Array => Float64Array.from(a).sort();

/** The tail red flag's verdict on one scenario with these samples. */
function tailFlag(op: Float64Array, floor: Float64Array) {
  const latency = latencyFigures(op, floor, 60, 25);
  const file = resultsFile([
    okResult({ id: 'kvstore/get/uniform', name: 'kvstore/get/uniform', latency }),
  ]);
  const flag = evaluateRedFlags(file, loadConfig()).find((f) => f.id === 'p99-over-mean');
  if (flag === undefined) throw new Error('no tail flag');
  return { flag, latency };
}

describe('ownQuantile', () => {
  it('is the plain p99 when the floor is empty', () => {
    const { op } = sample(0.03);
    const s = sorted(op);
    expect(ownQuantile(s, new Float64Array(0))).toBe(quantileSorted(s, 0.99));
  });

  it('a tail the floor has too is not the op’s: 3% stalls on both leave the op’s body', () => {
    const { op, floor } = sample(0.03);
    const raw = quantileSorted(sorted(op), 0.99);
    const own = ownQuantile(sorted(op), sorted(floor));
    expect(raw).toBeGreaterThan(8_000);
    expect(own).toBeLessThan(300);
  });

  it('a tail only the op has is kept: a 200 µs pause every 80 ops', () => {
    const pause = (k: number): number => (k % 80 === 79 ? 200_000 : 0);
    const { op, floor } = sample(0.03, pause);
    expect(ownQuantile(sorted(op), sorted(floor))).toBeGreaterThanOrEqual(200_000);
  });

  it('never exceeds the raw p99 nor falls below the median', () => {
    const { op, floor } = sample(0.002);
    const s = sorted(op);
    const own = ownQuantile(s, sorted(floor));
    expect(own).toBeGreaterThanOrEqual(quantileSorted(s, 0.5));
    expect(own).toBeLessThanOrEqual(quantileSorted(s, 0.99));
  });

  it('sampling noise alone does not make a tail: 20 seeds of identical distributions', () => {
    for (let seed = 1n; seed <= 20n; seed++) {
      const { op, floor } = sample(0.012, () => 0, seed);
      expect(ownQuantile(sorted(op), sorted(floor))).toBeLessThan(300);
    }
  });

  it('nor does it in a short pass (300 ops, as a strict-mode op gets), thanks to the margin', () => {
    for (let seed = 1n; seed <= 40n; seed++) {
      const { op, floor } = sample(0.03, () => 0, seed, 300);
      expect(ownQuantile(sorted(op), sorted(floor))).toBeLessThan(300);
    }
  });
});

describe('the tail red flag on synthetic distributions', () => {
  it('a machine tail present in the floor too is not a fail, and says the machine’s figure', () => {
    const { op, floor } = sample(0.03);
    const { flag, latency } = tailFlag(op, floor);
    expect(latency.p99 / latency.mean).toBeGreaterThan(20);
    expect(flag.verdict).toBe('not-applicable');
    expect(flag.reason).toMatch(/this machine's own p99\/mean is \d+\.\d×/);
    expect(flag.floor?.figure).toBeGreaterThan(20);
  });

  it('a small machine tail (below the threshold in the floor) passes, judged on the own tail', () => {
    const { op, floor } = sample(0.005);
    const { flag } = tailFlag(op, floor);
    expect(flag.verdict).toBe('pass');
    expect(flag.figure).toBeLessThan(2);
  });

  it('an engine tail absent in the floor fails: a 200 µs busy pause every 80 ops', () => {
    const pause = (k: number): number => (k % 80 === 79 ? 200_000 : 0);
    for (const rate of [0, 0.03]) {
      const { op, floor } = sample(rate, pause);
      const { flag } = tailFlag(op, floor);
      expect(flag.verdict).toBe('fail');
      expect(flag.figure).toBeGreaterThan(20);
      expect(flag.spread?.over).toBe('4 quarters of the latency pass');
    }
  });
});
