/**
 * The report's charts as vega-lite specs (charts.ts renders them to SVG): the comparison's
 * ratios with their CIs, latency percentiles, the facade-tax ladder, the scaling curve, the
 * perf-trace breakdown and the several-machines chart. Pure: results in, specs out; one colour
 * scale per meaning (modes, classes) shared by every chart.
 *
 * One piece: every chart shares its colour scales and axis conventions, so a mode or a class reads the same colour in every chart.
 */
import { FACADE_RATIOS, resultById, typicalFigure } from '../../judge/figures.ts';
import { jobId } from '../../catalogue/registry.ts';
import { MODES } from '../../engine-api/modes.ts';
import { modesOf } from '../columns.ts';
import { formatNs } from '../../support/format.ts';
import type { JobComparison, ResultsFile } from '../../results/results-file.ts';
import type { ChartSpec } from './view.ts';

/** One colour per mode in every chart. */
const MODE_COLORS = {
  domain: ['read-only', 'inMemory', 'buffered', 'strict'],
  range: ['#7b1fa2', '#00897b', '#1e88e5', '#f4511e'],
};

/** Log axes: a handful of ticks with SI suffixes (10k, 1M) rather than every decade's grid. */
const LOG_AXIS = { tickCount: 6, format: '~s', grid: true, gridColor: '#eceff1' };

/** Scenarios down the side, in the data's order. */
const SCENARIO_AXIS = { field: 'scenario', type: 'nominal', title: null, sort: null } as const;

/** ns per op across, on a log scale. */
const NS_LOG_AXIS = {
  field: 'ns',
  type: 'quantitative',
  scale: { type: 'log' },
  title: 'ns per op (log)',
  axis: LOG_AXIS,
} as const;

const CLASS_COLORS = {
  domain: ['regressed', 'improved', 'unchanged', 'inconclusive'],
  range: ['#c62828', '#2e7d32', '#78909c', '#ef8f00'],
};

/** Ratio with its CI per scenario: the "baseline vs candidate" chart, whiskers = 95 % CI. */
export function ratioChart(
  jobs: readonly JobComparison[],
  id: string,
  title: string,
): ChartSpec | null {
  const values = jobs
    .filter((j) => j.comparison.ratio !== null)
    .map((j) => ({
      scenario: j.name,
      ratio: j.comparison.ratio,
      lo: j.comparison.ci?.[0] ?? j.comparison.ratio,
      hi: j.comparison.ci?.[1] ?? j.comparison.ratio,
      cls: j.comparison.classification,
    }));
  if (values.length === 0) return null;
  const threshold = jobs[0]?.comparison.threshold ?? 0.05;
  const all = values.flatMap((v) => [v.lo ?? 1, v.hi ?? 1, 1 - threshold, 1 + threshold]);
  const domain = [Math.min(...all) * 0.97, Math.max(...all) * 1.03];
  const x = {
    type: 'quantitative' as const,
    scale: { type: 'log' as const, domain, nice: false },
  };
  return {
    id,
    title,
    caption: `candidate / baseline time per op (below 1: candidate faster); dot = ratio, whisker = 95% CI; shaded band = ±${(threshold * 100).toFixed(0)}% practical threshold`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 360,
      height: { step: 22 },
      data: { values },
      layer: [
        {
          data: { values: [{ lo: 1 - threshold, hi: 1 + threshold }] },
          mark: { type: 'rect', color: '#eceff1' },
          encoding: {
            x: {
              field: 'lo',
              ...x,
              title: 'ratio (log scale)',
              axis: { tickCount: 6, format: '~g', gridColor: '#eceff1' },
            },
            x2: { field: 'hi' },
          },
        },
        {
          data: { values: [{ one: 1 }] },
          mark: { type: 'rule', color: '#546e7a', strokeDash: [4, 3] },
          encoding: { x: { field: 'one', ...x } },
        },
        {
          mark: { type: 'rule', strokeWidth: 2 },
          encoding: {
            y: { field: 'scenario', type: 'nominal', sort: null, title: null },
            x: { field: 'lo', ...x },
            x2: { field: 'hi' },
            color: { field: 'cls', type: 'nominal', scale: CLASS_COLORS, legend: null },
          },
        },
        {
          mark: { type: 'point', filled: true, size: 60 },
          encoding: {
            y: { field: 'scenario', type: 'nominal', sort: null, title: null },
            x: { field: 'ratio', ...x },
            // The colours are explained once, above the tables (one legend per chart was noise).
            color: { field: 'cls', type: 'nominal', scale: CLASS_COLORS, legend: null },
          },
        },
      ],
    },
  };
}

const PERCENTILES = ['p50', 'p90', 'p99', 'p999'] as const;

