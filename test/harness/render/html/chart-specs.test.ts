/**
 * The report's chart specs (chart-specs.ts): each chart is null without its data, and otherwise
 * carries exactly the data values it should draw, from the report fixtures and synthetic runs.
 */
import { describe, expect, it } from 'vitest';
import {
  PERF_TRACE_PHASES,
  latencyChart,
  ladderChart,
  perfTraceChart,
  ratioChart,
  scalingChart,
  sideBySideChart,
} from '../../../../harness/render/html/chart-specs.ts';
import { formatNs } from '../../../../harness/support/format.ts';
import type { ChartSpec } from '../../../../harness/render/html/view.ts';
import type { JobComparison, ResultsFile } from '../../../../harness/results/results-file.ts';
import { okResult, resultsFile } from '../../helpers.ts';
import { BENCH_RESULTS, COMPARE_RESULTS, readFixture } from '../../report-fixtures.ts';

interface Spec<V> {
  data: { values: V[] };
  layer?: Array<{
    data?: { values: unknown[] };
    encoding: { x: { scale?: { domain?: number[] } } };
  }>;
  facet?: { row?: { sort: string[] } };
}

function spec<V>(c: ChartSpec | null): Spec<V> {
  if (c === null) throw new Error('expected a chart');
  return c.spec as unknown as Spec<V>;
}

function compareJobs(): JobComparison[] {
  const jobs = readFixture(COMPARE_RESULTS).comparison?.jobs;
  if (jobs === undefined) throw new Error('the compare fixture has no comparison');
  return jobs;
}

function byId(results: ResultsFile, id: string) {
  const r = results.results.find((x) => x.id === id);
  if (r === undefined) throw new Error(`the fixture has no ${id}`);
  return r;
}

describe('ratioChart', () => {
  it('is null without a job that has a ratio', () => {
    expect(ratioChart([], 'c', 't')).toBeNull();
    const [j] = compareJobs();
    if (j === undefined) throw new Error('fixture');
    expect(
      ratioChart([{ ...j, comparison: { ...j.comparison, ratio: null } }], 'c', 't'),
    ).toBeNull();
  });

  it('a point per job with its ratio, its CI as lo and hi, its class; the threshold band', () => {
    const jobs = compareJobs();
    const chart = ratioChart(jobs, 'run-1-cmp', 'Ratio with 95% CI');
    expect(chart?.id).toBe('run-1-cmp');
    expect(chart?.title).toBe('Ratio with 95% CI');
    expect(chart?.caption).toMatch(/shaded band = ±5% practical threshold$/);
    const s = spec<{ scenario: string; ratio: number; lo: number; hi: number; cls: string }>(chart);
    expect(s.data.values).toEqual(
      jobs.map((j) => ({
        scenario: j.name,
        ratio: j.comparison.ratio,
        lo: j.comparison.ci?.[0],
        hi: j.comparison.ci?.[1],
        cls: j.comparison.classification,
      })),
    );
    expect(s.layer?.[0]?.data?.values).toEqual([{ lo: 0.95, hi: 1.05 }]);
    expect(s.layer?.[1]?.data?.values).toEqual([{ one: 1 }]);
  });

  it('the log axis spans every CI and the band, with a margin', () => {
    const strict = compareJobs().filter((j) => j.mode === 'strict');
    const s = spec(ratioChart(strict, 'c', 't'));
    const ci = strict[0]?.comparison.ci ?? [0, 0];
    // The CI [0.867, 0.972] lies below 1: the band's top end (1.05) bounds the axis above.
    expect(s.layer?.[0]?.encoding.x.scale?.domain).toEqual([ci[0] * 0.97, 1.05 * 1.03]);
  });

  it('a job without a CI has a zero-width whisker; the band follows the first job’s threshold', () => {
    const [j] = compareJobs();
    if (j === undefined) throw new Error('fixture');
    const noCi = { ...j, comparison: { ...j.comparison, ratio: 1.5, ci: null, threshold: 0.1 } };
    const chart = ratioChart([noCi], 'c', 't');
    const s = spec<{ lo: number; hi: number }>(chart);
    expect(s.data.values[0]).toMatchObject({ lo: 1.5, hi: 1.5 });
    expect(s.layer?.[0]?.data?.values).toEqual([{ lo: 0.9, hi: 1.1 }]);
    expect(chart?.caption).toMatch(/±10% practical threshold$/);
    const domain = s.layer?.[0]?.encoding.x.scale?.domain ?? [];
    expect(domain[0]).toBeCloseTo(0.9 * 0.97, 12);
    expect(domain[1]).toBeCloseTo(1.5 * 1.03, 12);
  });
});

