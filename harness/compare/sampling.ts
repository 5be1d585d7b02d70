/**
 * Sequential sampling: measure baseline and candidate round by round until every job is
 * resolved (improved, unchanged or regressed: see stats/comparison.ts) or a limit is reached, as
 * tachometer's auto-sampling does (https://github.com/google/tachometer#auto-sampling): take a
 * fixed minimum of samples, then keep sampling only what is still undecided, until a time
 * budget runs out.
 *
 * The controller knows nothing of processes: `measurePair(job, round, slot)` returns one or
 * more paired baseline/candidate figures (ns/op; a batch of replicates: paired.ts), so it is
 * tested with synthetic samplers. Against stored results (`fixedBaseline`), the baseline's
 * samples are given once and each round measures the candidate only; everything else (rounds,
 * budget, stopping rules, errors) is the same controller. With `concurrency` > 1 that many lanes measure at once, each
 * with its own `slot` (the CPU its child is pinned to); with `shuffle` each round visits its
 * jobs in a fresh random order.
 *
 * Rules:
 *   - Rounds 1 .. minRounds measure every job. The budget does not cut these short: no
 *     comparison is possible without them, and their cost (jobs x minRounds pairs) is
 *     predictable. As in tachometer, the time budget bounds the sampling beyond the minimum.
 *   - From round minRounds on, after each round, a job whose comparison is resolved stops
 *     sampling; its classification is final.
 *   - Sampling stops when every job is resolved, after maxRounds rounds, or when the budget
 *     (wall time since the start, checked before each pair after the minimum) is used up; the
 *     jobs still unresolved stay inconclusive, their reason saying which limit stopped them.
 *     A round cut short by the budget leaves some jobs with one sample more than others, which
 *     the comparison handles (the two sides of each job always have the same count).
 *   - A measurePair that throws stops that job only (stoppedBy 'error', inconclusive, with the
 *     message); the other jobs go on.
 *
 * Repeated looks at the data (one after every round) make a "regressed" call easier than a
 * single test at the same alpha; the gate therefore confirms a regression with an independent
 * second pass (`confirmRegressions`), and the defaults in perf.config.json are tuned for it by
 * test/harness/compare/trust.test.ts.
 *
 * One piece: the controller and the confirmation pass share the plan, the stopping rules and the outcome types; split, the rules of one algorithm would live in two places.
 */
import {
  compareOneSided,
  comparePairedSamples,
  compareSamples,
  isResolved,
  upperBound,
  type Comparison,
} from '../stats/comparison.ts';
import { errorMessage } from '../support/errors.ts';
import { plural } from '../support/format.ts';

export interface PairSample {
  baseline: number;
  candidate: number;
}

/** A candidate figure against a fixed (stored) baseline: no baseline is measured. */
export interface CandidateSample {
  candidate: number;
}

/** What one measurement returns: one pair, a batch of pairs, or candidate figures alone. */
export type Measured = PairSample | readonly PairSample[] | readonly CandidateSample[];

export type JobStop = 'resolved' | 'no regression' | 'max rounds' | 'budget' | 'error';

/**
 * A slowdown of the threshold or more is ruled out when the one-sided upper bound of the ratio
 * at 1 − alpha is at or below 1 + threshold: the one-sided test of "slower by T or more"
 * rejects at alpha. (Calling a regression needs two-sided p < alpha, one-sided alpha/2: the
 * bound at 1 − alpha/2 would be the mirror image. It was tried: over 200 trust trials it
 * confirmed 97 % of 10 % slowdowns against 96 % at 1 − alpha, within noise, for ~4 % more
 * pairs.) The 95 % interval alone would be too loose for a rule looked at after every round.
 */
export function rulesOutRegression(c: Comparison, level = 1 - c.alpha): boolean {
  const bound = upperBound(c, level);
  return bound !== null && bound <= 1 + c.threshold;
}
export type RunStop = 'all resolved' | 'max rounds' | 'budget';

export interface RoundInfo<J extends string> {
  /** 1-based. */
  round: number;
  /** Jobs measured in this round. */
  measured: J[];
  /** Jobs still sampling after this round. */
  unresolved: J[];
  elapsedMs: number;
  /** Current comparison of every job that has one (all jobs, once the minimum has run). */
  comparisons: ReadonlyMap<J, Comparison>;
}

