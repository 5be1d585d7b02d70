/**
 * The statistical core of a baseline comparison: is the candidate's figure for one job
 * (scenario x mode) different from the baseline's, by how much, and is the difference big
 * enough to matter?
 *
 * Input: per-process ns/op figures, one number per child process per round, for each side
 * (lower is better). A process is the unit of replication: JIT decisions, heap layout and the
 * machine's state vary between processes far more than between the samples inside one, so the
 * samples inside a process are not independent evidence and are summarised to one number
 * before they get here.
 *
 * ## Method: Welch's t-test on logarithms
 *
 * Costs are positive and right-skewed (a stalled process is slower, never faster), and what we
 * want to know is a ratio ("5 % slower"). Taking logarithms turns both problems around: the
 * log of a multiplicative noise model is additive and closer to symmetric, and a difference of
 * mean logs is the log of a ratio of geometric means:
 *
 *     d  = mean(ln c) - mean(ln b)                       ratio = exp(d)   (candidate / baseline)
 *     se = sqrt(s_c² / n_c + s_b² / n_b)                 s² the sample variances of the logs
 *     t  = d / se
 *     df = (s_c²/n_c + s_b²/n_b)² / ((s_c²/n_c)² / (n_c - 1) + (s_b²/n_b)² / (n_b - 1))
 *
 * The two sides' variances are not assumed equal (a baseline engine can be noisier than the
 * candidate), so this is Welch's unequal-variance test with the Welch–Satterthwaite degrees
 * of freedom:
 *   - B. L. Welch (1947), "The generalization of 'Student's' problem when several different
 *     population variances are involved", Biometrika 34 (1–2): 28–35.
 *   - NIST/SEMATECH e-Handbook of Statistical Methods, section 7.3.1, "Do two processes have
 *     the same mean?" (its worked example is a known-answer test in
 *     test/harness/stats/comparison.test.ts).
 *
 * The two-sided p-value is 2·F(−|t|; df) with F the Student t CDF, and the confidence interval
 * of d is d ± t_{(1+confidence)/2, df} · se, mapped back through exp() to an interval for the
 * ratio: [exp(lo), exp(hi)]. A ratio above 1 means the candidate is slower. (The t CDF and
 * quantile are @stdlib's; simple-statistics has neither.)
 *
 * ## Robustness: Yuen's trimmed version (option `trim`)
 *
 * On a shared machine a whole process is sometimes stalled (a neighbour's burst, a page-cache
 * flush): its figure is 1.3x to several times too slow. One such value among ten inflates both
 * the mean and the variance of its side, which makes Welch's test slow to call real changes
 * and, early on, able to call a fake one. Yuen's test is Welch's test on trimmed means: cut
 * `trim` of the samples from each end of each side, and estimate the standard error from the
 * winsorized variance, with Welch–Satterthwaite degrees of freedom on the trimmed counts
 * (K. K. Yuen (1974), "The two-sample trimmed t for unequal population variances",
 * Biometrika 61 (1): 165–170; R. R. Wilcox, "Introduction to Robust Estimation and Hypothesis
 * Testing", section 5.3; SciPy's ttest_ind(..., trim=) implements the same and is a
 * known-answer test). With trim = 0 it is exactly Welch's test. The ratio is then the ratio of
 * trimmed geometric means. perf.config.json's `compare.trim` (0.2, Wilcox's usual choice) is
 * what the trust test (test/harness/compare/trust.test.ts) was tuned with.
 *
 * ## Paired rounds: the trimmed mean of per-round log ratios (`comparePairedSamples`)
 *
 * A comparison that checks out both sides measures them in pairs: replicate i is one fresh
 * worker isolate per side, both in one child process pinned to one core, their timing windows
 * alternated (harness replicate-pair.ts). What varies from moment to moment then hits both
 * sides of a pair alike (the neighbours' load), while what varies between isolates (JIT state,
 * layout: layout alone moves a figure by 10 % or more, T. Mytkowicz, A. Diwan, M. Hauswirth,
 * P. F. Sweeney (2009), "Producing wrong data without doing anything obviously wrong!",
 * ASPLOS '09) is sampled anew by every replicate. (Files written before replicates hold rounds
 * of two child processes run back to back with the same V8 seeds; the test is the same.)
 * So the test works on the differences
 *
 *     d_i = ln c_i − ln b_i          (the log of replicate i's ratio candidate / baseline)
 *
 * and is the one-sample trimmed t-test: the estimate is the γ-trimmed mean of d, on h − 1
 * degrees of freedom, h the count left after trimming (J. W. Tukey, D. H. McLaughlin (1963),
 * "Less vulnerable confidence and significance procedures for location based on a single
 * sample: trimming/winsorization 1", Sankhyā A 25: 331–352; Wilcox, section 4.4.1). Its
 * squared standard error is Yuen's small-sample form, (n − 1)·s_w² / (h·(h − 1)) with s_w² the
 * winsorized sample variance: the per-group term of Yuen's two-sample test above
 * (`trimmedMoments`), slightly larger than Tukey–McLaughlin's s_w² / ((1 − 2γ)²·n). The
 * larger one was chosen by the trust test: with it 96 % of 10 % slowdowns were confirmed over
 * 200 trials, with Tukey–McLaughlin's 91.5 %, because a smaller error lets the gate stop a
 * slowed job early as "ruled out" on a lucky run of rounds. With γ = 0 both are s² / n and
 * the test is the paired t-test (Student's sleep data is a known answer in
 * test/harness/stats/comparison.test.ts, with a trimmed one from SciPy's winsorize).
 * Trimming matters more here than in the two-sample test: a JIT that
 * settles into a slower steady state in one process of a pair (E. Barrett et al. (2017),
 * "Virtual machine warmup blows hot and cold", OOPSLA; seen here as +40 % in about one process
 * in four) makes that round's ratio an outlier, and the trimmed mean ignores it. The ratio is
 * exp(trimmed mean of d), the typical per-round ratio; the CI and p-value follow as above.
 *
 * ## Classification: statistically AND practically significant
 *
 * With T the practical threshold (e.g. 0.05), the "band of indifference" is
 * [1/(1+T), 1+T] (symmetric on the log scale: ±ln(1+T)). Like criterion.rs's "noise
 * threshold" (https://bheisler.github.io/criterion.rs/book/analysis.html), a change smaller
 * than T is not worth reporting even when it is real:
 *
 *   - regressed:    p < alpha AND ratio > 1+T       (a real slowdown, and bigger than T)
 *   - improved:     p < alpha AND ratio < 1/(1+T)   (the mirror image)
 *   - unchanged:    the whole CI lies inside [1/(1+T), 1+T]: we are confident that any change
 *                   is smaller than T. This is an equivalence test: Schuirmann's two one-sided
 *                   tests (TOST, J. Pharmacokinet. Biopharm. 15 (1987) 657–680), each at level
 *                   (1 − confidence)/2.
 *   - inconclusive: anything else. Typically too few samples for a CI that narrow, or a
 *                   significant change whose estimate is below T but whose CI still reaches
 *                   beyond it.
 *
 * Deliberately NOT "unchanged": p ≥ alpha alone. A non-significant result is absence of
 * evidence, not evidence of absence: with few rounds a real 10 % slowdown is often not
 * significant, and calling it unchanged would stop sampling it (see sampling.ts) and let it
 * through the gate. Only an interval that excludes every change of T or more says unchanged.
 *
 * The four classes are disjoint: regressed needs the estimate above 1+T, unchanged needs the
 * CI's upper end (which is above the estimate) at or below it; likewise for improved.
 *
 * ## Degenerate cases
 *
 *   - A side with no samples: nothing to compare (`compareOneSided`): inconclusive.
 *   - Fewer than 2 samples on a side: no variance can be estimated; inconclusive, with the ratio
 *     of the medians as the only estimate (method 'medians').
 *   - Zero variance on both sides (every sample on each side identical, as with a synthetic
 *     or coarse-clocked engine): the ratio is known exactly; p is 1 when the sides are equal,
 *     0 otherwise; the CI collapses onto the ratio; classified by where the ratio lies
 *     (method 'exact').
 *
 * Samples must be finite and > 0 (a cost of 0 ns/op has no logarithm and means a broken
 * measurement): anything else throws RangeError.
 *
 * One piece: the tests (Welch, Yuen's trimmed, paired, one-sided) share the interval machinery and the classification rule that reads them.
 */
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { mean, median, sampleVariance } from 'simple-statistics';
import { plural } from '../support/format.ts';

