/**
 * Every table's columns, defined once (after tachometer's `Dimension`): a label, whether it
 * holds a number, the cell text, and the key the HTML table sorts by. The terminal, the
 * Markdown summary and the HTML report all render these same labels and texts, so a figure
 * can't read one way in CI's log and another in the published report.
 */
import { formatBytes, formatHz, formatNs, formatP, formatRatioCi } from '../support/format.ts';
import { RED_FLAG_IDS, type RedFlagId } from '../config/perf-config.ts';
import { formatFigure, formatLimit } from '../judge/red-flags.ts';
import { ruledOutRegression } from '../judge/verdict.ts';
import { MODES, type ModeName } from '../engine-api/modes.ts';
import type { JobComparison, ResultsFile, ScenarioResult } from '../results/results-file.ts';

export interface Dimension<T> {
  label: string;
  /** Whether the column holds a number (right-aligned, sorted numerically in HTML). */
  numeric: boolean;
  format: (row: T) => string;
  /** The value the HTML table sorts by; the text itself when absent. */
  sort?: (row: T) => number | string;
  /** The cell's class (a name cssClass() knows), for cells coloured by what they say. */
  tone?: (row: T) => string;
}

export type RedFlagRow = NonNullable<ResultsFile['redFlags']>[number];

/** A sort key for a figure that may be absent (absent sorts first). */
export function sortKey(v: number | null | undefined): number | string {
  return v === null || v === undefined ? '' : v;
}

/** A job's class as every table prints it: "no regression" when the gate ruled one out. */
export function classText(j: JobComparison): string {
  if (ruledOutRegression(j)) return 'no regression';
  const c = j.comparison.classification;
  const mark = c === 'regressed' ? 'REGRESSED' : c;
  if (c !== 'regressed' || j.confirmed === undefined || j.confirmed === null) return mark;
  return j.confirmed ? `${mark} (confirmed)` : `${mark} (not confirmed)`;
}

/** The tone of a job's class: a job the gate stopped once a regression was ruled out is settled. */
export function classTone(j: JobComparison): string {
  return ruledOutRegression(j) ? 'unchanged' : j.comparison.classification;
}

const smaller = (j: JobComparison): number =>
  Math.min(j.comparison.nBaseline, j.comparison.nCandidate);

export const SCENARIO_COLUMN: Dimension<{ name: string }> = {
  label: 'scenario',
  numeric: false,
  format: (r) => r.name,
};

export const MODE_COLUMN: Dimension<{ mode: ModeName | null }> = {
  label: 'mode',
  numeric: false,
  format: (r) => r.mode ?? 'read-only',
};

/** One job of a comparison: both sides' figures, the ratio with its CI, the class. */
export const COMPARISON_COLUMNS: ReadonlyArray<Dimension<JobComparison>> = [
  SCENARIO_COLUMN,
  {
    label: 'baseline',
    numeric: true,
    format: (j) => formatNs(j.comparison.baselineMedian),
    sort: (j) => sortKey(j.comparison.baselineMedian),
  },
  {
    label: 'candidate',
    numeric: true,
    format: (j) => formatNs(j.comparison.candidateMedian),
    sort: (j) => sortKey(j.comparison.candidateMedian),
  },
  {
    label: 'ratio [95% CI]',
    numeric: true,
    format: (j) => formatRatioCi(j),
    sort: (j) => sortKey(j.comparison.ratio),
  },
  {
    label: 'p',
    numeric: true,
    format: (j) => formatP(j.comparison.pValue),
    sort: (j) => sortKey(j.comparison.pValue),
  },
  {
    label: 'class',
    numeric: false,
    format: classText,
    sort: (j) => j.comparison.classification,
    tone: classTone,
  },
  { label: 'n', numeric: true, format: (j) => String(smaller(j)), sort: smaller },
];

/** A comparison in one table (Markdown summary, PR comment): the mode named on every row. */
export const COMPARISON_COLUMNS_WITH_MODE: ReadonlyArray<Dimension<JobComparison>> = [
  COMPARISON_COLUMNS[0] as Dimension<JobComparison>,
  MODE_COLUMN,
  ...COMPARISON_COLUMNS.slice(1),
];

/** The columns of `columns` labelled `labels`, in that order; an unknown label throws. */
export function pickColumns<T>(
  columns: ReadonlyArray<Dimension<T>>,
  labels: readonly string[],
): Array<Dimension<T>> {
  return labels.map((label) => {
    const c = columns.find((x) => x.label === label);
    if (c === undefined) throw new Error(`no column "${label}"`);
    return c;
  });
}

function statusText(r: ScenarioResult): string {
  if (r.status === 'ok') return 'ok';
  const reason = (r.reason ?? '').replace(/\s+/g, ' ').trim();
  return reason === '' ? r.status.toUpperCase() : `${r.status.toUpperCase()}: ${reason}`;
}

