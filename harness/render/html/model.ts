/**
 * The HTML report's view model: results files in, everything the templates show out. Pure (no
 * I/O, no rendering): verdicts, tables with display strings and sort keys, and the charts as
 * vega-lite specs that charts.ts turns into SVG.
 *
 * Every string here may carry untrusted text (scenario names, commit subjects, paths, reasons):
 * the templates print them with handlebars' escaping `{{ }}` only; chart labels go through
 * vega, which escapes text in its SVG output. Nothing here builds HTML.
 */
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { formatBytes, formatHz, formatMs, formatNs, formatRatioCi } from '../../support/format.ts';
import { plural } from '../../support/format.ts';
import { FACADE_RATIOS, resultById, typicalFigure } from '../../judge/figures.ts';
import { RED_FLAG_COLUMNS, redFlagCounts } from '../../judge/red-flag-columns.ts';
import { judge, ruledOutRegression } from '../../judge/verdict.ts';
import { MODES, type ModeName } from '../../engine-api/modes.ts';
import { jobId } from '../../catalogue/registry.ts';
import { peersView, type PeersView } from './peers.ts';
import type {
  JobComparisonRecord,
  ResultsFile,
  ScenarioResult,
} from '../../results/results-file.ts';

/** One results file to report on, with the baseline's file when the run wrote one. */
export interface RunInput {
  /** Path of the results file. */
  file: string;
  results: ResultsFile;
  /** The baseline side's results (baseline.json or the stored file), when readable. */
  baseline: { file: string; results: ResultsFile } | null;
  /** Why the baseline's file could not be read, when the comparison names one. */
  baselineProblem?: string | null;
}

export type VerdictStatus = 'pass' | 'fail';

export interface Verdict {
  status: VerdictStatus;
  /** "PASS" / "FAIL" plus where the verdict comes from. */
  headline: string;
  reasons: string[];
}

/** A table cell: what is shown and the key the inline script sorts by. */
export interface Cell {
  text: string;
  sort: string | number;
  /** A CSS class from a fixed set (never data): see cssClass(). */
  cls?: string;
}

export interface Table {
  id: string;
  title: string;
  note: string | null;
  head: Array<{ text: string; numeric: boolean }>;
  rows: Array<{ cls: string; cells: Cell[] }>;
}

/** A chart to draw: a vega-lite spec, its title and alternative text. */
export interface ChartSpec {
  id: string;
  title: string;
  caption: string;
  spec: TopLevelSpec;
}

export interface Link {
  text: string;
  href: string;
}

export interface SideView {
  role: string;
  label: string;
  commit: string;
  subject: string;
  source: string;
  environment: Array<{ key: string; value: string }>;
}

export interface RunView {
  anchor: string;
  runId: string;
  createdAt: string;
  command: string;
  profile: string;
  wallTime: string;
  machine: string;
  verdict: Verdict;
  counts: string;
  redFlags: Table | null;
  redFlagSummary: string;
  comparisonHeader: string | null;
  comparisonNotes: string[];
  /** One per durability mode (and one for read-only scenarios), each with its ratio chart. */
  comparisons: Array<{ table: Table; chart: ChartSpec | null }>;
  /** `bench --peers`: our engine against SQLite, LMDB and the floor, per mode. */
  peers: PeersView | null;
  measurements: Table[];
  charts: ChartSpec[];
  /** Why a chart people may look for is absent (e.g. no perf-trace figures in this run). */
  absentCharts: string[];
  sides: SideView[];
  links: Link[];
}

export interface MachineGroup {
  key: string;
  /** "machine 1": short, for column heads. */
  name: string;
  /** The environment in words. */
  label: string;
  runs: Array<{ index: number; anchor: string; runId: string; verdict: VerdictStatus }>;
}

export interface ReportModel {
  title: string;
  verdict: Verdict;
  runs: RunView[];
  /** Several results files: grouped by environment, with a side-by-side table and chart. */
  machines: MachineGroup[] | null;
  sideBySide: Table | null;
  sideBySideChart: ChartSpec | null;
}

/** Classification -> CSS class; anything unknown maps to a neutral class. */
export function cssClass(value: string): string {
  const known = [
    'regressed',
    'improved',
    'unchanged',
    'inconclusive',
    'pass',
    'fail',
    'not-applicable',
    'ok',
    'failed',
    'unsupported',
  ];
  return known.includes(value) ? `c-${value}` : 'c-other';
}

/**
 * A path for an href, relative to the report's folder, each segment percent-encoded (so a
 * name with `#`, `?`, spaces or quotes still points at the file; handlebars escapes the rest).
 */
