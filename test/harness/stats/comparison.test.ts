import { describe, expect, it } from 'vitest';
import {
  classify,
  compareOneSided,
  comparePairedSamples,
  compareSamples,
  isResolved,
  trimmedMoments,
  upperBound,
  welchTest,
  type CompareOptions,
} from '../../../harness/stats/comparison.ts';
import { Random } from '../synthetic.ts';

const OPTS: CompareOptions = { threshold: 0.05, alpha: 0.05, confidence: 0.95 };

describe('welchTest: known answers', () => {
  it('reproduces the NIST/SEMATECH e-Handbook 7.3.1 example (unequal variances)', () => {
    // NIST/SEMATECH e-Handbook of Statistical Methods, 7.3.1 "Do two processes have the same
    // mean?": miles per gallon of US cars (N1 = 249, mean 20.14458, sd 6.41470) and Japanese
    // cars (N2 = 79, mean 30.48101, sd 6.10771). Unequal variances: T = -12.94627,
    // nu = 136.8750, t(0.975, nu) = 1.9774. (Cross-checked with SciPy 1.17.1
    // ttest_ind_from_stats(..., equal_var=False): p = 1.5709e-25.)
    const us = { n: 249, mean: 20.14458, variance: 6.4147 ** 2 };
    const japan = { n: 79, mean: 30.48101, variance: 6.10771 ** 2 };
    const w = welchTest(japan, us, 0.95);
    expect(w.t).toBeCloseTo(-12.94627, 4);
    expect(w.df).toBeCloseTo(136.875, 3);
    expect(w.pValue / 1.5709046e-25).toBeCloseTo(1, 4);
    // The CI is diff ± 1.9774 · se.
    const half = (w.ciHigh - w.ciLow) / 2;
    expect(half / w.se).toBeCloseTo(1.9774, 4);
    expect((w.ciHigh + w.ciLow) / 2).toBeCloseTo(20.14458 - 30.48101, 10);
  });

  it('is symmetric: swapping the sides negates t and the CI, keeps p and df', () => {
    const a = { n: 7, mean: 1, variance: 0.5 };
    const b = { n: 12, mean: 1.4, variance: 0.2 };
    const ab = welchTest(a, b, 0.9);
    const ba = welchTest(b, a, 0.9);
    expect(ba.t).toBeCloseTo(-ab.t, 12);
    expect(ba.pValue).toBeCloseTo(ab.pValue, 12);
    expect(ba.df).toBeCloseTo(ab.df, 12);
    expect(ba.ciLow).toBeCloseTo(-ab.ciHigh, 12);
  });
});