export interface SequentialPlan<J extends string> {
  /** Rounds every job gets, whatever the budget (>= 2: a test needs 2 samples per side). */
  minRounds: number;
  /** No job gets more rounds than this. */
  maxRounds: number;
  /** Wall-time budget for the whole run, in ms; bounds sampling beyond minRounds. */
  budgetMs: number;
  /** Practical threshold per job (e.g. from config.thresholdFor). */
  threshold: (job: J) => number;
  alpha: number;
  confidence: number;
  /**
   * Consecutive looks (rounds) that must give the same resolved class before a job stops
   * (default 1: stop at the first). More looks damp the spurious calls that repeated testing
   * invites, at the cost of extra rounds for every resolved job.
   */
  settleLooks?: number;
  /** Trimming fraction (stats/comparison.ts); default 0: Welch's test, or the paired t-test. */
  trim?: number;
  /**
   * The two figures of a pair were measured together (back to back, same seeds): compare
   * per-round ratios (comparePairedSamples) rather than two independent samples. Default false.
   */
  paired?: boolean;
  /**
   * The baseline's samples are known (a stored results file): measurePair returns candidate
   * figures only, compared unpaired with these. A job with no stored figure (`samples` empty)
   * is compared one-sided, with `missing` as the reason. Default: both sides are measured.
   */
  fixedBaseline?: (job: J) => { samples: readonly number[]; missing: string };
  /**
   * Also stop a job once a slowdown of its threshold or more is ruled out (`rulesOutRegression`),
   * whatever its class: the gate asks only "did anything regress?", and
   * the rounds saved go to the jobs that may have. Default false (compare: resolve every job).
   */
  regressionsOnly?: boolean;
  /**
   * The one-sided level of the upper bound that rules a regression out (`rulesOutRegression`);
   * default 1 − alpha. A miss costs less than a false alarm here: a real slowdown well past
   * the threshold keeps its bound above it at any usual level, so the trust test tunes this.
   */
  ruleOutLevel?: number;
  /**
   * Visit the unresolved jobs of each round in a fresh random order (default false: the given
   * order), so no job always runs at the same point of a round or last when the budget ends.
   */
  shuffle?: boolean;
  /**
   * Jobs measured at once (default 1). Each of `concurrency` lanes passes its index as
   * measurePair's `slot`, e.g. the CPU its child is pinned to: a replicate's two sides share
   * one core, so lanes on different cores do not bias any pair.
   */
  concurrency?: number;
  /** Uniform [0, 1) source for `shuffle` (default Math.random); injected by tests. */
  random?: () => number;
  /** Clock in ms (default performance.now); injected by tests. */
  now?: () => number;
  /** Called after every round (progress display). */
  onRound?: (info: RoundInfo<J>) => void;
}

export interface JobOutcome<J extends string> {
  job: J;
  baseline: number[];
  candidate: number[];
  comparison: Comparison;
  /** Rounds this job was measured in. */
  rounds: number;
  stoppedBy: JobStop;
}

export interface SequentialResult<J extends string> {
  /** In the order the jobs were given. */
  jobs: JobOutcome<J>[];
  /** Rounds run (the last one possibly cut short by the budget). */
  rounds: number;
  /** measurePair calls made. */
  pairs: number;
  elapsedMs: number;
  stoppedBy: RunStop;
}

interface JobState<J extends string> {
  job: J;
  baseline: number[];
  candidate: number[];
  comparison: Comparison | null;
  stoppedBy: JobStop | null;
  error: string | null;
  /** Consecutive looks that gave the current resolved classification. */
  streak: number;
}

function validatePlan<J extends string>(plan: SequentialPlan<J>): void {
  if (!Number.isInteger(plan.minRounds) || plan.minRounds < 2) {
    throw new RangeError(`minRounds must be an integer >= 2, got ${plan.minRounds}`);
  }
  if (!Number.isInteger(plan.maxRounds) || plan.maxRounds < plan.minRounds) {
    throw new RangeError(`maxRounds must be an integer >= minRounds, got ${plan.maxRounds}`);
  }
  if (!(plan.budgetMs >= 0)) throw new RangeError(`budgetMs must be >= 0, got ${plan.budgetMs}`);
}

