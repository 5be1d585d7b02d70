/**
 * The red-flag table's columns, defined once (after tachometer's `Dimension`): the terminal,
 * the Markdown summary and the HTML report render these same labels and cell texts.
 */
import { RED_FLAG_IDS, type RedFlagId } from '../config/perf-config.ts';
import type { ResultsFile } from '../results/results-file.ts';
import { formatFigure, formatLimit } from './red-flags.ts';

export type RedFlagRow = NonNullable<ResultsFile['redFlags']>[number];

export interface Dimension<T> {
  label: string;
  /** Whether the column holds a number (right-aligned, sorted numerically in HTML). */
  numeric: boolean;
  format: (row: T) => string;
  /** The value the HTML table sorts by; the text itself when absent. */
  sort?: (row: T) => number | string;
}

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
  { label: 'verdict', numeric: false, format: (f) => f.verdict.toUpperCase() },
  { label: 'why', numeric: false, format: (f) => f.reason },
];

/** "8 pass, 1 fail, 1 not applicable". */
export function redFlagCounts(flags: readonly RedFlagRow[]): string {
  const fails = flags.filter((f) => f.verdict === 'fail').length;
  const na = flags.filter((f) => f.verdict === 'not-applicable').length;
  return `${flags.length - fails - na} pass, ${fails} fail, ${na} not applicable`;
}