describe('latencyChart', () => {
  it('is null when no ok result has a latency pass', () => {
    expect(latencyChart(resultsFile([okResult({ latency: null })]), 'a')).toBeNull();
    expect(
      latencyChart(resultsFile([okResult({ status: 'failed', reason: 'x' })]), 'a'),
    ).toBeNull();
    expect(latencyChart(resultsFile([]), 'a')).toBeNull();
  });

  it('p50, p90, p99 and p99.9 of each scenario, by mode, modes in order of appearance', () => {
    const results = readFixture(COMPARE_RESULTS);
    const chart = latencyChart(results, 'run-1');
    expect(chart?.id).toBe('run-1-latency');
    const s = spec<{ scenario: string; mode: string; percentile: string; ns: number }>(chart);
    const expected = results.results.flatMap((r) =>
      (['p50', 'p90', 'p99', 'p999'] as const).map((p) => ({
        scenario: r.name,
        mode: r.mode ?? 'read-only',
        percentile: p === 'p999' ? 'p99.9' : p,
        ns: r.latency?.[p],
      })),
    );
    expect(s.data.values).toEqual(expected);
    expect(s.data.values).toHaveLength(12);
    expect(s.facet?.row?.sort).toEqual(['read-only', 'inMemory', 'strict']);
  });

  it('skips a zero percentile (nothing to put on a log axis)', () => {
    const base = okResult();
    if (base.latency === null) throw new Error('okResult has a latency');
    const r = okResult({ latency: { ...base.latency, p50: 0 } });
    const s = spec<{ percentile: string }>(latencyChart(resultsFile([r]), 'a'));
    expect(s.data.values.map((v) => v.percentile)).toEqual(['p90', 'p99', 'p99.9']);
  });
});

describe('ladderChart', () => {
  it('A0 → A1 → B per op: put per mode, get once (read-only), at each layer’s median', () => {
    const results = readFixture(BENCH_RESULTS);
    const chart = ladderChart(results, 'run-1');
    expect(chart?.id).toBe('run-1-ladder');
    const s = spec<{ op: string; mode: string; layer: string; ns: number; label: string }>(chart);
    const point = (op: string, mode: string, layer: string, id: string) => {
      const ns = byId(results, id).medianNs as number;
      return { op, mode, layer, ns, label: formatNs(ns) };
    };
    const put = (mode: string, dur: string) => [
      point('put', mode, 'A0 Map', 'core/map_set'),
      point('put', mode, 'A1 engine', `engine/put_direct/${dur}`),
      point('put', mode, 'B KVStore', `kvstore/put/uniform/${dur}`),
    ];
    expect(s.data.values).toEqual([
      ...put('inMemory', 'dur_inmemory'),
      ...put('buffered', 'dur_buffered'),
      ...put('strict', 'dur_strict'),
      point('get', 'read-only', 'A0 Map', 'core/map_get'),
      point('get', 'read-only', 'A1 engine', 'engine/get_direct'),
      point('get', 'read-only', 'B KVStore', 'kvstore/get/uniform'),
    ]);
  });

  it('a mode missing a layer (or with a failed one) has no ladder; none at all gives null', () => {
    const results = readFixture(BENCH_RESULTS);
    results.results = results.results.filter((r) => r.id !== 'engine/put_direct/dur_buffered');
    const strict = byId(results, 'kvstore/put/uniform/dur_strict');
    strict.status = 'failed';
    strict.reason = 'boom';
    const s = spec<{ op: string; mode: string }>(ladderChart(results, 'run-1'));
    expect([...new Set(s.data.values.map((v) => `${v.op} ${v.mode}`))]).toEqual([
      'put inMemory',
      'get read-only',
    ]);
    expect(ladderChart(resultsFile([okResult()]), 'run-1')).toBeNull();
  });
});

