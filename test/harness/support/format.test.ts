import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatHz,
  formatMs,
  formatNs,
  formatRatio,
  formatRatioCi,
  formatP,
  formatPeerRatio,
  plural,
} from '../../../harness/support/format.ts';
import { renderComparison, renderMarkdown } from '../../../harness/render/comparison-text.ts';
import { judge } from '../../../harness/judge/verdict.ts';
import { readResults, type ResultsFile } from '../../../harness/results/results-file.ts';
import { COMPARE_RESULTS } from '../report-fixtures.ts';
import { resultsFile } from '../helpers.ts';

describe('formatHz', () => {
  it('switches unit at 1e3 and 1e6, with the precision of each', () => {
    expect(formatHz(null)).toBe('-');
    expect(formatHz(0)).toBe('0.0');
    expect(formatHz(999.94)).toBe('999.9');
    expect(formatHz(1000)).toBe('1.0K');
    expect(formatHz(123_456)).toBe('123.5K');
    expect(formatHz(1e6)).toBe('1.00M');
    expect(formatHz(52_345_678)).toBe('52.35M');
  });
});

describe('formatNs', () => {
  it('ns, µs, ms and s, switching at each power of 1000', () => {
    expect(formatNs(null)).toBe('-');
    expect(formatNs(12.34)).toBe('12.3 ns');
    expect(formatNs(999)).toBe('999.0 ns');
    expect(formatNs(1000)).toBe('1.00 µs');
    expect(formatNs(2_345)).toBe('2.35 µs');
    expect(formatNs(1e6)).toBe('1.00 ms');
    expect(formatNs(76_500_000)).toBe('76.50 ms');
    expect(formatNs(1e9)).toBe('1.00 s');
    expect(formatNs(12.5e9)).toBe('12.50 s');
  });
});

describe('formatBytes', () => {
  it('whole bytes below 1 KiB, KiB with one decimal from 1024', () => {
    expect(formatBytes(null)).toBe('-');
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(40.4)).toBe('40 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
});

describe('formatRatio', () => {
  it('one decimal and an x', () => {
    expect(formatRatio(null)).toBe('-');
    expect(formatRatio(2.04)).toBe('2.0x');
    expect(formatRatio(8.96)).toBe('9.0x');
  });
});

describe('formatMs', () => {
  it('seconds with one decimal under a minute, then minutes and whole seconds', () => {
    expect(formatMs(0)).toBe('0.0 s');
    expect(formatMs(1_234)).toBe('1.2 s');
    expect(formatMs(59_900)).toBe('59.9 s');
    expect(formatMs(60_000)).toBe('1 min 0 s');
    expect(formatMs(125_400)).toBe('2 min 5 s');
  });
});

describe('formatRatioCi', () => {
  const j = (ratio: number | null, ci: [number, number] | null) => ({ comparison: { ratio, ci } });
  it('the ratio with its interval to three decimals', () => {
    expect(formatRatioCi(j(1.23456, [1.1, 1.38]))).toBe('1.235 [1.100, 1.380]');
  });
  it('the ratio alone without an interval, "-" without a ratio', () => {
    expect(formatRatioCi(j(0.9, null))).toBe('0.900');
    expect(formatRatioCi(j(null, [1, 2]))).toBe('-');
  });
});

describe('formatP and formatPeerRatio', () => {
  it('p: "<0.001" below a thousandth, three decimals otherwise, "-" without one', () => {
    expect(formatP(0.0004)).toBe('<0.001');
    expect(formatP(0.0123)).toBe('0.012');
    expect(formatP(null)).toBe('-');
  });
  it('peer ratio: digits by size, the CI unless asked not to, "-" without a figure', () => {
    expect(formatPeerRatio({ ratio: 0.153, ci: [0.14, 0.17] })).toBe('0.15× [0.14, 0.17]');
    expect(formatPeerRatio({ ratio: 12.34, ci: [11, 13] }, false)).toBe('12.3×');
    expect(formatPeerRatio(undefined)).toBe('-');
  });
});

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