describe('compareSamples: known answers', () => {
  it('matches SciPy on log-transformed samples (Welch)', () => {
    // SciPy 1.17.1: t = stats.ttest_ind(log(c), log(b), equal_var=False);
    // t.statistic 4.385652554600852, t.pvalue 0.0016688362272986139, t.df 9.194519984421936,
    // exp(t.confidence_interval(0.95)) = [1.0306940230243122, 1.0988004716254374],
    // exp(mean(log c) - mean(log b)) = 1.064202555250002.
    const b = [100, 104, 98, 102, 101, 99, 103];
    const c = [106, 110, 104, 108, 112, 105];
    const r = compareSamples(b, c, OPTS);
    expect(r.method).toBe('welch-log-t');
    expect(r.ratio).toBeCloseTo(1.064202555250002, 12);
    expect(r.pValue).toBeCloseTo(0.0016688362272986139, 10);
    expect(r.df).toBeCloseTo(9.194519984421936, 10);
    expect(r.ci?.[0]).toBeCloseTo(1.0306940230243122, 10);
    expect(r.ci?.[1]).toBeCloseTo(1.0988004716254374, 10);
    expect(r.baselineMedian).toBe(101);
    expect(r.candidateMedian).toBe(107);
    // p < 0.05 and +6.4 % > 5 %: regressed.
    expect(r.classification).toBe('regressed');
  });

  it("matches SciPy's Yuen trimmed test (trim 0.2) on log-transformed samples", () => {
    // SciPy 1.17.1: stats.ttest_ind(log(c), log(b), equal_var=False, trim=0.2):
    // statistic 4.410065846437124, pvalue 0.0014024060482560644, df 9.734480093676684;
    // trim_mean(log c, 0.2) - trim_mean(log b, 0.2) = 0.06398420223522283.
    const b = [100, 104, 98, 102, 101, 99, 103, 180, 97, 100];
    const c = [106, 110, 104, 108, 112, 105, 250, 107, 109, 103];
    const r = compareSamples(b, c, { ...OPTS, trim: 0.2 });
    expect(r.method).toBe('yuen-log-t');
    expect(Math.log(r.ratio as number)).toBeCloseTo(0.06398420223522283, 12);
    expect(r.pValue).toBeCloseTo(0.0014024060482560644, 10);
    expect(r.df).toBeCloseTo(9.734480093676684, 10);
    // The same samples untrimmed: the two stalls (180, 250) swamp the test.
    const plain = compareSamples(b, c, OPTS);
    expect(plain.pValue as number).toBeGreaterThan(0.05);
  });

  it('trimmedMoments with trim 0 are the plain sample moments', () => {
    const m = trimmedMoments([1, 2, 3, 4, 10], 0);
    expect(m).toEqual({ n: 5, mean: 4, variance: 12.5 });
    const t = trimmedMoments([1, 2, 3, 4, 10], 0.2);
    // g = 1: middle [2, 3, 4]; winsorized [2, 2, 3, 4, 4] has variance 1; (n-1)·1/(h-1) = 2.
    expect(t).toEqual({ n: 3, mean: 3, variance: 2 });
  });
});

describe('compareSamples: classification', () => {
  const near = (center: number, spread: number, n: number): number[] =>
    Array.from({ length: n }, (_, i) => center * (1 + spread * ((i % 5) - 2)));

  it('regressed needs significance AND a ratio beyond 1 + threshold', () => {
    const r = compareSamples(near(100, 0.01, 20), near(110, 0.01, 20), OPTS);
    expect(r.classification).toBe('regressed');
    expect(r.ratio as number).toBeGreaterThan(1.05);
    expect(r.reason).toMatch(/slower by \+10\.0%/);
  });

  it('a significant change smaller than the threshold is not a regression', () => {
    // +3 %, very significant, CI entirely inside ±5 %: unchanged.
    const r = compareSamples(near(100, 0.002, 30), near(103, 0.002, 30), OPTS);
    expect(r.pValue as number).toBeLessThan(1e-10);
    expect(r.classification).toBe('unchanged');
    // +4.5 % with a CI that reaches past +5 %: inconclusive, not regressed.
    const wide = compareSamples(near(100, 0.01, 8), near(104.5, 0.01, 8), OPTS);
    expect(wide.pValue as number).toBeLessThan(0.05);
    expect(wide.ci?.[1] as number).toBeGreaterThan(1.05);
    expect(wide.classification).toBe('inconclusive');
    expect(wide.reason).toMatch(/a real change, smaller than/);
  });

  it('improved mirrors regressed, with 1/(1 + threshold) as the bound', () => {
    const r = compareSamples(near(110, 0.01, 20), near(100, 0.01, 20), OPTS);
    expect(r.classification).toBe('improved');
    // 1/1.05 = 0.95238: a -4.7 % change is inside the band even when significant.
    const small = classify(0.953, [0.9525, 0.954], 0.001, OPTS);
    expect(small.classification).toBe('unchanged');
    const beyond = classify(0.951, [0.95, 0.952], 0.001, OPTS);
    expect(beyond.classification).toBe('improved');
  });

  it('not significant is NOT unchanged unless the CI fits inside the band', () => {
    // A real +10 % with large noise and few samples: p > alpha, and the CI is wide.
    const r = compareSamples([100, 130, 85, 115], [110, 140, 95, 125], OPTS);
    expect(r.pValue as number).toBeGreaterThan(0.05);
    expect(r.classification).toBe('inconclusive');
    expect(r.reason).toMatch(/too wide/);
    expect(isResolved(r)).toBe(false);
  });

  it('classes are mutually exclusive at the edges', () => {
    expect(classify(1.05, [1.0, 1.1], 0.001, OPTS).classification).toBe('inconclusive');
    expect(classify(1.0501, [1.04, 1.06], 0.001, OPTS).classification).toBe('regressed');
    expect(classify(1.0, [0.9524, 1.05], 0.5, OPTS).classification).toBe('unchanged');
    expect(classify(1.0, [0.95, 1.05], 0.5, OPTS).classification).toBe('inconclusive');
  });

  it('a per-job threshold changes the call', () => {
    const b = near(100, 0.01, 20);
    const c = near(108, 0.01, 20);
    expect(compareSamples(b, c, OPTS).classification).toBe('regressed');
    expect(compareSamples(b, c, { ...OPTS, threshold: 0.15 }).classification).toBe('unchanged');
  });
});