describe('scalingChart', () => {
  it('measured ops/s by workers per mode, and one worker × N as the ideal', () => {
    const results = readFixture(BENCH_RESULTS);
    const chart = scalingChart(results, 'run-1');
    expect(chart?.id).toBe('run-1-scaling');
    expect(chart?.caption).toMatch(/this machine has 2 cores available/);
    const s = spec<{ workers: number; mode: string; hz: number; series: string }>(chart);
    const expected = (['inMemory', 'buffered', 'strict'] as const).flatMap((mode) => {
      const dur = `dur_${mode.toLowerCase()}`;
      const hz = (w: number) => byId(results, `scaling/disjoint_runs/${w}/${dur}`).hz as number;
      return [1, 2, 4].flatMap((w) => [
        { workers: w, mode, hz: hz(w), series: `${mode} measured` },
        { workers: w, mode, hz: hz(1) * w, series: `${mode} ideal` },
      ]);
    });
    expect(s.data.values).toEqual(expected);
  });

  it('needs two points in a mode; without a 1-worker point there is no ideal line', () => {
    const point = (workers: number, hz: number, mode: 'inMemory' | 'strict') =>
      okResult({
        id: `scaling/disjoint_runs/${workers}/dur_${mode.toLowerCase()}`,
        name: `scaling/disjoint_runs/${workers}`,
        mode,
        writes: true,
        hz,
        labels: { workers },
      });
    const s = spec<{ workers: number; mode: string; series: string }>(
      scalingChart(
        resultsFile([
          point(4, 400, 'inMemory'),
          point(2, 200, 'inMemory'),
          // One point in strict: no curve.
          point(1, 100, 'strict'),
          // Not a scaling scenario.
          okResult({ name: 'core/map_set', mode: 'inMemory', labels: { workers: 8 } }),
        ]),
        'a',
      ),
    );
    expect(s.data.values.map((v) => [v.workers, v.series])).toEqual([
      [2, 'inMemory measured'],
      [4, 'inMemory measured'],
    ]);
    expect(scalingChart(resultsFile([point(1, 100, 'strict')]), 'a')).toBeNull();
  });
});

describe('perfTraceChart', () => {
  it('is null when no result carries perf-trace labels', () => {
    expect(perfTraceChart(readFixture(BENCH_RESULTS), 'a')).toBeNull();
    expect(
      perfTraceChart(resultsFile([okResult({ labels: { 'perfTrace.walPct': 'high' } })]), 'a'),
    ).toBeNull();
  });

  it('one bar segment per phase label, by job id, the Pct suffix dropped', () => {
    const r = okResult({
      id: 'kvstore/put/hot_key/dur_strict',
      labels: { 'perfTrace.applyPct': 30, 'perfTrace.fsyncPct': 60, access: 'hot_key' },
    });
    const chart = perfTraceChart(resultsFile([r]), 'run-1');
    expect(chart?.id).toBe('run-1-perftrace');
    expect(spec(chart).data.values).toEqual([
      { scenario: 'kvstore/put/hot_key/dur_strict', phase: 'apply', pct: 30 },
      { scenario: 'kvstore/put/hot_key/dur_strict', phase: 'fsync', pct: 60 },
    ]);
    expect(PERF_TRACE_PHASES).toEqual([
      'snapshotPct',
      'validatePct',
      'applyPct',
      'walPct',
      'fsyncPct',
    ]);
  });
});

describe('sideBySideChart', () => {
  it('is null without values; otherwise draws the values it is given', () => {
    expect(sideBySideChart([])).toBeNull();
    const values = [
      { scenario: 'core/map_get', machine: 'machine 1 · a', ns: 40 },
      { scenario: 'core/map_get', machine: 'machine 2 · b', ns: 60 },
    ];
    const chart = sideBySideChart(values);
    expect(chart?.id).toBe('side-by-side-chart');
    expect(chart?.title).toBe('Median ns/op per machine');
    expect(spec(chart).data.values).toEqual(values);
  });
});
