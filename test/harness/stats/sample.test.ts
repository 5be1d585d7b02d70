import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { medianInterval, summarize, tCritical95 } from '../../../harness/stats/sample.ts';

describe('tCritical95', () => {
  it("is benchmark.js's two-sided 95 % table up to 30 degrees of freedom", () => {
    expect(tCritical95(1)).toBe(12.706);
    expect(tCritical95(2)).toBe(4.303);
    expect(tCritical95(9)).toBe(2.262);
    expect(tCritical95(30)).toBe(2.042);
  });

  it('decreases towards the normal value, which it is beyond 30', () => {
    for (let df = 2; df <= 30; df++) expect(tCritical95(df)).toBeLessThan(tCritical95(df - 1));
    expect(tCritical95(31)).toBe(1.96);
    expect(tCritical95(10_000)).toBe(1.96);
  });

  it('refuses degrees of freedom that have no t (0, negative, fractional)', () => {
    for (const df of [0, -1, 2.5, Number.NaN]) expect(() => tCritical95(df)).toThrow(RangeError);
  });
});

describe('summarize', () => {
  it('mean, sample standard deviation (n - 1) and rme in percent with t at n - 1', () => {
    const s = summarize([1, 2, 3, 4]);
    expect(s.mean).toBe(2.5);
    expect(s.sd).toBeCloseTo(Math.sqrt(5 / 3), 12);
    // t(3) = 3.182; sem = sd / 2.
    expect(s.rme).toBeCloseTo(((3.182 * Math.sqrt(5 / 3)) / 2 / 2.5) * 100, 10);
  });

  it('a large sample uses the normal value', () => {
    const xs = Array.from({ length: 40 }, (_, i) => 100 + (i % 2 === 0 ? 1 : -1));
    const s = summarize(xs);
    expect(s.mean).toBe(100);
    expect(s.rme).toBeCloseTo(((1.96 * s.sd) / Math.sqrt(40) / 100) * 100, 10);
  });

  it('one sample has no spread; identical samples have none either', () => {
    expect(summarize([7])).toEqual({ mean: 7, sd: 0, rme: 0 });
    expect(summarize([5, 5, 5])).toEqual({ mean: 5, sd: 0, rme: 0 });
  });

  it('a zero mean gives rme 0, not a division by zero', () => {
    const s = summarize([-1, 1]);
    expect(s.mean).toBe(0);
    expect(s.sd).toBeCloseTo(Math.SQRT2, 12);
    expect(s.rme).toBe(0);
  });

  it('refuses an empty sample and leaves its input alone', () => {
    expect(() => summarize([])).toThrow(new RangeError('summarize needs at least one sample'));
    const xs = Object.freeze([3, 1, 2]);
    expect(summarize(xs).mean).toBe(2);
    expect(xs).toEqual([3, 1, 2]);
  });
});

/** 1 - 2·P(B < j), B ~ Binomial(n, 1/2), exactly (BigInt): the coverage of [x(j), x(n-j+1)]. */
function exactCoverage(n: number, j: number): number {
  let below = 0n;
  let c = 1n; // C(n, 0)
  for (let k = 0; k < j; k++) {
    below += c;
    c = (c * BigInt(n - k)) / BigInt(k + 1);
  }
  const total = 1n << BigInt(n);
  // Ratio of BigInts to 1e-15 precision without overflowing a double.
  const scale = 10n ** 15n;
  return 1 - (2 * Number((below * scale) / total)) / 1e15;
}

/** 1..n in a scrambled order: then x(k) = k. */
function ranks(n: number): number[] {
  const xs = Array.from({ length: n }, (_, i) => i + 1);
  for (let i = xs.length - 1; i > 0; i--) {
    const k = (i * 7919 + 13) % (i + 1);
    [xs[i], xs[k]] = [xs[k] as number, xs[i] as number];
  }
  return xs;
}