export function relativeHref(fromDir: string, file: string): string {
  const rel = path.relative(fromDir, file).split(path.sep);
  return rel.map((seg) => (seg === '..' || seg === '.' ? seg : encodeURIComponent(seg))).join('/');
}

/** Host, CPU, cores, Node: the fingerprint results are grouped by (as compare.ts warns on). */
export function environmentKey(env: ResultsFile['environment']): string {
  return [env.hostHash, env.cpuModel, env.cores, env.node].join(' | ');
}

export function machineLabel(env: ResultsFile['environment']): string {
  return `${env.cpuModel} × ${env.cores}, ${env.platform}/${env.arch}, Node ${env.node}, host ${env.hostHash}${env.ci ? ', CI' : ''}`;
}

function formatP(p: number | null): string {
  if (p === null) return '-';
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}

function num(v: number | null | undefined): number | string {
  return v === null || v === undefined ? '' : v;
}

function modeTitle(mode: ModeName | null): string {
  return mode === null ? 'read-only scenarios' : `durability mode: ${mode}`;
}

function classText(j: JobComparisonRecord): string {
  if (ruledOutRegression(j)) return 'no regression';
  const c = j.comparison.classification;
  if (c !== 'regressed' || j.confirmed === undefined || j.confirmed === null) return c;
  return j.confirmed ? 'regressed (confirmed)' : 'regressed (not confirmed)';
}

/** The run's verdict as judge/verdict.ts decided it (the same one the command exited with). */
export function verdictOf(results: ResultsFile): Verdict {
  const j = judge(results);
  return { status: j.status, headline: j.headline, reasons: j.reasons };
}

/** Geometric mean of the ratios that have one (null when none). */
export function geomeanRatio(jobs: readonly JobComparisonRecord[]): number | null {
  const logs = jobs
    .map((j) => j.comparison.ratio)
    .filter((r): r is number => r !== null && r > 0)
    .map((r) => Math.log(r));
  if (logs.length === 0) return null;
  return Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length);
}

function redFlagTable(results: ResultsFile, anchor: string): Table | null {
  const flags = results.redFlags;
  if (flags === undefined) return null;
  return {
    id: `${anchor}-redflags`,
    title: 'Red flags (thresholds in perf.config.json; docs/red-flags.md says why)',
    note: null,
    head: RED_FLAG_COLUMNS.map((c) => ({ text: c.label, numeric: c.numeric })),
    rows: flags.map((f) => ({
      cls: cssClass(f.verdict),
      cells: RED_FLAG_COLUMNS.map((c) => {
        const text = c.format(f);
        const sort = c.sort === undefined ? text : c.sort(f);
        return c.label === 'verdict' ? { text, sort, cls: cssClass(f.verdict) } : { text, sort };
      }),
    })),
  };
}

function modesOf<T extends { mode: ModeName | null }>(items: readonly T[]): Array<ModeName | null> {
  const out: Array<ModeName | null> = [];
  if (items.some((i) => i.mode === null)) out.push(null);
  for (const m of MODES) if (items.some((i) => i.mode === m)) out.push(m);
  return out;
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'x';
}

/** One colour per mode in every chart. */
const MODE_COLORS = {
  domain: ['read-only', 'inMemory', 'buffered', 'strict'],
  range: ['#7b1fa2', '#00897b', '#1e88e5', '#f4511e'],
};

/** Log axes: a handful of ticks with SI suffixes (10k, 1M) rather than every decade's grid. */
const LOG_AXIS = { tickCount: 6, format: '~s', grid: true, gridColor: '#eceff1' };

const CLASS_COLORS = {
  domain: ['regressed', 'improved', 'unchanged', 'inconclusive'],
  range: ['#c62828', '#2e7d32', '#78909c', '#ef8f00'],
};

