/**
 * The HTML report's view model: results files in, the views of view.ts out. Pure (no I/O, no
 * rendering). The verdict is judge/verdict.ts's, the tables are columns.ts's columns, the
 * charts are chart-specs.ts's; this module decides only what a run's page shows, in which
 * order: what the run was about (its comparison, or its peers), then its red flags, charts
 * and measurements.
 */
import path from 'node:path';
import { formatMs, plural } from '../../support/format.ts';
import { judge } from '../../judge/verdict.ts';
import { describeMachine } from '../../results/machine.ts';
import type { JobComparison, ResultsFile } from '../../results/results-file.ts';
import {
  COMPARISON_COLUMNS,
  MEASUREMENT_COLUMNS,
  classTone,
  RED_FLAG_COLUMNS,
  comparisonGroups,
  foldedRedFlags,
  judgedRedFlags,
  modeTitle,
  modesOf,
  redFlagCounts,
} from '../columns.ts';
import {
  latencyChart,
  ladderChart,
  perfTraceChart,
  ratioChart,
  scalingChart,
} from './chart-specs.ts';
import { machineGroups, sideBySide } from './machines.ts';
import { peersView } from './peers.ts';
import {
  htmlTable,
  relativeHref,
  type ChartSpec,
  type Link,
  type MachineGroup,
  type ModelOptions,
  type ReportModel,
  type RunInput,
  type RunView,
  type SideView,
  type Table,
  type Verdict,
} from './view.ts';

/** The run's verdict as judge/verdict.ts decided it (the same one the command exited with). */
export function verdictOf(results: ResultsFile): Verdict {
  const j = judge(results);
  return { status: j.status, headline: j.headline, reasons: j.reasons };
}

/** Geometric mean of the ratios that have one (null when none). */
export function geomeanRatio(jobs: readonly JobComparison[]): number | null {
  const logs = jobs
    .map((j) => j.comparison.ratio)
    .filter((r): r is number => r !== null && r > 0)
    .map((r) => Math.log(r));
  if (logs.length === 0) return null;
  return Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length);
}

function redFlagTables(
  results: ResultsFile,
  anchor: string,
): { judged: Table | null; notApplicable: Table | null } {
  const flags = results.redFlags;
  if (flags === undefined) return { judged: null, notApplicable: null };
  const judged = judgedRedFlags(flags);
  const na = flags.filter((f) => f.verdict === 'not-applicable');
  const frame = (suffix: string, title: string) => ({
    id: `${anchor}-${suffix}`,
    title,
    note: null,
  });
  return {
    judged:
      judged.length === 0
        ? null
        : htmlTable(
            frame(
              'redflags',
              'Red flags (thresholds in perf.config.json; docs/red-flags.md says why)',
            ),
            RED_FLAG_COLUMNS,
            judged,
            (f) => f.verdict,
          ),
    notApplicable:
      na.length === 0
        ? null
        : htmlTable(
            frame('redflags-na', `Not applicable in this run (${na.length})`),
            RED_FLAG_COLUMNS,
            na,
            (f) => f.verdict,
          ),
  };
}

function comparisonTables(results: ResultsFile, anchor: string): RunView['comparisons'] {
  const cmp = results.comparison;
  if (cmp === undefined) return [];
  return comparisonGroups(cmp.jobs).map((g) => {
    const id = `${anchor}-cmp-${g.mode ?? 'readonly'}`;
    const table = htmlTable(
      { id, title: g.title, note: g.note },
      COMPARISON_COLUMNS,
      g.jobs,
      classTone,
    );
    return { table, chart: ratioChart(g.jobs, `${id}-chart`, `Ratio with 95% CI: ${g.title}`) };
  });
}

function measurementTables(results: ResultsFile, anchor: string): Table[] {
  // Peer rows have their own section (peers.ts), as in the terminal summary.
  const own = results.results.filter((r) => r.peer !== true);
  return modesOf(own).map((mode) =>
    htmlTable(
      {
        id: `${anchor}-m-${mode ?? 'readonly'}`,
        title: `Measurements: ${modeTitle(mode)}`,
        note: null,
      },
      MEASUREMENT_COLUMNS,
      own.filter((r) => r.mode === mode),
      (r) => r.status,
    ),
  );
}

function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'x';
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
  const flagTables = redFlagTables(r, anchor);
  return {
    anchor,
    runId: r.runId,
    createdAt: r.createdAt,
    command: r.command,
    profile: r.profile.name,
    wallTime: formatMs(r.wallTimeMs),
    machine: describeMachine(r.environment),
    verdict: verdictOf(r),
    counts: `${counts.ok} ok, ${counts.unsupported} unsupported, ${counts.failed} failed`,
    redFlags: flagTables.judged,
    redFlagsNotApplicable: flagTables.notApplicable,
    redFlagSummary:
      r.redFlags === undefined
        ? 'red flags were not evaluated in this run'
        : [redFlagCounts(flags), foldedRedFlags(flags)].filter((x) => x !== null).join('; '),
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
    machines = machineGroups(inputs, runs);
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
