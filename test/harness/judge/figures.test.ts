import { describe, expect, it } from 'vitest';
import { facadeTax, figureWithInterval, typicalFigure } from '../../../harness/judge/figures.ts';
import { summarize, tCritical95 } from '../../../harness/stats/sample.ts';
import type { ScenarioResult } from '../../../harness/results/results-file.ts';
import { okResult, resultsFile } from '../helpers.ts';

function result(id: string, meanNs: number, extra: Partial<ScenarioResult> = {}): ScenarioResult {
  const mode = id.endsWith('/dur_strict')
    ? 'strict'
    : id.endsWith('/dur_inmemory')
      ? 'inMemory'
      : null;
  return okResult({
    id,
    name: id.replace(/\/dur_\w+$/, ''),
    mode,
    durLabel: mode === null ? null : id.slice(id.lastIndexOf('/') + 1),
    writes: mode !== null,
    // The typical figure is the median; the mean is set 3× higher to show it is not used.
    medianNs: meanNs,
    meanNs: meanNs * 3,
    hz: 1e9 / meanNs,
    ...extra,
  });
}

const file = resultsFile([
  result('core/map_set', 20),
  result('core/map_get', 10),
  result('engine/put_direct/dur_inmemory', 200),
  result('engine/put_direct/dur_strict', 200_000),
  result('engine/get_direct', 50),
  result('kvstore/put/uniform/dur_inmemory', 600),
  result('kvstore/put/uniform/dur_strict', 0, {
    status: 'failed',
    reason: 'boom',
    meanNs: null,
    hz: null,
  }),
  result('kvstore/get/uniform', 100),
]);

describe('facade-tax ratios', () => {
  const ratios = facadeTax(file);
  const get = (label: string, mode: string | null): number | null | undefined =>
    ratios.find((r) => r.label === label && r.mode === mode)?.value;

  it('divide median times of matching layers, per mode for writes', () => {
    expect(get('A1/A0 put', 'inMemory')).toBe(10);
    expect(get('A1/A0 put', 'strict')).toBe(10_000);
    expect(get('B/A1 put', 'inMemory')).toBe(3);
    expect(get('A1/A0 get', null)).toBe(5);
    expect(get('B/A1 get', null)).toBe(2);
  });

  it('are null where a side is missing or did not run ok', () => {
    expect(get('A1/A0 put', 'buffered')).toBeNull();
    expect(get('B/A1 put', 'strict')).toBeNull();
  });
});

describe('typical figures', () => {
  it('in a comparison, a scenario is the median of its per-round medians, as the table shows', () => {
    const r = resultsFile([result('kvstore/get/uniform', 41.9)]);
    const job = {
      id: 'kvstore/get/uniform',
      name: 'kvstore/get/uniform',
      mode: null,
      baselineMode: null,
      baselineSamples: [50, 52, 51],
      candidateSamples: [60.7, 58, 63],
      rounds: 3,
      stoppedBy: 'resolved',
      comparison: {
        nBaseline: 3,
        nCandidate: 3,
        baselineMedian: 51,
        candidateMedian: 60.7,
        ratio: 1.19,
        ci: [1.1, 1.3] as [number, number],
        pValue: 0.001,
        df: 2,
        classification: 'regressed' as const,
        threshold: 0.05,
        alpha: 0.005,
        confidence: 0.95,
        method: 'paired-trimmed-log-t' as const,
        reason: '',
      },
      note: null,
    };
    r.comparison = {
      baseline: { label: 'b', commit: null, source: 'ref', file: null },
      candidate: { label: 'c', commit: null, source: 'working-tree', file: null },
      rounds: 3,
      notes: [],
      jobs: [job],
    };
    const only = r.results[0];
    if (only === undefined) throw new Error('fixture');
    const f = typicalFigure(r, only);
    expect(f?.value).toBe(job.comparison.candidateMedian);
    expect(f?.spread).toEqual([58, 63]);
    // Samples are replicates; files written before replicates existed hold rounds.
    expect(f?.over).toBe('3 replicates');
    const { replicate: _r, ...older } = r.profile;
    expect(typicalFigure({ ...r, profile: older }, only)?.over).toBe('3 rounds');
  });

  it('outside a comparison, the process median with the spread of its samples', () => {
    const r = resultsFile([result('core/map_get', 10, { samples: { count: 3, ns: [9, 10, 14] } })]);
    const only = r.results[0];
    if (only === undefined) throw new Error('fixture');
    expect(typicalFigure(r, only)).toEqual({
      value: 10,
      spread: [9, 14],
      over: '3 benchmark.js samples',
    });
  });
});

describe('sample statistics', () => {
  it('match benchmark.js terms: sample sd and a t-based margin of error', () => {
    const s = summarize([10, 12, 14]);
    expect(s.mean).toBe(12);
    expect(s.sd).toBe(2);
    expect(s.rme).toBeCloseTo(((4.303 * 2) / Math.sqrt(3) / 12) * 100, 6);
    expect(summarize([5])).toEqual({ mean: 5, sd: 0, rme: 0 });
    expect(tCritical95(100)).toBe(1.96);
  });
});

describe('figureWithInterval: a trend point', () => {
  const samples = Array.from({ length: 20 }, (_, i) => 100 + i);

  it('is the typical figure with the order-statistic interval of its samples', () => {
    const r = result('core/map_get', 109.5, { samples: { count: 20, ns: samples } });
    const f = figureWithInterval(resultsFile([r]), r);
    expect(f?.value).toBe(typicalFigure(resultsFile([r]), r)?.value);
    // n = 20 at 95 %: ranks 6 and 15 (Conover's table), here 105 and 114.
    expect(f).toEqual({ value: 109.5, lo: 105, hi: 114 });
  });

  it("in a comparison run, uses the candidate's rounds, as the report's figure does", () => {
    const r = result('core/map_get', 999, { samples: { count: 20, ns: samples } });
    const file = resultsFile([r]);
    const rounds = [10, 11, 12, 13, 14, 15, 16];
    file.comparison = {
      baseline: { label: 'b', commit: null, source: 'ref', file: null },
      candidate: { label: 'c', commit: null, source: 'working-tree', file: null },
      rounds: 7,
      notes: [],
      jobs: [
        {
          id: 'core/map_get',
          name: 'core/map_get',
          mode: null,
          baselineMode: null,
          baselineSamples: rounds,
          candidateSamples: rounds,
          rounds: 7,
          stoppedBy: 'x',
          note: null,
          comparison: {
            nBaseline: 7,
            nCandidate: 7,
            baselineMedian: 13,
            candidateMedian: 13,
            ratio: 1,
            ci: [0.9, 1.1],
            pValue: 0.5,
            df: 6,
            classification: 'unchanged',
            threshold: 0.05,
            alpha: 0.02,
            confidence: 0.95,
            method: 'paired-trimmed-log-t',
            reason: 'x',
          },
        },
      ],
    };
    // n = 7: ranks 1 and 7 (coverage 98.4 %).
    expect(figureWithInterval(file, r)).toEqual({ value: 13, lo: 10, hi: 16 });
  });

  it('has a zero-width interval without samples, and none for a failed job', () => {
    const r = result('core/map_get', 50, { samples: null });
    expect(figureWithInterval(resultsFile([r]), r)).toEqual({ value: 50, lo: 50, hi: 50 });
    const failed = result('core/map_get', 50, { status: 'failed', reason: 'boom' });
    expect(figureWithInterval(resultsFile([failed]), failed)).toBeNull();
  });
});