function limitReason(stop: JobStop, rounds: number): string {
  switch (stop) {
    case 'budget':
      return `unresolved when the time budget ran out after ${rounds} round${rounds === 1 ? '' : 's'}`;
    case 'max rounds':
      return `unresolved after the maximum of ${rounds} rounds`;
    default:
      return '';
  }
}

/** Fisher–Yates, in place (Knuth, TAOCP vol. 2, algorithm 3.4.2 P). */
function shuffle<T>(xs: T[], random: () => number): void {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
}

/**
 * Runs the sequential comparison of `jobs`: `concurrency` measurements at a time (default
 * one), jobs in the given order within a round unless `shuffle`.
 */
export async function runSequential<J extends string>(
  jobs: readonly J[],
  measurePair: (job: J, round: number, slot: number) => Promise<Measured>,
  plan: SequentialPlan<J>,
): Promise<SequentialResult<J>> {
  validatePlan(plan);
  if (new Set(jobs).size !== jobs.length) throw new RangeError('runSequential: duplicate job ids');
  const now = plan.now ?? (() => performance.now());
  const start = now();
  const fixed = plan.fixedBaseline;
  const states: JobState<J>[] = jobs.map((job) => ({
    job,
    baseline: fixed === undefined ? [] : [...fixed(job).samples],
    candidate: [],
    comparison: null,
    stoppedBy: null,
    error: null,
    streak: 0,
  }));
  const test = plan.paired === true && fixed === undefined ? comparePairedSamples : compareSamples;
  const compare = (s: JobState<J>): Comparison => {
    const opts = {
      threshold: plan.threshold(s.job),
      alpha: plan.alpha,
      confidence: plan.confidence,
      trim: plan.trim ?? 0,
    };
    if (fixed !== undefined && s.baseline.length === 0) {
      return compareOneSided('candidate', s.candidate, opts, fixed(s.job).missing);
    }
    return test(s.baseline, s.candidate, opts);
  };

  let rounds = 0;
  let pairs = 0;
  let stoppedBy: RunStop | null = null;
  while (stoppedBy === null) {
    const active = states.filter((s) => s.stoppedBy === null);
    if (plan.shuffle === true) shuffle(active, plan.random ?? Math.random);
    if (active.length === 0) {
      stoppedBy = 'all resolved';
      break;
    }
    if (rounds >= plan.maxRounds) {
      stoppedBy = 'max rounds';
      break;
    }
    const round = rounds + 1;
    const measured: J[] = [];
    // `concurrency` lanes take the round's jobs in turn; each checks the budget before it
    // starts a job, so a round cut short leaves the rest of its jobs unmeasured.
    let next = 0;
    const lane = async (slot: number): Promise<void> => {
      while (next < active.length && stoppedBy === null) {
        if (round > plan.minRounds && now() - start >= plan.budgetMs) {
          stoppedBy = 'budget';
          return;
        }
        const s = active[next++] as JobState<J>;
        try {
          const got = await measurePair(s.job, round, slot);
          for (const sample of Array.isArray(got) ? got : [got]) {
            if (fixed === undefined) {
              if (!('baseline' in sample)) throw new Error('a paired sample needs its baseline');
              s.baseline.push(sample.baseline);
            }
            s.candidate.push(sample.candidate);
          }
        } catch (err) {
          s.stoppedBy = 'error';
          s.error = errorMessage(err);
        }
        pairs++;
        measured.push(s.job);
      }
    };
    const lanes = Math.max(1, Math.floor(plan.concurrency ?? 1));
    await Promise.all(Array.from({ length: lanes }, (_, slot) => lane(slot)));
    if (measured.length > 0) rounds = round;
    if (rounds >= plan.minRounds) {
      for (const s of states) {
        if (s.stoppedBy !== null) continue;
        const previous = s.comparison?.classification;
        s.comparison = compare(s);
        if (!isResolved(s.comparison)) s.streak = 0;
        else s.streak = s.comparison.classification === previous ? s.streak + 1 : 1;
        if (s.streak >= (plan.settleLooks ?? 1)) s.stoppedBy = 'resolved';
        else if (
          plan.regressionsOnly === true &&
          rulesOutRegression(s.comparison, plan.ruleOutLevel)
        ) {
          s.stoppedBy = 'no regression';
        }
      }
    }
    if (measured.length === 0) continue;
    plan.onRound?.({
      round,
      measured,
      unresolved: states.filter((s) => s.stoppedBy === null).map((s) => s.job),
      elapsedMs: now() - start,
      comparisons: new Map(
        states.flatMap((s) => (s.comparison === null ? [] : [[s.job, s.comparison] as const])),
      ),
    });
  }

  const outcomes = states.map((s): JobOutcome<J> => {
    const stop: JobStop = s.stoppedBy ?? (stoppedBy === 'budget' ? 'budget' : 'max rounds');
    let comparison = s.comparison ?? compare(s);
    if (stop === 'error') {
      comparison = {
        ...comparison,
        classification: 'inconclusive',
        reason: `measurement failed after ${plural(s.candidate.length, fixed === undefined ? 'pair' : 'sample')}: ${s.error ?? 'unknown error'}`,
      };
    } else if (stop === 'no regression') {
      comparison = {
        ...comparison,
        reason: `stopped once a slowdown of ${(comparison.threshold * 100).toFixed(1)}% or more was ruled out (the gate's question): ${comparison.reason}`,
      };
    } else if (stop !== 'resolved') {
      comparison = {
        ...comparison,
        reason: `${limitReason(stop, s.candidate.length)}: ${comparison.reason}`,
      };
    }
    return {
      job: s.job,
      baseline: s.baseline,
      candidate: s.candidate,
      comparison,
      rounds: s.candidate.length,
      stoppedBy: stop,
    };
  });
  return { jobs: outcomes, rounds, pairs, elapsedMs: now() - start, stoppedBy };
}