/** Latency percentiles of the candidate, one row per scenario, p50 to p99.9 on a log axis. */
export function latencyChart(results: ResultsFile, anchor: string): ChartSpec | null {
  const values: Array<{ scenario: string; mode: string; percentile: string; ns: number }> = [];
  for (const r of results.results) {
    if (r.status !== 'ok' || r.latency === null) continue;
    for (const p of PERCENTILES) {
      const ns = r.latency[p];
      if (ns > 0) {
        values.push({
          scenario: r.name,
          mode: r.mode ?? 'read-only',
          percentile: p === 'p999' ? 'p99.9' : p,
          ns,
        });
      }
    }
  }
  if (values.length === 0) return null;
  const modes = [...new Set(values.map((v) => v.mode))];
  return {
    id: `${anchor}-latency`,
    title: 'Latency percentiles (candidate, ops timed one by one)',
    caption: 'p50, p90, p99 and p99.9 per scenario, log scale; one panel per durability mode',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      data: { values },
      facet: {
        row: {
          field: 'mode',
          type: 'nominal',
          sort: modes,
          title: null,
          header: {
            labelAngle: 0,
            labelOrient: 'top',
            labelAlign: 'left',
            labelAnchor: 'start',
            labelFontWeight: 'bold',
          },
        },
      },
      resolve: { scale: { y: 'independent' } },
      spec: {
        width: 420,
        height: { step: 16 },
        layer: [
          {
            mark: { type: 'line', color: '#b0bec5' },
            encoding: {
              y: SCENARIO_AXIS,
              x: NS_LOG_AXIS,
              detail: { field: 'scenario', type: 'nominal' },
            },
          },
          {
            mark: { type: 'point', filled: true, size: 40 },
            encoding: {
              y: SCENARIO_AXIS,
              x: { field: 'ns', type: 'quantitative', scale: { type: 'log' } },
              color: {
                field: 'percentile',
                type: 'ordinal',
                sort: ['p50', 'p90', 'p99', 'p99.9'],
                scale: { scheme: 'viridis', reverse: true },
                legend: { orient: 'top', title: null },
              },
            },
          },
        ],
      },
    },
  };
}

const LADDER_OPS: Array<{ op: string; layers: Array<[string, string, boolean]> }> = (() => {
  const find = (label: string) => FACADE_RATIOS.find((r) => r.label === label);
  const out: Array<{ op: string; layers: Array<[string, string, boolean]> }> = [];
  for (const op of ['put', 'get']) {
    const a1a0 = find(`A1/A0 ${op}`);
    const ba1 = find(`B/A1 ${op}`);
    if (a1a0 === undefined || ba1 === undefined) continue;
    out.push({
      op,
      layers: [
        ['A0 Map', a1a0.denominator, a1a0.denominatorWrites],
        ['A1 engine', a1a0.numerator, a1a0.numeratorWrites],
        ['B KVStore', ba1.numerator, ba1.numeratorWrites],
      ],
    });
  }
  return out;
})();

/** The facade-tax ladder A0 -> A1 -> B per op and mode (median ns/op, as the red flags use). */
export function ladderChart(results: ResultsFile, anchor: string): ChartSpec | null {
  const byId = resultById(results);
  const values: Array<{ op: string; mode: string; layer: string; ns: number; label: string }> = [];
  for (const { op, layers } of LADDER_OPS) {
    const anyWrites = layers.some(([, , w]) => w);
    for (const mode of anyWrites ? MODES : [null]) {
      const points = layers.map(([layer, name, writes]) => {
        const r = byId.get(jobId(name, writes ? mode : null));
        const ns = r === undefined ? null : (typicalFigure(results, r)?.value ?? null);
        return { layer, ns };
      });
      if (points.some((p) => p.ns === null || p.ns <= 0)) continue;
      for (const p of points) {
        values.push({
          op: `${op}`,
          mode: mode ?? 'read-only',
          layer: p.layer,
          ns: p.ns as number,
          label: formatNs(p.ns),
        });
      }
    }
  }
  if (values.length === 0) return null;
  return {
    id: `${anchor}-ladder`,
    title: 'Facade tax: A0 (bare Map) → A1 (engine) → B (KVStore)',
    caption:
      'median ns/op per layer, log scale; each step is a facade-tax ratio (red flags: A1/A0 > 20×, B/A1 > 8×; docs/red-flags.md)',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      data: { values },
      resolve: { scale: { y: 'independent' } },
      facet: {
        column: { field: 'op', type: 'nominal', title: null, header: { labelFontWeight: 'bold' } },
      },
      spec: {
        width: 220,
        height: 220,
        encoding: {
          x: {
            field: 'layer',
            type: 'ordinal',
            sort: ['A0 Map', 'A1 engine', 'B KVStore'],
            title: null,
            axis: { labelAngle: 0 },
          },
          y: {
            field: 'ns',
            type: 'quantitative',
            scale: { type: 'log' },
            title: 'ns per op (log)',
            axis: LOG_AXIS,
          },
          color: {
            field: 'mode',
            type: 'nominal',
            title: 'mode',
            scale: MODE_COLORS,
            legend: { orient: 'bottom' },
          },
        },
        layer: [
          { mark: { type: 'line', point: { filled: true, size: 50 } } },
          {
            mark: { type: 'text', dx: 7, dy: -7, align: 'left', fontSize: 9 },
            encoding: { text: { field: 'label' }, color: { value: '#37474f' } },
          },
        ],
      },
    },
  };
}

