/**
 * The trend page's model: per machine, one chart per scenario and mode across the recorded
 * commits (results/history-store.ts), and a table of those commits. Pure: history in, model
 * and vega-lite specs out (charts.ts renders them).
 *
 * A point is the job's typical ns/op on that commit with a 95 % interval of its median
 * (judge/figures.ts `figureWithInterval`: the figure the run's own report shows). That interval is
 * within one run; two runs of one commit differ by more on a shared machine, which is why a
 * change is marked only where a paired comparison called it (a `--paired` record), never
 * from two points' distance.
 */
import path from 'node:path';
import { formatNs, formatRatioCi } from '../../support/format.ts';
import { figureWithInterval } from '../../judge/figures.ts';
import { describeMachine } from '../../results/machine.ts';
import type { MachineHistory, HistoryRecord } from '../../results/history-store.ts';
import { relativeHref, type ChartSpec } from './view.ts';

/** A commit's mark on a series: what a paired comparison called that job there. */
export type TrendChange = 'regressed' | 'improved' | null;

export interface TrendPoint {
  /** 0-based position among the machine's recorded commits. */
  order: number;
  commit: string;
  short: string;
  subject: string;
  ns: number;
  lo: number;
  hi: number;
  /** The point's run report, relative to the trend page. */
  href: string;
  change: TrendChange;
  /** "1.52 [1.44, 1.61] against 1a2b3c4d5e6f", when the record was paired. */
  changeText: string | null;
}

export interface TrendSeries {
  /** The job id: scenario name, plus /dur_<mode> for writing scenarios. */
  id: string;
  name: string;
  mode: string | null;
  points: TrendPoint[];
  chart: ChartSpec;
}

export interface TrendCommit {
  sha: string;
  /** The row's id, which the chart's commit labels link to. */
  rowId: string;
  short: string;
  subject: string;
  when: string;
  runHref: string;
  commitHref: string | null;
  /** The jobs a paired comparison called changed at this commit, in words. */
  changes: string;
}

export interface MachineTrends {
  machine: string;
  description: string;
  anchor: string;
  commits: TrendCommit[];
  series: TrendSeries[];
}

/** The commit table row's id: unique per machine section and commit. */
export function commitAnchor(machineAnchor: string, commit: string): string {
  return `commit-${machineAnchor}-${commit}`;
}

/** Where the site keeps a record's report: history/<machine>/<commit>.html. */
export function recordReportPath(machine: string, commit: string): string {
  return `history/${machine}/${commit}.html`;
}

function changeOf(rec: HistoryRecord, id: string): { change: TrendChange; text: string | null } {
  const job = rec.results.comparison?.jobs.find((j) => j.id === id);
  if (job === undefined) return { change: null, text: null };
  const against = rec.results.comparison?.baseline.commit?.slice(0, 12) ?? 'the baseline';
  const cls = job.comparison.classification;
  const text = `${cls} ${formatRatioCi(job)} against ${against}`;
  return { change: cls === 'regressed' || cls === 'improved' ? cls : null, text };
}

const CHANGE_SCALE = {
  domain: ['regressed', 'improved', 'none'],
  range: ['#c62828', '#2e7d32', '#1e88e5'],
};