export const CLASSIFICATIONS = ['improved', 'unchanged', 'regressed', 'inconclusive'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

export interface CompareOptions {
  /** Practical threshold as a fraction: 0.05 means changes under 5 % don't matter. */
  threshold: number;
  /** Significance level of the two-sided test (e.g. 0.05). */
  alpha: number;
  /** Confidence level of the reported interval (e.g. 0.95). */
  confidence: number;
  /**
   * Fraction of each side's samples trimmed from each end before testing (Yuen's test; see the
   * module comment). 0, the default, is Welch's test exactly.
   */
  trim?: number;
}

/** How the figures were obtained (see the module comment). */
export const COMPARISON_METHODS = [
  'paired-trimmed-log-t',
  'welch-log-t',
  'yuen-log-t',
  'exact',
  'medians',
  'none',
] as const;
export type ComparisonMethod = (typeof COMPARISON_METHODS)[number];

export interface Comparison {
  nBaseline: number;
  nCandidate: number;
  /** Median ns/op of each side; null when the side has no samples. */
  baselineMedian: number | null;
  candidateMedian: number | null;
  /**
   * Candidate / baseline (> 1: the candidate is slower): exp of the trimmed mean of per-round
   * log ratios for 'paired-trimmed-log-t', the ratio of (trimmed) geometric means for
   * 'welch-log-t', 'yuen-log-t' and 'exact', of medians for 'medians'; null when a side is
   * missing.
   */
  ratio: number | null;
  /** Confidence interval of the ratio at `confidence`; null when it can't be estimated. */
  ci: [number, number] | null;
  /** Two-sided p-value of "no change" (ratio 1); null when untestable. */
  pValue: number | null;
  /** Degrees of freedom (Welch–Satterthwaite, or h − 1 when paired); null when untestable or exact. */
  df: number | null;
  classification: Classification;
  threshold: number;
  alpha: number;
  confidence: number;
  method: ComparisonMethod;
  /** One sentence a person can read: why this classification. */
  reason: string;
}

/**
 * The one-sided upper confidence bound of the ratio at `level` (e.g. 0.995), recovered from
 * the reported interval: se = (ln ci_hi − ln ratio) / t_{(1+confidence)/2, df}, and the bound
 * is exp(ln ratio + t_{level, df}·se). Exact comparisons return their ratio; comparisons
 * without an interval return null.
 */
export function upperBound(c: Comparison, level: number): number | null {
  checkLevel('level', level);
  if (c.ci === null || c.ratio === null) return null;
  if (c.df === null) return c.ci[1];
  const se = (Math.log(c.ci[1]) - Math.log(c.ratio)) / tQuantile((1 + c.confidence) / 2, c.df);
  return Math.exp(Math.log(c.ratio) + tQuantile(level, c.df) * se);
}

export function isResolved(c: Comparison): boolean {
  return c.classification !== 'inconclusive';
}

/** n, mean and sample variance of one side (of whatever scale the caller works in). */
export interface Moments {
  n: number;
  mean: number;
  variance: number;
}

export interface WelchResult {
  /** `b.mean - a.mean`. */
  diff: number;
  se: number;
  t: number;
  df: number;
  /** Two-sided. */
  pValue: number;
  /** Confidence interval of `diff`. */
  ciLow: number;
  ciHigh: number;
}

/**
 * Welch's unequal-variance t-test of `b.mean - a.mean` from summary moments (Welch 1947;
 * NIST/SEMATECH e-Handbook 7.3.1). Needs n >= 2 on both sides and se > 0.
 */
export function welchTest(a: Moments, b: Moments, confidence: number): WelchResult {
  if (a.n < 2 || b.n < 2) throw new RangeError('welchTest needs at least 2 samples per side');
  checkLevel('confidence', confidence);
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se = Math.sqrt(va + vb);
  if (!(se > 0)) throw new RangeError('welchTest needs a non-zero standard error');
  const diff = b.mean - a.mean;
  const t = diff / se;
  // Welch–Satterthwaite. When one side has zero variance its term vanishes and df falls back
  // to the other side's n - 1, as it should (only that side's variance is being estimated).
  const df = (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  // 2·F(−|t|) rather than 2·(1 − F(|t|)): no cancellation for tiny p-values.
  const pValue = Math.min(1, 2 * tCdf(-Math.abs(t), df));
  const q = tQuantile((1 + confidence) / 2, df);
  return { diff, se, t, df, pValue, ciLow: diff - q * se, ciHigh: diff + q * se };
}

function checkLevel(name: string, value: number): void {
  if (!(value > 0 && value < 1)) throw new RangeError(`${name} must be in (0, 1), got ${value}`);
}

function checkOptions(opts: CompareOptions): void {
  if (!(opts.threshold >= 0 && Number.isFinite(opts.threshold))) {
    throw new RangeError(`threshold must be a finite fraction >= 0, got ${opts.threshold}`);
  }
  checkLevel('alpha', opts.alpha);
  checkLevel('confidence', opts.confidence);
  const trim = opts.trim ?? 0;
  if (!(trim >= 0 && trim < 0.5)) throw new RangeError(`trim must be in [0, 0.5), got ${trim}`);
}

/**
 * The moments Yuen's test feeds into Welch's formulas, for `xs` trimmed by `trim` at each end
 * (Yuen 1974; Wilcox, "Introduction to Robust Estimation and Hypothesis Testing", 4th ed.,
 * section 5.3): g = floor(trim·n) values cut from each end leave h = n − 2g; the mean is the
 * trimmed mean, and the variance is chosen so that variance / h = (n − 1)·s_w² / (h·(h − 1)),
 * Yuen's squared standard error, with s_w² the variance of the winsorized sample (the g lowest
 * values replaced by the next one up, the g highest by the next one down). `n` is h, so
 * Welch–Satterthwaite's n − 1 becomes Yuen's h − 1. With trim = 0 these are the plain sample
 * moments and the test is Welch's.
 */
export function trimmedMoments(xs: readonly number[], trim: number): Moments {
  if (!(trim >= 0 && trim < 0.5)) throw new RangeError(`trim must be in [0, 0.5), got ${trim}`);
  const n = xs.length;
  const g = Math.floor(trim * n);
  const h = trimmedSize(n, trim);
  if (h < 2) throw new RangeError(`trimming ${g} of ${n} samples at each end leaves fewer than 2`);
  if (g === 0) return { n, mean: mean([...xs]), variance: n < 2 ? 0 : sampleVariance([...xs]) };
  const sorted = [...xs].sort((a, b) => a - b);
  const middle = sorted.slice(g, n - g);
  const lo = sorted[g] as number;
  const hi = sorted[n - g - 1] as number;
  const winsorized = sorted.map((x, i) => (i < g ? lo : i >= n - g ? hi : x));
  return {
    n: h,
    mean: mean(middle),
    variance: ((n - 1) * sampleVariance(winsorized)) / (h - 1),
  };
}

/** Samples left after trimming `trim` of n at each end. */
export function trimmedSize(n: number, trim: number): number {
  return n - 2 * Math.floor(trim * n);
}

function checkSamples(side: string, xs: readonly number[]): void {
  for (const x of xs) {
    if (!(Number.isFinite(x) && x > 0)) {
      throw new RangeError(`${side} samples must be finite and > 0 (ns/op), got ${x}`);
    }
  }
}

function pct(ratio: number): string {
  const change = (ratio - 1) * 100;
  const sign = change >= 0 ? '+' : '−';
  return `${sign}${Math.abs(change).toFixed(1)}%`;
}

function fmtCi(ci: readonly [number, number]): string {
  return `[${pct(ci[0])}, ${pct(ci[1])}]`;
}

function fmtP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

/** Where the estimate and interval put a comparison, per the rules in the module comment. */
export function classify(
  ratio: number,
  ci: readonly [number, number],
  pValue: number,
  opts: CompareOptions,
): { classification: Classification; reason: string } {
  const upper = 1 + opts.threshold;
  const lower = 1 / upper;
  const band = `±${(opts.threshold * 100).toFixed(1)}%`;
  const stats = `${pct(ratio)}, CI ${fmtCi(ci)}, p=${fmtP(pValue)}`;
  const significant = pValue < opts.alpha;
  if (significant && ratio > upper) {
    return {
      classification: 'regressed',
      reason: `slower by ${pct(ratio)} (beyond the ${band} threshold, p=${fmtP(pValue)} < ${opts.alpha}; CI ${fmtCi(ci)})`,
    };
  }
  if (significant && ratio < lower) {
    return {
      classification: 'improved',
      reason: `faster by ${pct(ratio)} (beyond the ${band} threshold, p=${fmtP(pValue)} < ${opts.alpha}; CI ${fmtCi(ci)})`,
    };
  }
  if (ci[0] >= lower && ci[1] <= upper) {
    return {
      classification: 'unchanged',
      reason: `any change is within ${band}: the whole CI is inside it (${stats})`,
    };
  }
  if (significant) {
    return {
      classification: 'inconclusive',
      reason: `a real change, smaller than ${band} by its estimate, but the CI still reaches beyond it (${stats})`,
    };
  }
  return {
    classification: 'inconclusive',
    reason: `not significant, and the CI is too wide to rule out a change of ${band} (${stats})`,
  };
}

/** The fields every comparison of the same samples and options shares. */
type CommonFields = Pick<
  Comparison,
  | 'nBaseline'
  | 'nCandidate'
  | 'baselineMedian'
  | 'candidateMedian'
  | 'threshold'
  | 'alpha'
  | 'confidence'
>;

/** Too few samples to test: an estimate only, inconclusive. */
function untestable(common: CommonFields, ratio: number, reason: string): Comparison {
  return {
    ...common,
    ratio,
    ci: null,
    pValue: null,
    df: null,
    classification: 'inconclusive',
    method: 'medians',
    reason,
  };
}

/**
 * A comparison from a log-scale estimate: `se` null means the estimate is exact (no variance
 * left), so p is 1 or 0 and the CI collapses onto the ratio; otherwise a t-test on `df`.
 */
function fromLogEstimate(
  common: CommonFields,
  opts: CompareOptions,
  estimate: { logRatio: number; se: number | null; df: number | null; pValue?: number },
  method: ComparisonMethod,
  suffix: string,
): Comparison {
  const ratio = Math.exp(estimate.logRatio);
  let ci: [number, number];
  let pValue: number;
  if (estimate.se === null || estimate.df === null) {
    ci = [ratio, ratio];
    pValue = estimate.logRatio === 0 ? 1 : 0;
  } else {
    const { se, df } = estimate;
    // 2·F(−|t|) rather than 2·(1 − F(|t|)): no cancellation for tiny p-values.
    pValue = estimate.pValue ?? Math.min(1, 2 * tCdf(-Math.abs(estimate.logRatio / se), df));
    const q = tQuantile((1 + opts.confidence) / 2, df);
    ci = [Math.exp(estimate.logRatio - q * se), Math.exp(estimate.logRatio + q * se)];
  }
  const { classification, reason } = classify(ratio, ci, pValue, opts);
  return {
    ...common,
    ratio,
    ci,
    pValue,
    df: estimate.se === null ? null : estimate.df,
    classification,
    method,
    reason: `${reason}${suffix}`,
  };
}

/**
 * Compares per-process ns/op samples of a candidate with a baseline's. See the module comment
 * for the method, the classes and the degenerate cases.
 */
export function compareSamples(
  baseline: readonly number[],
  candidate: readonly number[],
  opts: CompareOptions,
): Comparison {
  checkOptions(opts);
  checkSamples('baseline', baseline);
  checkSamples('candidate', candidate);
  const nb = baseline.length;
  const nc = candidate.length;
  const common: CommonFields = {
    nBaseline: nb,
    nCandidate: nc,
    baselineMedian: nb === 0 ? null : median([...baseline]),
    candidateMedian: nc === 0 ? null : median([...candidate]),
    threshold: opts.threshold,
    alpha: opts.alpha,
    confidence: opts.confidence,
  };
  if (nb === 0 || nc === 0) {
    const missing =
      nb === 0 && nc === 0 ? 'either side' : nb === 0 ? 'the baseline' : 'the candidate';
    return {
      ...common,
      ratio: null,
      ci: null,
      pValue: null,
      df: null,
      classification: 'inconclusive',
      method: 'none',
      reason: `no samples from ${missing}`,
    };
  }
  const trim = opts.trim ?? 0;
  if (trimmedSize(nb, trim) < 2 || trimmedSize(nc, trim) < 2) {
    const ratio = (common.candidateMedian as number) / (common.baselineMedian as number);
    return untestable(
      common,
      ratio,
      `${pct(ratio)} by medians, but a test needs at least 2 samples per side${trim > 0 ? ' after trimming' : ''} (have ${nb} baseline, ${nc} candidate)`,
    );
  }
  const mb = trimmedMoments(baseline.map(Math.log), trim);
  const mc = trimmedMoments(candidate.map(Math.log), trim);
  if (mb.variance === 0 && mc.variance === 0) {
    // Both sides constant (after trimming): the difference is known exactly, there is nothing
    // to estimate.
    const which = trim === 0 ? 'every sample' : 'every sample left after trimming';
    return fromLogEstimate(
      common,
      opts,
      { logRatio: mc.mean - mb.mean, se: null, df: null },
      'exact',
      `; ${which} on each side is identical, so the ratio is exact`,
    );
  }
  const w = welchTest(mb, mc, opts.confidence);
  return fromLogEstimate(
    common,
    opts,
    { logRatio: w.diff, se: w.se, df: w.df, pValue: w.pValue },
    trim === 0 ? 'welch-log-t' : 'yuen-log-t',
    '',
  );
}

/**
 * The comparison for a job measured on one side only: a scenario new in the candidate, one the
 * baseline engine can't run (unsupported), or one that failed on a side. Always inconclusive;
 * `why` says which (e.g. "the baseline engine has no durability modes").
 */
export function compareOneSided(
  present: 'baseline' | 'candidate',
  samples: readonly number[],
  opts: CompareOptions,
  why: string,
): Comparison {
  const c =
    present === 'baseline' ? compareSamples(samples, [], opts) : compareSamples([], samples, opts);
  return { ...c, reason: `only the ${present} was measured: ${why}` };
}

/**
 * Compares baseline and candidate measured in pairs: `baseline[i]` and `candidate[i]` ran in
 * the same round, back to back, with the same V8 seeds. The test is the one-sample trimmed
 * t-test on the per-round log ratios (module comment, "Paired rounds"); the classes and
 * degenerate cases are those of `compareSamples`.
 */
export function comparePairedSamples(
  baseline: readonly number[],
  candidate: readonly number[],
  opts: CompareOptions,
): Comparison {
  if (baseline.length !== candidate.length) {
    throw new RangeError(
      `paired samples need one baseline and one candidate figure per round, got ${baseline.length} and ${candidate.length}`,
    );
  }
  checkOptions(opts);
  checkSamples('baseline', baseline);
  checkSamples('candidate', candidate);
  const n = baseline.length;
  if (n === 0) return compareSamples(baseline, candidate, opts);
  const common: CommonFields = {
    nBaseline: n,
    nCandidate: n,
    baselineMedian: median([...baseline]),
    candidateMedian: median([...candidate]),
    threshold: opts.threshold,
    alpha: opts.alpha,
    confidence: opts.confidence,
  };
  const trim = opts.trim ?? 0;
  const d = candidate.map((c, i) => Math.log(c) - Math.log(baseline[i] as number));
  if (trimmedSize(n, trim) < 2) {
    const ratio = Math.exp(median(d));
    return untestable(
      common,
      ratio,
      `${pct(ratio)} by the median round, but a test needs at least 2 rounds${trim > 0 ? ' after trimming' : ''} (have ${n})`,
    );
  }
  const m = trimmedMoments(d, trim);
  if (m.variance === 0) {
    // Every (kept) round gave the same ratio: nothing to estimate.
    return fromLogEstimate(
      common,
      opts,
      { logRatio: m.mean, se: null, df: null },
      'exact',
      `; every round${trim > 0 ? ' left after trimming' : ''} gave the same ratio, so it is exact`,
    );
  }
  // Yuen's squared standard error of a trimmed mean, (n − 1)·s_w² / (h·(h − 1)): variance / h.
  return fromLogEstimate(
    common,
    opts,
    { logRatio: m.mean, se: Math.sqrt(m.variance / m.n), df: m.n - 1 },
    'paired-trimmed-log-t',
    `; paired by round (${plural(n, 'round')})`,
  );
}

/**
 * The sample SD of per-round log ratios ln(c_i / b_i): how much one paired round tells about
 * the ratio (the standard error of their mean is this over the square root of the count).
 * Null with fewer than 2 rounds.
 */
export function logRatioSpread(
  baseline: readonly number[],
  candidate: readonly number[],
): number | null {
  const n = Math.min(baseline.length, candidate.length);
  if (n < 2) return null;
  const d = Array.from({ length: n }, (_, i) =>
    Math.log((candidate[i] as number) / (baseline[i] as number)),
  );
  return Math.sqrt(sampleVariance(d));
}
