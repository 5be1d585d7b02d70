import { describe, expect, it } from 'vitest';
import { summarize, tCritical95 } from '../../../harness/stats/sample.ts';

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