/** The job's trend: whiskers for the interval, a line through the medians, linked points. */
export function trendChart(series: Omit<TrendSeries, 'chart'>, anchor: string): ChartSpec {
  const values = series.points.map((p) => ({
    ...p,
    change: p.change ?? 'none',
    figure: formatNs(p.ns),
    interval: `${formatNs(p.lo)} – ${formatNs(p.hi)}`,
    changeText: p.changeText ?? 'not compared',
    commitAnchor: `#${commitAnchor(anchor, p.commit)}`,
  }));
  const x = {
    field: 'short',
    type: 'ordinal',
    sort: null,
    title: null,
    // The commit labels are drawn as linked text marks (below), so the axis draws none.
    axis: { labels: false, ticks: true },
  } as const;
  const y = {
    field: 'ns',
    type: 'quantitative',
    title: 'ns per op (median)',
    scale: { zero: false },
  } as const;
  return {
    id: `trend-${anchor}-${series.id.replace(/[^A-Za-z0-9_-]/g, '-')}`,
    title: series.id,
    caption: `${series.points.length} commits, oldest first; whiskers: 95 % interval of the median within each run; ▲ regressed / ▼ improved where a paired comparison called it; a point links to its run, a commit label to its row`,
    spec: {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      width: 520,
      height: 170,
      data: { values },
      layer: [
        {
          mark: { type: 'rule', color: '#90a4ae' },
          encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' } },
        },
        { mark: { type: 'line', color: '#90a4ae' }, encoding: { x, y } },
        {
          // Each commit's short sha under the axis, linked to its row in the commit table
          // (which links the commit's page and its run).
          mark: {
            type: 'text',
            angle: -40,
            align: 'right',
            baseline: 'middle',
            dy: 6,
            font: 'ui-monospace, monospace',
            fontSize: 10,
            color: '#1e4f8a',
          },
          encoding: {
            x,
            y: { value: 178 },
            text: { field: 'short' },
            href: { field: 'commitAnchor' },
          },
        },
        {
          mark: { type: 'point', filled: true, size: 70, opacity: 1 },
          encoding: {
            x,
            y,
            href: { field: 'href' },
            shape: {
              field: 'change',
              type: 'nominal',
              title: 'paired comparison',
              scale: {
                domain: CHANGE_SCALE.domain,
                range: ['triangle-up', 'triangle-down', 'circle'],
              },
            },
            color: {
              field: 'change',
              type: 'nominal',
              title: 'paired comparison',
              scale: CHANGE_SCALE,
            },
            tooltip: [
              { field: 'commit', title: 'commit' },
              { field: 'subject', title: 'subject' },
              { field: 'figure', title: 'median' },
              { field: 'interval', title: '95 % interval' },
              { field: 'changeText', title: 'paired comparison' },
            ],
          },
        },
      ],
    },
  };
}

/**
 * The model of one machine's trends. `pageDir` is where the trend page is written (links are
 * relative to it); `siteDir` is the site's root, where recordReportPath's paths start.
 */
export function machineTrends(
  history: MachineHistory,
  options: { pageDir: string; siteDir: string; commitUrl: (sha: string) => string | null },
): MachineTrends {
  const anchor = history.machine.replace(/[^A-Za-z0-9_-]/g, '-');
  const hrefOf = (commit: string): string =>
    relativeHref(
      options.pageDir,
      path.join(options.siteDir, recordReportPath(history.machine, commit)),
    );
  const byId = new Map<string, Omit<TrendSeries, 'chart'>>();
  const commits: TrendCommit[] = [];
  for (const [order, rec] of history.records.entries()) {
    const { commit, subject } = rec.point;
    const short = commit.slice(0, 12);
    const href = hrefOf(commit);
    const changed: string[] = [];
    for (const r of rec.results.results) {
      if (r.peer === true) continue;
      const f = figureWithInterval(rec.results, r);
      if (f === null) continue;
      const c = changeOf(rec, r.id);
      if (c.change !== null) changed.push(`${r.id} ${c.text ?? ''}`);
      let s = byId.get(r.id);
      if (s === undefined) {
        s = { id: r.id, name: r.name, mode: r.mode, points: [] };
        byId.set(r.id, s);
      }
      s.points.push({
        order,
        commit,
        short,
        subject,
        ns: f.value,
        lo: f.lo,
        hi: f.hi,
        href,
        change: c.change,
        changeText: c.text,
      });
    }
    commits.push({
      sha: commit,
      rowId: commitAnchor(anchor, commit),
      short,
      subject,
      when: `${rec.point.committedAt.slice(0, 10)} ${rec.point.committedAt.slice(11, 16)}`,
      runHref: href,
      commitHref: options.commitUrl(commit),
      changes:
        rec.results.comparison === undefined
          ? 'not compared'
          : changed.length === 0
            ? 'no change called'
            : changed.join('; '),
    });
  }
  const series = [...byId.values()]
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((s) => ({ ...s, chart: trendChart(s, anchor) }));
  const newest = history.records[history.records.length - 1];
  return {
    machine: history.machine,
    description: newest === undefined ? '' : describeMachine(newest.results.environment),
    anchor,
    commits: commits.reverse(),
    series,
  };
}
