/**
 * The export formats, checked against their documented shapes:
 *   Bencher Metric Format: https://bencher.dev/docs/reference/bencher-metric-format/ (its JSON
 *     Schema: an object of benchmarks, each an object of measures, each `{ value: number,
 *     lower_value?: number, upper_value?: number }`, value required).
 *   github-action-benchmark `customSmallerIsBetter`: an array of `{ name: string, unit: string,
 *     value: number, range?: string, extra?: string }`
 *     (https://github.com/benchmark-action/github-action-benchmark#examples).
 */
import { typicalFigure } from '../../../harness/judge/figures.ts';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { exportResults, toBmf, toGithubActionBenchmark } from '../../../harness/render/export.ts';
import { UsageError } from '../../../harness/support/errors.ts';
import { okResult, resultsFile } from '../helpers.ts';
import { BENCH_RESULTS, COMPARE_RESULTS, readFixture } from '../report-fixtures.ts';

const BmfSchema = z.record(
  z.string().min(1).max(1024),
  z.record(
    z.string().min(1).max(64),
    z.strictObject({
      value: z.number(),
      lower_value: z.number().optional(),
      upper_value: z.number().optional(),
    }),
  ),
);

const GabSchema = z.array(
  z.strictObject({
    name: z.string().min(1),
    unit: z.string(),
    value: z.number(),
    range: z.string().optional(),
    extra: z.string().optional(),
  }),
);

describe('export', () => {
  it('BMF: latency (median ns) within its sample bounds, throughput (ops/s), per scenario id', () => {
    const r = readFixture(BENCH_RESULTS);
    const bmf = BmfSchema.parse(JSON.parse(exportResults('bmf', [r])));
    expect(Object.keys(bmf)).toEqual(r.results.map((x) => x.id));
    for (const x of r.results) {
      const m = bmf[x.id]!;
      expect(m.latency!.value).toBe(x.medianNs);
      expect(m.latency!.lower_value!).toBeLessThanOrEqual(m.latency!.value);
      expect(m.latency!.upper_value!).toBeGreaterThanOrEqual(m.latency!.value);
      expect(m.throughput!.value).toBe(x.hz);
    }
  });

  it('github-action-benchmark customSmallerIsBetter: ns/op with rme as range', () => {
    const r = readFixture(COMPARE_RESULTS);
    const out = GabSchema.parse(JSON.parse(exportResults('github-action-benchmark', [r])));
    expect(out.map((e) => e.name)).toEqual(r.results.map((x) => x.id));
    // In a comparison the figure is the median over the candidate's rounds (judge/figures.ts),
    // the same one the comparison table and the red flags show.
    expect(out[0]).toMatchObject({ unit: 'ns/op', value: typicalFigure(r, r.results[0]!)?.value });
    expect(out[0]!.value).not.toBe(r.results[0]!.medianNs);
    expect(out[0]!.range).toBe(`± ${r.results[0]!.rme!.toFixed(2)}%`);
    expect(out[0]!.extra).toContain(`run: ${r.runId}`);
  });

  it('leaves out scenarios without a figure; several files (one per machine) stay apart', () => {
    const a = resultsFile([
      okResult(),
      okResult({
        id: 'x',
        name: 'x',
        status: 'unsupported',
        reason: 'no builder',
        hz: null,
        meanNs: null,
        medianNs: null,
      }),
    ]);
    const b = resultsFile([okResult()]);
    b.environment = { ...b.environment, hostHash: 'other' };
    expect(Object.keys(toBmf([a]))).toEqual(['core/map_set']);
    const names = toGithubActionBenchmark([a, b]).map((e) => e.name);
    expect(names).toEqual([
      'core/map_set [abc/2c/nodev20.0.0]',
      'core/map_set [other/2c/nodev20.0.0]',
    ]);
    expect(new Set(Object.keys(toBmf([a, b]))).size).toBe(2);
  });

  describe('two results files from one machine', () => {
    // Same machine (hostHash, cores, Node), two runs: their names would collide.
    const a = resultsFile([okResult({ medianNs: 20 })]);
    const b = resultsFile([okResult({ medianNs: 30 })]);
    b.runId = '20250102-000000-bbbbbb';
    const other = resultsFile([okResult({ medianNs: 40 })]);
    other.runId = '20250103-000000-cccccc';
    other.environment = { ...other.environment, hostHash: 'other' };

    it('BMF keeps both figures, each under a name with its run id', () => {
      const bmf = BmfSchema.parse(JSON.parse(exportResults('bmf', [a, b, other])));
      expect(bmf).toEqual({
        'core/map_set [abc/2c/nodev20.0.0 run 20250101-000000-abcdef]': {
          latency: { value: 20, lower_value: 19, upper_value: 21 },
          throughput: { value: 50_000_000 },
        },
        'core/map_set [abc/2c/nodev20.0.0 run 20250102-000000-bbbbbb]': {
          latency: { value: 30, lower_value: 19, upper_value: 30 },
          throughput: { value: 50_000_000 },
        },
        // A machine with one file keeps the shorter name.
        'core/map_set [other/2c/nodev20.0.0]': {
          latency: { value: 40, lower_value: 19, upper_value: 40 },
          throughput: { value: 50_000_000 },
        },
      });
    });

    it('github-action-benchmark gets one entry per name', () => {
      const out = GabSchema.parse(
        JSON.parse(exportResults('github-action-benchmark', [a, b, other])),
      );
      expect(out.map((e) => [e.name, e.value])).toEqual([
        ['core/map_set [abc/2c/nodev20.0.0 run 20250101-000000-abcdef]', 20],
        ['core/map_set [abc/2c/nodev20.0.0 run 20250102-000000-bbbbbb]', 30],
        ['core/map_set [other/2c/nodev20.0.0]', 40],
      ]);
    });

    it('the same run twice is refused (UsageError, exit 2) in both formats', () => {
      for (const format of ['bmf', 'github-action-benchmark'] as const) {
        expect(() => exportResults(format, [a, b, a])).toThrow(UsageError);
        expect(() => exportResults(format, [a, a])).toThrow(
          'two exported entries would both be named "core/map_set [abc/2c/nodev20.0.0 run 20250101-000000-abcdef]": run 20250101-000000-abcdef is given more than once',
        );
      }
    });
  });
});