export interface ConfirmedJob<J extends string> {
  job: J;
  first: Comparison;
  /** The independent second pass's verdict (null when confirmation was off). */
  second: Comparison | null;
  confirmed: boolean;
}

export interface Confirmation<J extends string> {
  /** One entry per job the first pass called regressed, in first-pass order. */
  checked: ConfirmedJob<J>[];
  confirmed: J[];
  /** Regressed in the first pass, not in the second: reported, but not failing the gate. */
  unconfirmed: J[];
  /** The second pass itself (null when no job needed confirming, or confirmation is off). */
  secondPass: SequentialResult<J> | null;
}

/**
 * The gate's rule: a regression counts only if an independent second pass over fresh samples
 * (the same controller, nothing pooled with the first pass) classifies it regressed again.
 * Under no real change, a spurious call must then happen twice in a row, which multiplies two
 * small probabilities; a real slowdown beyond the threshold is called by both passes.
 *
 * `secondPass(jobs)` runs the comparison again on just those jobs, typically
 * `(jobs) => runSequential(jobs, measurePair, plan)`. With `confirm: false` every first-pass
 * regression counts as confirmed and nothing is re-run.
 */
export async function confirmRegressions<J extends string>(
  first: SequentialResult<J>,
  secondPass: (jobs: J[]) => Promise<SequentialResult<J>>,
  options: { confirm: boolean } = { confirm: true },
): Promise<Confirmation<J>> {
  const regressed = first.jobs.filter((o) => o.comparison.classification === 'regressed');
  if (regressed.length === 0 || !options.confirm) {
    const checked = regressed.map((o) => ({
      job: o.job,
      first: o.comparison,
      second: null,
      confirmed: true,
    }));
    return { checked, confirmed: checked.map((c) => c.job), unconfirmed: [], secondPass: null };
  }
  const second = await secondPass(regressed.map((o) => o.job));
  const byJob = new Map(second.jobs.map((o) => [o.job, o.comparison]));
  const checked = regressed.map((o): ConfirmedJob<J> => {
    const again = byJob.get(o.job) ?? null;
    return {
      job: o.job,
      first: o.comparison,
      second: again,
      confirmed: again?.classification === 'regressed',
    };
  });
  return {
    checked,
    confirmed: checked.filter((c) => c.confirmed).map((c) => c.job),
    unconfirmed: checked.filter((c) => !c.confirmed).map((c) => c.job),
    secondPass: second,
  };
}