/** Aggregate ops/s by worker count, per mode, against perfect scaling from one worker. */
export function scalingChart(results: ResultsFile, anchor: string): ChartSpec | null {
  const values: Array<{ workers: number; mode: string; hz: number; series: string }> = [];
  const cores = results.environment.availableParallelism;
  for (const mode of modesOf(results.results)) {
    const points = results.results
      .filter((r) => r.mode === mode && r.status === 'ok' && r.hz !== null)
      .filter((r) => r.name.startsWith('scaling/'))
      .map((r) => ({ workers: Number(r.labels.workers), hz: r.hz as number }))
      .filter((p) => Number.isFinite(p.workers) && p.workers > 0)
      .sort((a, b) => a.workers - b.workers);
    const one = points.find((p) => p.workers === 1);
    if (points.length < 2) continue;
    const m = mode ?? 'read-only';
    for (const p of points) {
      values.push({ workers: p.workers, mode: m, hz: p.hz, series: `${m} measured` });
      if (one !== undefined) {
        values.push({ workers: p.workers, mode: m, hz: one.hz * p.workers, series: `${m} ideal` });
      }
    }
  }
  if (values.length === 0) return null;
  return {
    id: `${anchor}-scaling`,
    title: 'Scaling: disjoint runs, one worker thread each',
    caption: `aggregate ops/s by workers (solid) against one worker × N (dashed); this machine has ${cores} cores available, so more workers than that cannot scale`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 360,
      height: 220,
      data: { values },
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'workers', type: 'quantitative', title: 'workers', axis: { tickMinStep: 1 } },
        y: { field: 'hz', type: 'quantitative', title: 'aggregate ops/s', axis: { format: '~s' } },
        color: { field: 'mode', type: 'nominal', scale: MODE_COLORS, legend: { orient: 'bottom' } },
        strokeDash: {
          field: 'series',
          type: 'nominal',
          legend: null,
        },
        detail: { field: 'series', type: 'nominal' },
      },
    },
  };
}

/**
 * perf-trace phases. A scenario carries a breakdown when its labels have `perfTrace.<phase>`
 * numbers (percent of commit time, PerfStats.breakdown's fields), which `bench --perf-trace`
 * records (job.ts perfTraceLabels); other runs have none, so the chart is optional.
 */
export const PERF_TRACE_PHASES = [
  'snapshotPct',
  'validatePct',
  'applyPct',
  'walPct',
  'fsyncPct',
] as const;

export function perfTraceChart(results: ResultsFile, anchor: string): ChartSpec | null {
  const values: Array<{ scenario: string; phase: string; pct: number }> = [];
  for (const r of results.results) {
    for (const phase of PERF_TRACE_PHASES) {
      const v = r.labels[`perfTrace.${phase}`];
      if (typeof v === 'number' && Number.isFinite(v)) {
        values.push({ scenario: r.id, phase: phase.replace(/Pct$/, ''), pct: v });
      }
    }
  }
  if (values.length === 0) return null;
  return {
    id: `${anchor}-perftrace`,
    title: 'perf-trace: where commit time goes',
    caption: 'share of summed commit time per phase (INMEM_PERF_TRACE=1)',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 360,
      height: { step: 20 },
      data: { values },
      mark: 'bar',
      encoding: {
        y: { field: 'scenario', type: 'nominal', title: null },
        x: { field: 'pct', type: 'quantitative', stack: 'zero', title: '% of commit time' },
        color: {
          field: 'phase',
          type: 'nominal',
          sort: PERF_TRACE_PHASES.map((p) => p.replace(/Pct$/, '')),
          legend: { orient: 'bottom' },
        },
      },
    },
  };
}

/** Median ns/op of several runs per scenario, one colour per machine and run. */
export function sideBySideChart(
  values: Array<{ scenario: string; machine: string; ns: number }>,
): ChartSpec | null {
  if (values.length === 0) return null;
  return {
    id: 'side-by-side-chart',
    title: 'Median ns/op per machine',
    caption: 'one colour per machine and run, log scale',
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 420,
      height: { step: 16 },
      data: { values },
      mark: { type: 'point', filled: true, size: 45 },
      encoding: {
        y: SCENARIO_AXIS,
        x: NS_LOG_AXIS,
        color: {
          field: 'machine',
          type: 'nominal',
          legend: { orient: 'bottom', columns: 1 },
        },
      },
    },
  };
}
