/**
 * A `find` step's outcome, decided from the step's results file: is this commit slower than
 * good? The question is the gate's, so the rules are verdict.ts's:
 *   - slower: a selected job is a regression that counts (`countedRegressions`: in a run with
 *     the gate's confirmation pass, only one the second pass confirmed);
 *   - not slower: every selected job is settled without one: improved, unchanged, or stopped
 *     once a slowdown of its threshold was ruled out (`ruledOutRegression`); also a step whose
 *     measured trees are identical to good's, where nothing was measured;
 *   - inconclusive: anything else (a job unresolved at the budget, a first-pass regression the
 *     second pass refuted, a failed measurement). The search stops there rather than guess.
 */
import { formatRatioCi } from '../support/format.ts';
import type { JobComparison, ResultsFile } from '../results/results-file.ts';
import type { StepVerdict } from '../results/find-file.ts';
import { countedRegressions, ruledOutRegression } from './verdict.ts';

export interface StepJudgment {
  verdict: StepVerdict;
  /**
   * The job the verdict rests on: the slowest counted regression; the first unsettled job;
   * or, when not slower, the slowest job. Null when nothing was measured.
   */
  job: JobComparison | null;
  /** Why, in a sentence. */
  reason: string;
}

/** Settled with no regression: the gate's "no regression" or a resolved class other than it. */
export function settledNotSlower(j: JobComparison): boolean {
  const c = j.comparison.classification;
  return c === 'improved' || c === 'unchanged' || ruledOutRegression(j);
}

function slowest(jobs: readonly JobComparison[]): JobComparison | null {
  let best: JobComparison | null = null;
  for (const j of jobs) {
    if (best === null || (j.comparison.ratio ?? 0) > (best.comparison.ratio ?? 0)) best = j;
  }
  return best;
}

/** Why a job is neither a counted regression nor settled. */
function unsettledReason(j: JobComparison): string {
  if (j.comparison.classification === 'regressed' && j.confirmed === false) {
    return `${j.id}: regressed (${formatRatioCi(j)}) in the first pass, not confirmed by the second`;
  }
  return `${j.id}: ${j.comparison.classification} (${formatRatioCi(j)}): ${j.comparison.reason}`;
}

export function judgeStep(results: ResultsFile): StepJudgment {
  const cmp = results.comparison;
  if (cmp === undefined) {
    return { verdict: 'inconclusive', job: null, reason: 'the step ran no comparison' };
  }
  if (cmp.identical !== undefined) {
    return { verdict: 'not slower', job: null, reason: cmp.identical };
  }
  const regressions = countedRegressions(cmp.jobs);
  const worst = slowest(regressions);
  if (worst !== null) {
    const how = worst.confirmed === true ? ', confirmed by a second pass' : '';
    return {
      verdict: 'slower',
      job: worst,
      reason: `${worst.id} regressed: ${formatRatioCi(worst)}${how}`,
    };
  }
  const unsettled = cmp.jobs.find((j) => !settledNotSlower(j));
  if (unsettled !== undefined) {
    return { verdict: 'inconclusive', job: unsettled, reason: unsettledReason(unsettled) };
  }
  if (cmp.jobs.length === 0) {
    return { verdict: 'inconclusive', job: null, reason: 'the step compared no job' };
  }
  return {
    verdict: 'not slower',
    job: slowest(cmp.jobs),
    reason: `a slowdown beyond the threshold is ruled out for ${cmp.jobs.map((j) => j.id).join(', ')}`,
  };
}