describe('compareSamples: degenerate inputs', () => {
  it('fewer than 2 samples a side: inconclusive, ratio of medians, no test', () => {
    const r = compareSamples([100], [120, 130], OPTS);
    expect(r).toMatchObject({
      classification: 'inconclusive',
      method: 'medians',
      ratio: 1.25,
      ci: null,
      pValue: null,
      df: null,
    });
    expect(r.reason).toMatch(/at least 2 samples/);
  });

  it('identical constant sides: ratio exactly 1, p = 1, degenerate CI, unchanged', () => {
    const r = compareSamples([50, 50, 50], [50, 50, 50, 50], OPTS);
    expect(r).toMatchObject({
      ratio: 1,
      ci: [1, 1],
      pValue: 1,
      df: null,
      method: 'exact',
      classification: 'unchanged',
    });
  });

  it('different constant sides: exact ratio, p = 0, classified by the ratio', () => {
    const up = compareSamples([100, 100], [120, 120], OPTS);
    expect(up).toMatchObject({ pValue: 0, method: 'exact', classification: 'regressed' });
    expect(up.ratio).toBeCloseTo(1.2, 12);
    expect(up.ci?.[0]).toBeCloseTo(1.2, 12);
    const small = compareSamples([100, 100], [102, 102], OPTS);
    expect(small.classification).toBe('unchanged');
    const down = compareSamples([100, 100], [50, 50], OPTS);
    expect(down.classification).toBe('improved');
  });

  it('one constant side still gets a Welch test (df from the other side)', () => {
    const r = compareSamples([100, 100, 100, 100], [110, 111, 109, 112], OPTS);
    expect(r.method).toBe('welch-log-t');
    expect(r.df).toBeCloseTo(3, 10);
  });

  it('a missing side: one-sided comparison, inconclusive, with the reason', () => {
    const r = compareOneSided(
      'candidate',
      [10, 11, 12],
      OPTS,
      'the baseline engine has no inMemory',
    );
    expect(r).toMatchObject({
      nBaseline: 0,
      nCandidate: 3,
      baselineMedian: null,
      candidateMedian: 11,
      ratio: null,
      classification: 'inconclusive',
      method: 'none',
    });
    expect(r.reason).toBe('only the candidate was measured: the baseline engine has no inMemory');
    expect(compareSamples([], [], OPTS).reason).toBe('no samples from either side');
  });

  it('refuses non-positive or non-finite samples and bad options', () => {
    expect(() => compareSamples([1, 0], [1, 2], OPTS)).toThrow(RangeError);
    expect(() => compareSamples([1, 2], [1, Number.NaN], OPTS)).toThrow(/finite and > 0/);
    expect(() => compareSamples([1, 2], [1, 2], { ...OPTS, alpha: 1 })).toThrow(/alpha/);
    expect(() => compareSamples([1, 2], [1, 2], { ...OPTS, trim: 0.5 })).toThrow(/trim/);
  });
});

