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
