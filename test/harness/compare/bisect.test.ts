/**
 * The search of `find` on synthetic step outcomes: every culprit position of every range up to
 * nine commits, the step bound, no commit judged twice, and an inconclusive step at every
 * position the search visits.
 */
import { describe, expect, it } from 'vitest';
import {
  bisect,
  maxSteps,
  type BisectResult,
  type StepOutcome,
  type StepVerdict,
} from '../../../harness/compare/bisect.ts';

const commitsOf = (n: number): string[] => Array.from({ length: n }, (_, i) => `c${i + 1}`);

/** A judge over positions: `verdictAt(position)`, recording every call. */
function judgeBy(verdictAt: (position: number) => StepVerdict) {
  const calls: Array<{ commit: string; position: number }> = [];
  const judge = async (commit: string, position: number): Promise<StepOutcome<string>> => {
    calls.push({ commit, position });
    return { verdict: verdictAt(position), detail: `judged ${commit}` };
  };
  return { calls, judge };
}

/** Slower from `culprit` on (a step at `culprit`); null: nothing is slower. */
const stepAt =
  (culprit: number | null) =>
  (position: number): StepVerdict =>
    culprit !== null && position >= culprit ? 'slower' : 'not slower';

function expectCulprit(r: BisectResult<string>, position: number): void {
  expect(r.kind).toBe('culprit');
  if (r.kind !== 'culprit') return;
  expect(r.position).toBe(position);
  expect(r.commit).toBe(`c${position}`);
  expect(r.judgedBy.commit).toBe(`c${position}`);
  expect(r.judgedBy.verdict).toBe('slower');
  expect(r.judgedBy.detail).toBe(`judged c${position}`);
}

describe('bisect', () => {
  it('maxSteps is ceil(log2(n)) + 1', () => {
    expect([1, 2, 3, 4, 5, 8, 9, 16, 17].map(maxSteps)).toEqual([1, 2, 3, 3, 4, 4, 5, 5, 6]);
  });

  for (let n = 1; n <= 9; n++) {
    it(`names the culprit at every position of ${n} commit${n === 1 ? '' : 's'}, within ${maxSteps(n)} steps, judging bad first and no commit twice`, async () => {
      for (let culprit = 1; culprit <= n; culprit++) {
        const { calls, judge } = judgeBy(stepAt(culprit));
        const r = await bisect(commitsOf(n), judge);
        expectCulprit(r, culprit);
        expect(calls[0]?.position).toBe(n);
        expect(calls.length).toBeLessThanOrEqual(maxSteps(n));
        expect(new Set(calls.map((c) => c.commit)).size).toBe(calls.length);
        for (const c of calls) expect(c.commit).toBe(`c${c.position}`);
        // The steps it reports are the calls it made, in order.
        expect(r.steps.map((s) => s.position)).toEqual(calls.map((c) => c.position));
        // The culprit's predecessor was judged not slower, unless it is good itself.
        if (culprit > 1) {
          expect(r.steps.find((s) => s.position === culprit - 1)?.verdict).toBe('not slower');
        }
      }
    });
  }

  it('stops after one step when bad is not slower: nothing to find', async () => {
    for (let n = 1; n <= 9; n++) {
      const { calls, judge } = judgeBy(stepAt(null));
      const r = await bisect(commitsOf(n), judge);
      expect(r.kind).toBe('not-slower');
      expect(calls).toEqual([{ commit: `c${n}`, position: n }]);
    }
  });

  it('stops after one step when bad is inconclusive, with the whole range left', async () => {
    const { calls, judge } = judgeBy(() => 'inconclusive');
    const r = await bisect(commitsOf(5), judge);
    expect(calls).toHaveLength(1);
    expect(r).toMatchObject({
      kind: 'inconclusive',
      lo: 0,
      hi: 5,
      hiSlower: false,
      range: commitsOf(5),
    });
  });

  it('on 7 commits with the step at 4: judges 7, 3, 5, 4 and names 4', async () => {
    const { calls, judge } = judgeBy(stepAt(4));
    expectCulprit(await bisect(commitsOf(7), judge), 4);
    expect(calls.map((c) => c.position)).toEqual([7, 3, 5, 4]);
  });

  it('stops at an inconclusive step with the commits between lo and hi', async () => {
    // 7 commits, step at 4; position 5 inconclusive: 7 slower, 3 not slower, 5 stops it.
    const { calls, judge } = judgeBy((p) => (p === 5 ? 'inconclusive' : stepAt(4)(p)));
    const r = await bisect(commitsOf(7), judge);
    expect(calls.map((c) => c.position)).toEqual([7, 3, 5]);
    expect(r).toMatchObject({
      kind: 'inconclusive',
      lo: 3,
      hi: 7,
      hiSlower: true,
      range: ['c4', 'c5', 'c6', 'c7'],
    });
    expect(r.steps.at(-1)?.verdict).toBe('inconclusive');
  });

  it('an inconclusive step anywhere: stops there, and the range left holds the culprit', async () => {
    for (let n = 1; n <= 9; n++) {
      for (let culprit = 1; culprit <= n; culprit++) {
        for (let q = 1; q <= n; q++) {
          const { calls, judge } = judgeBy((p) => (p === q ? 'inconclusive' : stepAt(culprit)(p)));
          const r = await bisect(commitsOf(n), judge);
          const where = `n ${n}, culprit ${culprit}, inconclusive at ${q}`;
          expect(new Set(calls.map((c) => c.commit)).size, where).toBe(calls.length);
          if (!calls.some((c) => c.position === q)) {
            // The search never needed q: it names the culprit as if q were judged.
            expectCulprit(r, culprit);
            continue;
          }
          expect(r.kind, where).toBe('inconclusive');
          if (r.kind !== 'inconclusive') continue;
          expect(calls.at(-1)?.position, where).toBe(q);
          expect(r.lo, where).toBeLessThan(q);
          expect(r.hi, where).toBeGreaterThanOrEqual(q);
          expect(r.range, where).toEqual(commitsOf(n).slice(r.lo, r.hi));
          expect(r.range, where).toContain(`c${culprit}`);
          // lo is good or a commit judged not slower; hi one judged slower, or bad unjudged.
          const verdictOf = (p: number) => r.steps.find((s) => s.position === p)?.verdict;
          if (r.lo > 0) expect(verdictOf(r.lo), where).toBe('not slower');
          if (r.hiSlower) expect(verdictOf(r.hi), where).toBe('slower');
          else expect([r.hi, q], where).toEqual([n, n]);
        }
      }
    }
  });

  it('refuses an empty range', async () => {
    await expect(bisect([], judgeBy(stepAt(1)).judge)).rejects.toThrow(/no commit/);
  });
});
