/** How the gate's "no regression" stops are shown and counted (comparison-text.ts). */
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from '../../../harness/render/comparison-text.ts';
import {
  countClasses,
  describeCounts,
  ruledOutRegression,
} from '../../../harness/judge/verdict.ts';
import { readResults } from '../../../harness/results/results-file.ts';
import { COMPARE_RESULTS } from '../report-fixtures.ts';

describe('jobs the gate stopped once a regression was ruled out', () => {
  const results = readResults(COMPARE_RESULTS);
  const jobs = results.comparison?.jobs ?? [];
  const first = jobs[0];
  if (first === undefined) throw new Error('fixture has no comparison jobs');
  const stopped = {
    ...first,
    stoppedBy: 'no regression',
    comparison: { ...first.comparison, classification: 'inconclusive' as const },
  };

  it('count as "no regression", not inconclusive', () => {
    expect(ruledOutRegression(stopped)).toBe(true);
    expect(ruledOutRegression({ ...stopped, stoppedBy: 'budget' })).toBe(false);
    const counts = countClasses([stopped, { ...stopped, stoppedBy: 'max rounds' }]);
    expect(counts['no regression']).toBe(1);
    expect(counts.inconclusive).toBe(1);
    expect(describeCounts(counts)).toMatch(
      /0 regressed, 0 improved, 0 unchanged, 1 inconclusive, 1 no regression/,
    );
    expect(describeCounts(countClasses([]))).not.toMatch(/no regression/);
  });

  it('are left out of the Markdown summary’s list, like unchanged ones', () => {
    const md = renderMarkdown(
      {
        ...results,
        comparison: {
          ...(results.comparison as NonNullable<typeof results.comparison>),
          jobs: [stopped, ...jobs.slice(1)],
        },
      },
      COMPARE_RESULTS,
    );
    expect(md).toMatch(/no regression \(stopped once ruled out\)/);
    expect(md).toMatch(/unchanged and no-regression ones not listed/);
    expect(md).not.toContain(`| ${stopped.name} | ${stopped.mode ?? 'read-only'} |`);
  });
});
