/**
 * A find step's outcome from its results file: slower only on a counted (confirmed)
 * regression, not slower only when every job is settled without one, inconclusive otherwise.
 */
import { describe, expect, it } from 'vitest';
import { judgeStep, settledNotSlower } from '../../../harness/judge/step-outcome.ts';
import type { JobComparison, ResultsFile } from '../../../harness/results/results-file.ts';
import { COMPARE_RESULTS, readFixture } from '../report-fixtures.ts';

type Setting = Pick<JobComparison, 'stoppedBy' | 'confirmed'> & {
  classification: JobComparison['comparison']['classification'];
  ratio: number;
};

/** The compare fixture (3 jobs) as a find step, each job set as given. */
function step(...settings: Setting[]): ResultsFile {
  const r = readFixture(COMPARE_RESULTS);
  r.kind = 'find';
  const cmp = r.comparison;
  if (cmp === undefined || cmp.jobs.length < settings.length) throw new Error('fixture changed');
  cmp.jobs = cmp.jobs.slice(0, settings.length).map((j, i) => {
    const s = settings[i] as Setting;
    return {
      ...j,
      stoppedBy: s.stoppedBy,
      confirmed: s.confirmed,
      comparison: {
        ...j.comparison,
        classification: s.classification,
        ratio: s.ratio,
        ci: [s.ratio * 0.95, s.ratio * 1.05],
      },
    };
  });
  return r;
}

const ruledOut: Setting = {
  classification: 'inconclusive',
  stoppedBy: 'no regression',
  confirmed: null,
  ratio: 1.01,
};
const unchanged: Setting = {
  classification: 'unchanged',
  stoppedBy: 'resolved',
  confirmed: null,
  ratio: 1.02,
};
const improved: Setting = {
  classification: 'improved',
  stoppedBy: 'resolved',
  confirmed: null,
  ratio: 0.8,
};
const confirmed = (ratio: number): Setting => ({
  classification: 'regressed',
  stoppedBy: 'resolved',
  confirmed: true,
  ratio,
});
const refuted: Setting = {
  classification: 'regressed',
  stoppedBy: 'resolved',
  confirmed: false,
  ratio: 1.08,
};
const atBudget: Setting = {
  classification: 'inconclusive',
  stoppedBy: 'budget',
  confirmed: null,
  ratio: 1.04,
};

describe('judgeStep', () => {
  it('slower on a confirmed regression, resting on the slowest one', () => {
    const j = judgeStep(step(ruledOut, confirmed(1.3), confirmed(1.6)));
    expect(j.verdict).toBe('slower');
    expect(j.job?.comparison.ratio).toBe(1.6);
    expect(j.reason).toMatch(/regressed: 1\.600 \[1\.520, 1\.680\], confirmed by a second pass$/);
  });

  it('slower wins over an unsettled job', () => {
    expect(judgeStep(step(atBudget, confirmed(1.5))).verdict).toBe('slower');
  });

  it('not slower when every job is ruled out, unchanged or improved', () => {
    const j = judgeStep(step(ruledOut, unchanged, improved));
    expect(j.verdict).toBe('not slower');
    expect(j.job?.comparison.ratio).toBe(1.02);
    expect(j.reason).toMatch(/ruled out for /);
  });

  it('inconclusive when one job is unresolved at the budget, naming it', () => {
    const r = step(ruledOut, atBudget);
    const j = judgeStep(r);
    expect(j.verdict).toBe('inconclusive');
    expect(j.job?.id).toBe(r.comparison?.jobs[1]?.id);
    expect(j.reason).toContain('inconclusive (1.040');
  });

  it('inconclusive on a first-pass regression the second pass refuted', () => {
    const j = judgeStep(step(refuted));
    expect(j.verdict).toBe('inconclusive');
    expect(j.reason).toMatch(/not confirmed by the second/);
  });

  it('not slower, with nothing measured, when the trees are identical to good', () => {
    const r = step();
    if (r.comparison === undefined) throw new Error('fixture changed');
    r.comparison.identical = 'identical engine trees';
    expect(judgeStep(r)).toEqual({
      verdict: 'not slower',
      job: null,
      reason: 'identical engine trees',
    });
  });

  it('inconclusive when nothing was compared', () => {
    expect(judgeStep(step()).verdict).toBe('inconclusive');
    const { comparison: _c, ...none } = step();
    expect(judgeStep(none).verdict).toBe('inconclusive');
  });

  it('settledNotSlower is what verdict.ts counts as no regression, or a resolved non-regression', () => {
    const jobs = step(ruledOut, unchanged, improved).comparison?.jobs ?? [];
    expect(jobs.map(settledNotSlower)).toEqual([true, true, true]);
    const others = step(atBudget, refuted, confirmed(1.2)).comparison?.jobs ?? [];
    expect(others.map(settledNotSlower)).toEqual([false, false, false]);
  });
});