/** One job's full measurement: throughput, centre, spread, tail, allocation, its proof. */
export const MEASUREMENT_COLUMNS: ReadonlyArray<Dimension<ScenarioResult>> = [
  SCENARIO_COLUMN,
  {
    label: 'status',
    numeric: false,
    format: statusText,
    sort: (r) => r.status,
    tone: (r) => r.status,
  },
  { label: 'ops/s', numeric: true, format: (r) => formatHz(r.hz), sort: (r) => sortKey(r.hz) },
  {
    label: 'median',
    numeric: true,
    format: (r) => formatNs(r.medianNs),
    sort: (r) => sortKey(r.medianNs),
  },
  {
    label: 'mean ±rme',
    numeric: true,
    format: (r) => `${formatNs(r.meanNs)}${r.rme === null ? '' : ` ±${r.rme.toFixed(1)}%`}`,
    sort: (r) => sortKey(r.meanNs),
  },
  {
    label: 'p99',
    numeric: true,
    format: (r) => formatNs(r.latency?.p99 ?? null),
    sort: (r) => sortKey(r.latency?.p99),
  },
  {
    label: 'bytes/op',
    numeric: true,
    format: (r) => formatBytes(r.bytesPerOp),
    sort: (r) => sortKey(r.bytesPerOp),
  },
  {
    label: 'ops proved',
    numeric: true,
    format: (r) => (r.opCount === null ? '-' : String(r.opCount)),
    sort: (r) => sortKey(r.opCount),
  },
];

function limitText(f: RedFlagRow): string {
  return (RED_FLAG_IDS as readonly string[]).includes(f.id)
    ? formatLimit({ id: f.id as RedFlagId, threshold: f.threshold, unit: f.unit })
    : formatFigure(f.threshold, f.unit);
}

function spreadText(f: RedFlagRow): string {
  const s = f.spread;
  if (s === null || s === undefined) return '-';
  return `${formatFigure(s.low, f.unit)} – ${formatFigure(s.high, f.unit)} (${s.over})`;
}

function floorText(f: RedFlagRow): string {
  const fl = f.floor;
  return fl === null || fl === undefined ? '-' : `${formatFigure(fl.figure, f.unit)}: ${fl.what}`;
}

export const RED_FLAG_COLUMNS: ReadonlyArray<Dimension<RedFlagRow>> = [
  { label: 'red flag', numeric: false, format: (f) => f.description },
  {
    label: 'figure',
    numeric: true,
    format: (f) => (f.figure === null ? '-' : formatFigure(f.figure, f.unit)),
    sort: (f) => f.figure ?? '',
  },
  { label: 'spread', numeric: true, format: spreadText, sort: (f) => f.spread?.high ?? '' },
  { label: 'fails when', numeric: true, format: limitText, sort: (f) => f.threshold },
  { label: 'judged against', numeric: false, format: floorText },
  {
    label: 'verdict',
    numeric: false,
    format: (f) => f.verdict.toUpperCase(),
    tone: (f) => f.verdict,
  },
  { label: 'why', numeric: false, format: (f) => f.reason },
];

/** "8 pass, 1 fail, 1 not applicable". */
export function redFlagCounts(flags: readonly RedFlagRow[]): string {
  const fails = flags.filter((f) => f.verdict === 'fail').length;
  const na = flags.filter((f) => f.verdict === 'not-applicable').length;
  return `${flags.length - fails - na} pass, ${fails} fail, ${na} not applicable`;
}

/**
 * The red flags a table lists in full: those that passed or failed. A filtered run leaves most
 * flags without their scenarios; those not-applicable rows are folded into one line
 * (`foldedRedFlags`) so they don't push the comparison out of sight.
 */
export function judgedRedFlags(flags: readonly RedFlagRow[]): RedFlagRow[] {
  return flags.filter((f) => f.verdict !== 'not-applicable');
}

/** One line naming the not-applicable flags, or null when there are none. */
export function foldedRedFlags(flags: readonly RedFlagRow[]): string | null {
  const na = flags.filter((f) => f.verdict === 'not-applicable');
  if (na.length === 0) return null;
  return `not applicable in this run (${na.length}): ${na.map((f) => f.id).join(', ')}`;
}

/** A table title per group of jobs: read-only scenarios, then one per durability mode. */
export function modeTitle(mode: ModeName | null): string {
  return mode === null ? 'read-only scenarios' : `durability mode: ${mode}`;
}

/** The modes present in `items`, read-only first, then in MODES order. */
export function modesOf<T extends { mode: ModeName | null }>(
  items: readonly T[],
): Array<ModeName | null> {
  const out: Array<ModeName | null> = [];
  if (items.some((i) => i.mode === null)) out.push(null);
  for (const m of MODES) if (items.some((i) => i.mode === m)) out.push(m);
  return out;
}

/** A comparison's jobs grouped by mode, each group with its title and its mode-mapping note. */
export function comparisonGroups(
  jobs: readonly JobComparison[],
): Array<{ mode: ModeName | null; title: string; note: string | null; jobs: JobComparison[] }> {
  return modesOf(jobs).map((mode) => {
    const mine = jobs.filter((j) => j.mode === mode);
    const mapped = mine.find((j) => j.baselineMode !== null && j.baselineMode !== mode);
    return {
      mode,
      title: modeTitle(mode),
      note:
        mapped === undefined
          ? null
          : `the baseline ran ${mapped.baselineMode ?? '?'} (its only mode): each candidate mode is compared with it`,
      jobs: mine,
    };
  });
}