/** Ratio with its CI per scenario: the "baseline vs candidate" chart, whiskers = 95 % CI. */
function ratioChart(
  jobs: readonly JobComparisonRecord[],
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

function comparisonTables(results: ResultsFile, anchor: string): RunView['comparisons'] {
  const cmp = results.comparison;
  if (cmp === undefined) return [];
  return modesOf(cmp.jobs).map((mode) => {
    const jobs = cmp.jobs.filter((j) => j.mode === mode);
    const mapped = jobs.find((j) => j.baselineMode !== null && j.baselineMode !== mode);
    const id = `${anchor}-cmp-${mode ?? 'readonly'}`;
    const title = modeTitle(mode);
    const table: Table = {
      id,
      title,
      note:
        mapped === undefined
          ? null
          : `the baseline ran ${mapped.baselineMode ?? '?'} (its only mode): each candidate mode is compared with it`,
      head: [
        { text: 'scenario', numeric: false },
        { text: 'baseline', numeric: true },
        { text: 'candidate', numeric: true },
        { text: 'ratio [95% CI]', numeric: true },
        { text: 'p', numeric: true },
        { text: 'class', numeric: false },
        { text: 'n', numeric: true },
      ],
      rows: jobs.map((j) => {
        const c = j.comparison;
        return {
          cls: cssClass(c.classification),
          cells: [
            { text: j.name, sort: j.name },
            { text: formatNs(c.baselineMedian), sort: num(c.baselineMedian) },
            { text: formatNs(c.candidateMedian), sort: num(c.candidateMedian) },
            { text: formatRatioCi(j), sort: num(c.ratio) },
            { text: formatP(c.pValue), sort: num(c.pValue) },
            {
              text: classText(j),
              sort: c.classification,
              // A job the gate stopped once a regression was ruled out reads as settled (grey).
              cls: cssClass(ruledOutRegression(j) ? 'unchanged' : c.classification),
            },
            {
              text: String(Math.min(c.nBaseline, c.nCandidate)),
              sort: Math.min(c.nBaseline, c.nCandidate),
            },
          ],
        };
      }),
    };
    return { table, chart: ratioChart(jobs, `${id}-chart`, `Ratio with 95% CI: ${title}`) };
  });
}

function measurementTables(results: ResultsFile, anchor: string): Table[] {
  return modesOf(results.results).map((mode) => {
    const mine = results.results.filter((r) => r.mode === mode);
    return {
      id: `${anchor}-m-${mode ?? 'readonly'}`,
      title: `Measurements: ${modeTitle(mode)}`,
      note: null,
      head: [
        { text: 'scenario', numeric: false },
        { text: 'status', numeric: false },
        { text: 'ops/s', numeric: true },
        { text: 'median', numeric: true },
        { text: 'mean ±rme', numeric: true },
        { text: 'p99', numeric: true },
        { text: 'bytes/op', numeric: true },
      ],
      rows: mine.map((r) => ({
        cls: cssClass(r.status),
        cells: [
          { text: r.name, sort: r.name },
          {
            text: r.status === 'ok' ? 'ok' : `${r.status}: ${r.reason ?? ''}`,
            sort: r.status,
            cls: cssClass(r.status),
          },
          { text: formatHz(r.hz), sort: num(r.hz) },
          { text: formatNs(r.medianNs), sort: num(r.medianNs) },
          {
            text: `${formatNs(r.meanNs)}${r.rme === null ? '' : ` ±${r.rme.toFixed(1)}%`}`,
            sort: num(r.meanNs),
          },
          { text: formatNs(r.latency?.p99 ?? null), sort: num(r.latency?.p99) },
          { text: formatBytes(r.bytesPerOp), sort: num(r.bytesPerOp) },
        ],
      })),
    };
  });
}

const PERCENTILES = ['p50', 'p90', 'p99', 'p999'] as const;

/** Latency percentiles of the candidate, one row per scenario, p50 to p99.9 on a log axis. */
function latencyChart(results: ResultsFile, anchor: string): ChartSpec | null {
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
              y: { field: 'scenario', type: 'nominal', title: null, sort: null },
              x: {
                field: 'ns',
                type: 'quantitative',
                scale: { type: 'log' },
                title: 'ns per op (log)',
                axis: LOG_AXIS,
              },
              detail: { field: 'scenario', type: 'nominal' },
            },
          },
          {
            mark: { type: 'point', filled: true, size: 40 },
            encoding: {
              y: { field: 'scenario', type: 'nominal', title: null, sort: null },
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
function ladderChart(results: ResultsFile, anchor: string): ChartSpec | null {
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
      'median ns/op per layer, log scale; each step is a facade-tax ratio (SPEC red flags: A1/A0 > 20×, B/A1 > 8×)',
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
function scalingChart(results: ResultsFile, anchor: string): ChartSpec | null {
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

function perfTraceChart(results: ResultsFile, anchor: string): ChartSpec | null {
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

function environmentRows(env: ResultsFile['environment']): SideView['environment'] {
  return [
    { key: 'CPU', value: `${env.cpuModel} × ${env.cores} (${env.availableParallelism} available)` },
    { key: 'memory', value: `${(env.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB` },
    { key: 'OS', value: `${env.platform} ${env.osRelease} ${env.arch}` },
    { key: 'Node', value: `${env.node} (V8 ${env.v8})` },
    { key: 'host', value: env.hostHash },
    { key: 'CI', value: env.ci ? 'yes' : 'no' },
    { key: 'child flags', value: env.childFlags.join(' ') || '-' },
  ];
}

function engineLine(results: ResultsFile): string {
  const e = results.engine;
  const parts = [e.commit ?? 'not in git'];
  if (e.tag !== null) parts.push(`tag ${e.tag}`);
  if (e.dirty === true) parts.push('uncommitted changes');
  return parts.join(', ');
}

function sides(input: RunInput): SideView[] {
  const { results } = input;
  const cmp = results.comparison;
  const candidate: SideView = {
    role: 'candidate',
    label: cmp?.candidate.label ?? 'this run',
    commit: cmp?.candidate.commit ?? engineLine(results),
    subject: cmp?.candidate.subject ?? '',
    source: cmp?.candidate.source ?? results.engine.dir,
    environment: environmentRows(results.environment),
  };
  if (cmp === undefined) return [candidate];
  const b = input.baseline?.results;
  const baseline: SideView = {
    role: 'baseline',
    label: cmp.baseline.label,
    commit: cmp.baseline.commit ?? 'stored results',
    subject: cmp.baseline.subject ?? '',
    source: cmp.baseline.source,
    environment:
      b === undefined
        ? [
            {
              key: 'environment',
              value: input.baselineProblem ?? 'the baseline results file is not available',
            },
          ]
        : environmentRows(b.environment),
  };
  return [baseline, candidate];
}

export interface ModelOptions {
  /** Folder the report is written to: links are relative to it. */
  reportDir: string;
}

export function runView(input: RunInput, index: number, options: ModelOptions): RunView {
  const r = input.results;
  const anchor = `run-${index + 1}-${slug(r.runId)}`;
  const cmp = r.comparison;
  const counts = { ok: 0, unsupported: 0, failed: 0 };
  for (const s of r.results) counts[s.status]++;
  const charts: ChartSpec[] = [];
  const absent: string[] = [];
  const add = (c: ChartSpec | null, what: string): void => {
    if (c === null) absent.push(what);
    else charts.push(c);
  };
  add(latencyChart(r, anchor), 'latency percentiles: no scenario has a latency pass');
  add(ladderChart(r, anchor), 'facade-tax ladder: the A0/A1/B scenarios are not all in this run');
  add(scalingChart(r, anchor), 'scaling curve: fewer than two scaling/disjoint_runs results');
  add(
    perfTraceChart(r, anchor),
    'perf-trace breakdown: no scenario carries perfTrace.* figures (`npm run bench -- --perf-trace` records them)',
  );
  const links: Link[] = [
    {
      text: `results: ${path.basename(input.file)}`,
      href: relativeHref(options.reportDir, input.file),
    },
  ];
  if (input.baseline !== null) {
    links.push({
      text: `baseline: ${path.basename(input.baseline.file)}`,
      href: relativeHref(options.reportDir, input.baseline.file),
    });
  }
  const flags = r.redFlags ?? [];
  return {
    anchor,
    runId: r.runId,
    createdAt: r.createdAt,
    command: r.command,
    profile: r.profile.name,
    wallTime: formatMs(r.wallTimeMs),
    machine: machineLabel(r.environment),
    verdict: verdictOf(r),
    counts: `${counts.ok} ok, ${counts.unsupported} unsupported, ${counts.failed} failed`,
    redFlags: redFlagTable(r, anchor),
    redFlagSummary:
      r.redFlags === undefined ? 'red flags were not evaluated in this run' : redFlagCounts(flags),
    comparisonHeader:
      cmp === undefined
        ? null
        : `baseline ${cmp.baseline.label} vs candidate ${cmp.candidate.label}: ${plural(cmp.jobs.length, 'job')} in ${plural(cmp.rounds, 'round')}, ratio = candidate / baseline ns/op with its 95% CI; method ${[...new Set(cmp.jobs.map((j) => j.comparison.method))].join(', ') || '-'}`,
    comparisonNotes: cmp?.notes ?? [],
    comparisons: comparisonTables(r, anchor),
    peers: peersView(r, anchor),
    measurements: measurementTables(r, anchor),
    charts,
    absentCharts: absent,
    sides: sides(input),
    links,
  };
}

function typicalOf(results: ResultsFile, r: ScenarioResult): number | null {
  return typicalFigure(results, r)?.value ?? null;
}

/** Several runs: one row per scenario id, one column per run, grouped by machine. */
function sideBySide(
  inputs: readonly RunInput[],
  groups: MachineGroup[],
): { table: Table; chart: ChartSpec | null } {
  const ordered = groups.flatMap((g) =>
    g.runs.map((run) => ({
      group: g,
      run,
      input: inputs[run.index],
      name: `${g.name} · ${run.runId}`,
    })),
  );
  const ids: string[] = [];
  for (const i of inputs)
    for (const r of i.results.results) if (!ids.includes(r.id)) ids.push(r.id);
  const head = [{ text: 'scenario', numeric: false }];
  for (const o of ordered) head.push({ text: o.name, numeric: true });
  const values: Array<{ scenario: string; machine: string; ns: number }> = [];
  const rows = ids.map((id) => {
    const cells: Cell[] = [{ text: id, sort: id }];
    for (const o of ordered) {
      const r = o.input?.results.results.find((x) => x.id === id);
      const j = o.input?.results.comparison?.jobs.find((x) => x.id === id);
      const ns = r === undefined || o.input === undefined ? null : typicalOf(o.input.results, r);
      if (ns !== null) values.push({ scenario: id, machine: o.name, ns });
      const ratio =
        j === undefined
          ? ''
          : ` (×${j.comparison.ratio?.toFixed(3) ?? '-'}, ${j.comparison.classification})`;
      cells.push({
        text: r === undefined ? '-' : r.status === 'ok' ? `${formatNs(ns)}${ratio}` : r.status,
        sort: num(ns),
        cls: j === undefined ? undefined : cssClass(j.comparison.classification),
      });
    }
    return { cls: '', cells };
  });
  const table: Table = {
    id: 'side-by-side',
    title: 'Side by side: median ns/op per machine',
    note: 'columns grouped by environment (host, CPU, cores, Node); in brackets the ratio to that run’s baseline and its class',
    head,
    rows,
  };
  const chart: ChartSpec | null =
    values.length === 0
      ? null
      : {
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
              y: { field: 'scenario', type: 'nominal', title: null, sort: null },
              x: {
                field: 'ns',
                type: 'quantitative',
                scale: { type: 'log' },
                title: 'ns per op (log)',
              },
              color: {
                field: 'machine',
                type: 'nominal',
                legend: { orient: 'bottom', columns: 1 },
              },
            },
          },
        };
  return { table, chart };
}

export function buildModel(inputs: readonly RunInput[], options: ModelOptions): ReportModel {
  if (inputs.length === 0) throw new Error('a report needs at least one results file');
  const runs = inputs.map((input, i) => runView(input, i, options));
  const failing = runs.filter((r) => r.verdict.status === 'fail');
  const verdict: Verdict =
    runs.length === 1 && runs[0] !== undefined
      ? runs[0].verdict
      : failing.length > 0
        ? {
            status: 'fail',
            headline: `FAIL: ${failing.length} of ${runs.length} runs`,
            reasons: failing.flatMap((r) => r.verdict.reasons.map((x) => `${r.runId}: ${x}`)),
          }
        : {
            status: 'pass',
            headline: `PASS: all ${runs.length} runs`,
            reasons: runs.map((r) => `${r.runId} (${r.machine}): ${r.verdict.headline}`),
          };
  let machines: MachineGroup[] | null = null;
  let table: Table | null = null;
  let chart: ChartSpec | null = null;
  if (inputs.length > 1) {
    const byKey = new Map<string, MachineGroup>();
    inputs.forEach((input, i) => {
      const env = input.results.environment;
      const key = environmentKey(env);
      let g = byKey.get(key);
      if (g === undefined) {
        g = { key, name: `machine ${byKey.size + 1}`, label: machineLabel(env), runs: [] };
        byKey.set(key, g);
      }
      const run = runs[i];
      if (run !== undefined) {
        g.runs.push({
          index: i,
          anchor: run.anchor,
          runId: run.runId,
          verdict: run.verdict.status,
        });
      }
    });
    machines = [...byKey.values()];
    const sbs = sideBySide(inputs, machines);
    table = sbs.table;
    chart = sbs.chart;
  }
  const first = runs[0];
  return {
    title:
      runs.length === 1 && first !== undefined
        ? `in-mem perf report ${first.runId}`
        : `in-mem perf report: ${runs.length} runs`,
    verdict,
    runs,
    machines,
    sideBySide: table,
    sideBySideChart: chart,
  };
}
