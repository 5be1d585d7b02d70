/** Counted nouns in messages (support/format.ts `plural`), and where the harness prints them. */
import { describe, expect, it } from 'vitest';
import { plural } from '../../../harness/support/format.ts';
import { renderComparison, renderMarkdown } from '../../../harness/render/comparison-text.ts';
import { judge } from '../../../harness/judge/verdict.ts';
import { readResults, type ResultsFile } from '../../../harness/results/results-file.ts';
import { COMPARE_RESULTS } from '../report-fixtures.ts';
import { resultsFile } from '../helpers.ts';

describe('plural', () => {
  it('singular for exactly one, plural otherwise, irregular plurals given', () => {
    expect(plural(1, 'job')).toBe('1 job');
    expect(plural(0, 'job')).toBe('0 jobs');
    expect(plural(3, 'job')).toBe('3 jobs');
    expect(plural(1, 'batch', 'batches')).toBe('1 batch');
    expect(plural(2, 'batch', 'batches')).toBe('2 batches');
  });
});

describe('counts in what the harness prints: "1 job", never "1 jobs"', () => {
  const full = readResults(COMPARE_RESULTS);
  const cmp = full.comparison;
  const first = cmp?.jobs[0];
  if (cmp === undefined || first === undefined) throw new Error('fixture has no jobs');
  const one: ResultsFile = { ...full, comparison: { ...cmp, rounds: 1, jobs: [first] } };

  it('the comparison summary and its Markdown', () => {
    expect(renderComparison(one)).toMatch(/^1 job in 1 round: /m);
    const md = renderMarkdown(one, COMPARE_RESULTS);
    expect(md).toMatch(/, 1 round\. Ratio = /);
    expect(md).toMatch(/^1 job: /m);
    expect(`${renderComparison(one)}\n${md}`).not.toMatch(/\b1 (jobs|rounds)\b/);
    // Several still read as plural.
    expect(renderComparison(full)).toMatch(
      new RegExp(`^${cmp.jobs.length} jobs in ${cmp.rounds} rounds: `, 'm'),
    );
  });

  it('the verdict', () => {
    const unchanged = {
      ...first,
      comparison: { ...first.comparison, classification: 'unchanged' as const },
    };
    const passing: ResultsFile = {
      ...one,
      redFlags: undefined,
      comparison: { ...cmp, rounds: 1, jobs: [unchanged] },
    };
    expect(judge(passing).reasons).toContain(
      'no regression: 1 job, 0 regressed, 0 improved, 1 unchanged, 0 inconclusive',
    );
    const bench = resultsFile();
    expect(bench.results).toHaveLength(1);
    expect(judge(bench).reasons.at(-1)).toBe('1 of 1 scenario measured, none failed');
  });
});