describe('medianInterval (order statistics, Conover §3.2)', () => {
  it('n = 6: [x(1), x(6)], coverage 1 - 2/64 = 0.969', () => {
    const ci = medianInterval(ranks(6));
    expect([ci.lo, ci.hi]).toEqual([1, 6]);
    expect(ci.median).toBe(3.5);
    expect(ci.coverage).toBeCloseTo(0.96875, 12);
  });

  it('Conover’s table at 95 %: n = 9 → [x(2), x(8)], n = 20 → [x(6), x(15)], n = 100 → [x(40), x(61)]', () => {
    const cases: Array<[number, number, number, number]> = [
      // n, lower rank, upper rank, coverage
      [9, 2, 8, 1 - (2 * 10) / 512],
      [20, 6, 15, 1 - (2 * 21_700) / 1_048_576],
      [100, 40, 61, exactCoverage(100, 40)],
    ];
    for (const [n, lo, hi, coverage] of cases) {
      const ci = medianInterval(ranks(n));
      expect([ci.lo, ci.hi], `n ${n}`).toEqual([lo, hi]);
      expect(ci.coverage, `n ${n}`).toBeCloseTo(coverage, 9);
      expect(ci.coverage, `n ${n}`).toBeGreaterThanOrEqual(0.95);
    }
    expect(medianInterval(ranks(20)).coverage).toBeCloseTo(0.9586, 4);
    expect(medianInterval(ranks(100)).coverage).toBeCloseTo(0.9648, 4);
  });

  it('the widest-kept rank is the narrowest interval at the level: one rank in falls below it', () => {
    for (let n = 6; n <= 400; n++) {
      const ci = medianInterval(ranks(n));
      const j = ci.lo;
      expect(ci.hi, `n ${n}`).toBe(n - j + 1);
      expect(ci.coverage, `n ${n}`).toBeCloseTo(exactCoverage(n, j), 9);
      expect(exactCoverage(n, j), `n ${n}`).toBeGreaterThanOrEqual(0.95);
      if (j + 1 <= n - j) expect(exactCoverage(n, j + 1), `n ${n}`).toBeLessThan(0.95);
    }
  });

  it('n <= 5: no rank reaches 95 %, so [min, max], with the lower coverage said', () => {
    for (let n = 1; n <= 5; n++) {
      const xs = ranks(n).map((x) => x * 10);
      const ci = medianInterval(xs);
      expect([ci.lo, ci.hi], `n ${n}`).toEqual([10, n * 10]);
      expect(ci.coverage, `n ${n}`).toBeCloseTo(1 - 2 / 2 ** n, 12);
      expect(ci.coverage, `n ${n}`).toBeLessThan(0.95);
    }
    expect(medianInterval([7])).toEqual({ median: 7, lo: 7, hi: 7, coverage: 0 });
  });

  it('another level moves the ranks: 99 % at n = 20 is [x(4), x(17)] (x(5) covers only 0.988)', () => {
    const ci = medianInterval(ranks(20), 0.99);
    expect([ci.lo, ci.hi]).toEqual([4, 17]);
    expect(ci.coverage).toBeCloseTo(1 - (2 * 1351) / 1_048_576, 9);
    expect(ci.coverage).toBeGreaterThanOrEqual(0.99);
    expect(exactCoverage(20, 5)).toBeLessThan(0.99);
  });

  it('sorts its own copy: unsorted input, ties and negatives; the input is left alone', () => {
    const xs = Object.freeze([9, -3, 5, 5, 100, 0, 5, -40]);
    const ci = medianInterval(xs);
    // Sorted: -40 -3 0 5 5 5 9 100; n = 8: j = 1 (P(B <= 1) = 9/256 > 0.025).
    expect(ci).toEqual({ median: 5, lo: -40, hi: 100, coverage: 1 - 2 / 256 });
    expect(xs).toEqual([9, -3, 5, 5, 100, 0, 5, -40]);
    expect(medianInterval([3, 1, 2, 4]).median).toBe(2.5);
  });

  it('refuses an empty sample', () => {
    expect(() => medianInterval([])).toThrow(
      new RangeError('medianInterval needs at least one sample'),
    );
  });

  it('property: lo <= median <= hi, both samples; coverage >= the level whenever n >= 6', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 }),
        (xs) => {
          const ci = medianInterval(xs);
          expect(ci.lo).toBeLessThanOrEqual(ci.median);
          expect(ci.median).toBeLessThanOrEqual(ci.hi);
          expect(xs).toContain(ci.lo);
          expect(xs).toContain(ci.hi);
          expect(ci.coverage).toBeLessThanOrEqual(1);
          if (xs.length >= 6) expect(ci.coverage).toBeGreaterThanOrEqual(0.95);
          else expect(ci.coverage).toBeLessThan(0.95);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: at any level, the coverage reaches it whenever some rank can', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.double({ min: 0.5, max: 0.999, noNaN: true }),
        (n, level) => {
          const ci = medianInterval(ranks(n), level);
          expect(ci.hi).toBe(n - ci.lo + 1);
          if (1 - 2 / 2 ** n >= level) expect(ci.coverage).toBeGreaterThanOrEqual(level);
          else expect([ci.lo, ci.hi]).toEqual([1, n]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
