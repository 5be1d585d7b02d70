/**
 * The search of `find`: the first commit of a range that is slower than the range's good end,
 * by binary search over step outcomes a callback supplies. It knows nothing of processes or
 * git, so its logic is tested on synthetic outcomes.
 *
 * The range is `commits` oldest first (good itself excluded); position 0 stands for good, which
 * is not slower than itself, and positions 1..n for the commits. The bad end (position n) is
 * judged first: when it is not slower there is nothing to find. Otherwise the search keeps the
 * invariant "lo is not slower, hi is slower" and judges the midpoint of lo and hi until hi is
 * lo's next commit: hi is then the culprit. An inconclusive step stops the search with the
 * commits still in question, lo+1..hi, rather than guessing a side: a wrong guess would name
 * an innocent commit with nothing to show for it.
 *
 * Every judged commit lies strictly between the lo and hi of its moment, so none is judged
 * twice, and a range of n commits takes at most ceil(log2(n)) + 1 steps.
 */

import type { StepVerdict } from '../results/find-file.ts';

export type { StepVerdict };

/** What the callback returns for one commit: the verdict and whatever the caller records. */
export interface StepOutcome<T> {
  verdict: StepVerdict;
  detail: T;
}

export interface BisectStep<T> extends StepOutcome<T> {
  /** 1-based position of the commit in the range. */
  position: number;
  commit: string;
}

export type BisectResult<T> =
  | {
      kind: 'culprit';
      /** The first slower commit: its predecessor (or good) was judged not slower. */
      position: number;
      commit: string;
      /** The step that judged it slower. */
      judgedBy: BisectStep<T>;
      steps: BisectStep<T>[];
    }
  | {
      kind: 'inconclusive';
      /** The last position known not slower (0: good). */
      lo: number;
      /** The first position known slower, or n when bad itself was inconclusive. */
      hi: number;
      /** False when bad itself could not be judged: the range may hold no culprit at all. */
      hiSlower: boolean;
      /** The commits still in question, positions lo+1..hi, oldest first. */
      range: string[];
      steps: BisectStep<T>[];
    }
  | { kind: 'not-slower'; steps: BisectStep<T>[] };

/** The most steps `bisect` takes over `n` commits. */
export function maxSteps(n: number): number {
  return n <= 0 ? 0 : Math.ceil(Math.log2(n)) + 1;
}

/**
 * Finds the first slower commit of `commits` (oldest first), judging each commit through
 * `judge(commit, position)`, one at a time, in the order the search needs them.
 */
export async function bisect<T>(
  commits: readonly string[],
  judge: (commit: string, position: number) => Promise<StepOutcome<T>>,
): Promise<BisectResult<T>> {
  const n = commits.length;
  if (n === 0) throw new RangeError('bisect: the range holds no commit');
  const steps: BisectStep<T>[] = [];
  const commitAt = (position: number): string => commits[position - 1] as string;
  const step = async (position: number): Promise<BisectStep<T>> => {
    const commit = commitAt(position);
    const s: BisectStep<T> = { position, commit, ...(await judge(commit, position)) };
    steps.push(s);
    return s;
  };
  const inconclusive = (lo: number, hi: number, hiSlower: boolean): BisectResult<T> => ({
    kind: 'inconclusive',
    lo,
    hi,
    hiSlower,
    range: commits.slice(lo, hi),
    steps,
  });

  let hiStep = await step(n);
  if (hiStep.verdict === 'not slower') return { kind: 'not-slower', steps };
  if (hiStep.verdict === 'inconclusive') return inconclusive(0, n, false);
  let lo = 0;
  let hi = n;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const s = await step(mid);
    if (s.verdict === 'inconclusive') return inconclusive(lo, hi, true);
    if (s.verdict === 'slower') {
      hi = mid;
      hiStep = s;
    } else {
      lo = mid;
    }
  }
  return { kind: 'culprit', position: hi, commit: commitAt(hi), judgedBy: hiStep, steps };
}
