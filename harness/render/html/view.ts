/**
 * The HTML report's view types: what the templates show. Pure data (display strings, sort keys,
 * CSS classes from a fixed set, vega-lite specs); `htmlTable` turns columns (../columns.ts)
 * into a table of this shape, so the HTML shows what the terminal and Markdown show.
 *
 * Every string here may carry untrusted text (scenario names, commit subjects, paths, reasons):
 * the templates print them with handlebars' escaping `{{ }}` only; chart labels go through
 * vega, which escapes text in its SVG output. Nothing here builds HTML.
 */
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import type { Dimension } from '../columns.ts';
import type { ResultsFile } from '../../results/results-file.ts';

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
  /** The red flags judged in this run (pass or fail). */
  redFlags: Table | null;
  /** Flags this run could not judge (their scenarios absent): shown folded. */
  redFlagsNotApplicable: Table | null;
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

export interface PeersView {
  method: string;
  /** Adapter × mode: the exact settings each engine ran with. */
  mappings: Table;
  /** One per durability mode: figures, our ratios to each peer, distances to the floor. */
  modes: Array<{ table: Table; chart: ChartSpec | null }>;
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

export interface ModelOptions {
  /** Folder the report is written to: links are relative to it. */
  reportDir: string;
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

/** A table of `rows` in `columns`; each row coloured by `rowTone` (a class name cssClass knows). */
export function htmlTable<T>(
  frame: { id: string; title: string; note: string | null },
  columns: ReadonlyArray<Dimension<T>>,
  rows: readonly T[],
  rowTone: (row: T) => string,
): Table {
  return {
    ...frame,
    head: columns.map((c) => ({ text: c.label, numeric: c.numeric })),
    rows: rows.map((r) => ({
      cls: cssClass(rowTone(r)),
      cells: columns.map((c): Cell => {
        const text = c.format(r);
        const sort = c.sort === undefined ? text : c.sort(r);
        return c.tone === undefined ? { text, sort } : { text, sort, cls: cssClass(c.tone(r)) };
      }),
    })),
  };
}