describe('compareSamples: CI coverage (seeded simulation)', () => {
  // For lognormal samples with a known true ratio of geometric means, a 95 % interval must
  // cover it in about 95 % of trials. 2000 trials: the binomial sd of the rate is 0.5 %, so
  // [93.5 %, 96.5 %] is a 3-sd band.
  const trials = 2000;
  function coverage(trueRatio: number, nb: number, nc: number, sb: number, sc: number, trim = 0) {
    const rng = new Random(0xc0ffeen, Math.round(trueRatio * 1000) + nb * 7 + nc);
    let covered = 0;
    for (let t = 0; t < trials; t++) {
      const b = Array.from({ length: nb }, () => 1000 * rng.lognormal(0, sb));
      const c = Array.from({ length: nc }, () => 1000 * trueRatio * rng.lognormal(0, sc));
      const r = compareSamples(b, c, { ...OPTS, trim });
      const [lo, hi] = r.ci as [number, number];
      if (lo <= trueRatio && trueRatio <= hi) covered++;
    }
    return covered / trials;
  }

  it('Welch: ~95 % with equal and with unequal variances and sizes', () => {
    expect(coverage(1.1, 10, 10, 0.08, 0.08)).toBeGreaterThan(0.935);
    expect(coverage(1.1, 10, 10, 0.08, 0.08)).toBeLessThan(0.965);
    const unequal = coverage(0.9, 6, 15, 0.2, 0.05);
    expect(unequal).toBeGreaterThan(0.935);
    expect(unequal).toBeLessThan(0.965);
  });

  it('Yuen (trim 0.2): ~95 % too (slightly conservative for normal logs is acceptable)', () => {
    const c = coverage(1.05, 15, 15, 0.08, 0.08, 0.2);
    expect(c).toBeGreaterThan(0.935);
    expect(c).toBeLessThan(0.975);
  });
});

