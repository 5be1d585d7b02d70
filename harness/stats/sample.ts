/**
 * Sample statistics for measurements benchmark.js does not make (worker-thread rounds), in
 * the same terms benchmark.js reports: mean, sample standard deviation, and the relative margin
 * of error at 95 % using Student's t, so the two kinds of rme read alike.
 */
import { mean, sampleStandardDeviation } from 'simple-statistics';

/**
 * Two-sided 95 % critical values of Student's t by degrees of freedom (the table benchmark.js
 * 2.1.4 uses; simple-statistics has no t quantile). Beyond 30 the normal value is close enough.
 */
const T_TABLE: readonly number[] = [
  Number.NaN,
  12.706,
  4.303,
  3.182,
  2.776,
  2.571,
  2.447,
  2.365,
  2.306,
  2.262,
  2.228,
  2.201,
  2.179,
  2.16,
  2.145,
  2.131,
  2.12,
  2.11,
  2.101,
  2.093,
  2.086,
  2.08,
  2.074,
  2.069,
  2.064,
  2.06,
  2.056,
  2.052,
  2.048,
  2.045,
  2.042,
];
const T_INFINITY = 1.96;

export function tCritical95(degreesOfFreedom: number): number {
  if (!Number.isInteger(degreesOfFreedom) || degreesOfFreedom < 1) {
    throw new RangeError(
      `t needs a whole number of degrees of freedom >= 1, got ${degreesOfFreedom}`,
    );
  }
  return T_TABLE[degreesOfFreedom] ?? T_INFINITY;
}

export interface SampleSummary {
  mean: number;
  sd: number;
  /** Percent. 0 with fewer than two samples (no spread can be estimated). */
  rme: number;
}

export function summarize(samples: readonly number[]): SampleSummary {
  if (samples.length === 0) throw new RangeError('summarize needs at least one sample');
  const m = mean([...samples]);
  if (samples.length < 2) return { mean: m, sd: 0, rme: 0 };
  const sd = sampleStandardDeviation([...samples]);
  const sem = sd / Math.sqrt(samples.length);
  return { mean: m, sd, rme: m === 0 ? 0 : ((tCritical95(samples.length - 1) * sem) / m) * 100 };
}

export interface MedianInterval {
  median: number;
  lo: number;
  hi: number;
  /** The interval's exact coverage (at least the level asked for, unless n is too small). */
  coverage: number;
}

/**
 * A distribution-free confidence interval for the median from order statistics (Conover,
 * Practical Nonparametric Statistics, 3rd ed., §3.2): with x(1) <= ... <= x(n), the interval
 * [x(j), x(n-j+1)] covers the median with probability 1 - 2·P(B < j), B ~ Binomial(n, 1/2).
 * j is the largest rank that keeps that coverage at or above `level`. With too few samples
 * for any such j (n <= 5 at 95 %), the interval is [min, max] and `coverage` says how much
 * less it is. No assumption about the shape: ns/op samples are skewed and stall-prone.
 */
export function medianInterval(samples: readonly number[], level = 0.95): MedianInterval {
  const n = samples.length;
  if (n === 0) throw new RangeError('medianInterval needs at least one sample');
  const x = [...samples].sort((a, b) => a - b);
  const mid = (n - 1) / 2;
  const median = ((x[Math.floor(mid)] as number) + (x[Math.ceil(mid)] as number)) / 2;
  // Walk j up from 1 keeping cdf = P(B <= j - 1), the pmf updated by its ratio in log space.
  let logPmf = -n * Math.LN2; // P(B = 0)
  let cdf = Math.exp(logPmf);
  let j = 1;
  let coverage = 1 - 2 * cdf;
  for (let next = 2; next <= Math.floor((n + 1) / 2); next++) {
    logPmf += Math.log((n - next + 2) / (next - 1)); // P(B = next - 1) from P(B = next - 2)
    cdf += Math.exp(logPmf);
    const c = 1 - 2 * cdf;
    if (c < level) break;
    j = next;
    coverage = c;
  }
  return { median, lo: x[j - 1] as number, hi: x[n - j] as number, coverage };
}