describe('comparePairedSamples: the per-round log ratios', () => {
  // Student's sleep data (Cushny & Peebles; R's sleep): the paired differences, put on the log
  // scale as candidate = exp(d) against baseline = 1.
  const D = [1.2, 2.4, 1.3, 1.3, 0.0, 1.0, 1.8, 0.8, 4.6, 1.4];
  const base = D.map(() => 1);
  const cand = D.map((d) => Math.exp(d));

  it('trim 0 is the paired t-test (SciPy ttest_1samp / R t.test(paired = TRUE))', () => {
    // SciPy 1.17.1: ttest_1samp(D, 0): statistic 4.062127683382037, pvalue
    // 0.002832890197384273, 95 % CI [0.7001142367230174, 2.4598857632769824].
    const r = comparePairedSamples(base, cand, { ...OPTS, trim: 0 });
    expect(r.method).toBe('paired-trimmed-log-t');
    expect(Math.log(r.ratio as number)).toBeCloseTo(1.58, 12);
    expect(r.pValue).toBeCloseTo(0.002832890197384273, 10);
    expect(r.df).toBe(9);
    expect(Math.log((r.ci as [number, number])[0])).toBeCloseTo(0.7001142367230174, 10);
    expect(Math.log((r.ci as [number, number])[1])).toBeCloseTo(2.4598857632769824, 10);
  });

  it("trim 0.2: the trimmed mean of the differences with Yuen's standard error", () => {
    // SciPy 1.17.1: trim_mean(D, 0.2) 1.3333333333333333; var(mstats.winsorize(D, (0.2, 0.2)),
    // ddof=1) 0.11155555555555557, so se = sqrt(9 * s_w² / (6 * 5)) 0.1829389697868299,
    // t 7.2884051707900355 on h - 1 = 5 df, p 2 * t.sf(t, 5) 0.0007608625898214386, 95 % CI
    // tm ± t.ppf(0.975, 5) * se = [0.8630737405692877, 1.8035929260973789].
    const r = comparePairedSamples(base, cand, { ...OPTS, trim: 0.2 });
    expect(Math.log(r.ratio as number)).toBeCloseTo(1.3333333333333333, 12);
    expect(r.df).toBe(5);
    expect(r.pValue).toBeCloseTo(0.0007608625898214386, 10);
    expect(Math.log((r.ci as [number, number])[0])).toBeCloseTo(0.8630737405692877, 10);
    expect(Math.log((r.ci as [number, number])[1])).toBeCloseTo(1.8035929260973789, 10);
  });

  it('pairing removes what the two processes of a round share', () => {
    // A load factor per round moves both sides by up to ±40 %; the candidate is 8 % slower
    // in every round. Unpaired, the load swamps the change; paired, it is exact.
    const load = [1, 1.4, 0.7, 1.2, 0.9, 1.35, 0.75, 1.1];
    const b = load.map((l) => 100 * l);
    const c = load.map((l) => 108 * l);
    const unpaired = compareSamples(b, c, OPTS);
    expect(unpaired.classification).toBe('inconclusive');
    const paired = comparePairedSamples(b, c, OPTS);
    expect(paired.ratio).toBeCloseTo(1.08, 12);
    expect(paired.classification).toBe('regressed');
    const [lo, hi] = paired.ci as [number, number];
    expect(hi - lo).toBeLessThan(1e-9);
  });

  it('a slow round on one side is trimmed away', () => {
    const b = [100, 101, 99, 100, 102, 98, 100, 101, 99, 100];
    const c = [107, 108, 106, 107, 160, 105, 107, 108, 106, 70];
    const trimmed = comparePairedSamples(b, c, { ...OPTS, trim: 0.2 });
    expect(trimmed.classification).toBe('regressed');
    expect(trimmed.ratio as number).toBeGreaterThan(1.06);
    expect(trimmed.ratio as number).toBeLessThan(1.08);
    expect(comparePairedSamples(b, c, OPTS).classification).not.toBe('regressed');
  });

  it('degenerate inputs: too few rounds, and mismatched sides', () => {
    const few = comparePairedSamples([100, 100], [110, 120], { ...OPTS, trim: 0.2 });
    expect(few.method).toBe('paired-trimmed-log-t');
    const one = comparePairedSamples([100], [110], OPTS);
    expect(one.method).toBe('medians');
    expect(one.classification).toBe('inconclusive');
    expect(one.ratio).toBeCloseTo(1.1, 12);
    expect(comparePairedSamples([], [], OPTS).method).toBe('none');
    expect(() => comparePairedSamples([100, 101], [100], OPTS)).toThrow(/one baseline and one/);
    expect(() => comparePairedSamples([100, -1], [100, 100], OPTS)).toThrow(RangeError);
  });

  it('CI coverage ~95 % when the rounds share a load factor (seeded simulation)', () => {
    const rng = new Random(0xfeedn, 7);
    let covered = 0;
    const trials = 2000;
    for (let t = 0; t < trials; t++) {
      const load = Array.from({ length: 12 }, () => rng.lognormal(0, 0.2));
      const b = load.map((l) => 1000 * l * rng.lognormal(0, 0.05));
      const c = load.map((l) => 1100 * l * rng.lognormal(0, 0.05));
      const [lo, hi] = comparePairedSamples(b, c, { ...OPTS, trim: 0.2 }).ci as [number, number];
      if (lo <= 1.1 && 1.1 <= hi) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.935);
    expect(covered / trials).toBeLessThan(0.975);
  });
});

describe('upperBound', () => {
  it('recovers the one-sided bound from the reported interval', () => {
    const D = [0.05, 0.07, 0.02, 0.06, 0.04, 0.08, 0.03, 0.05];
    const r = comparePairedSamples(
      D.map(() => 1),
      D.map((d) => Math.exp(d)),
      OPTS,
    );
    // At (1 + confidence) / 2 the one-sided bound is the interval's upper end.
    expect(upperBound(r, 0.975)).toBeCloseTo((r.ci as [number, number])[1], 12);
    // Stricter levels give higher bounds.
    expect(upperBound(r, 0.995) as number).toBeGreaterThan((r.ci as [number, number])[1]);
    expect(upperBound(r, 0.9) as number).toBeLessThan((r.ci as [number, number])[1]);
    expect(upperBound(compareSamples([], [1], OPTS), 0.99)).toBeNull();
    expect(() => upperBound(r, 1)).toThrow(RangeError);
  });
});
