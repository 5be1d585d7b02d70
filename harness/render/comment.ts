/**
 * The gate's pull-request comment, `comment.md`, for `gh pr comment --body-file`: a hidden
 * marker line (a workflow finds its previous comment by it and edits that one instead of
 * adding another), the verdict headline (judge/verdict.ts), the regressions and improvements
 * (the columns of columns.ts), the count of the rest, failed scenarios and red flags, and
 * where the HTML report is. Names, labels and reasons are untrusted: every one goes through
 * mdEscape or markdownTable, so none can break a table, add HTML or a link, mention anyone,
 * or close the marker. GitHub refuses a comment over 65,536 characters, so long tables are
 * cut to their first rows with a line saying how many more there are.
 */
import {
  COMPARISON_COLUMNS_WITH_MODE,
  MEASUREMENT_COLUMNS,
  RED_FLAG_COLUMNS,
  pickColumns,
  redFlagCounts,
  type Dimension,
  type RedFlagRow,
} from './columns.ts';
import { markdownSides } from './comparison-text.ts';
import { markdownTable, mdEscape } from './text-table.ts';
import { countClasses, countedRegressions, judge } from '../judge/verdict.ts';
import { plural } from '../support/format.ts';
import type { JobComparison, ResultsFile, ScenarioResult } from '../results/results-file.ts';

/** The comment's first line: an HTML comment GitHub does not show. */
export const COMMENT_MARKER = '<!-- in-mem-perf gate -->';

/** GitHub's limit on a comment body, in characters. */
export const COMMENT_MAX_CHARS = 65_536;

/** No cell is longer than this (a hostile name can't eat the comment's budget by itself). */
const MAX_CELL_CHARS = 200;

export interface ReportLocation {
  /** `--report-url`: wins when given. */
  reportUrl?: string;
  /** The environment: GitHub Actions' GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID. */
  env: Readonly<Record<string, string | undefined>>;
  /** The report written next to the results (as the reader should see it), null if none. */
  reportFile: string | null;
}

/** An http(s) URL in the form an autolink can hold (no spaces, `<` or `>`), else null. */
function safeUrl(text: string): string | null {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * The line that points to the HTML report: `--report-url`; else, under GitHub Actions, the
 * `perf-report` artifact of this workflow run; else the report's path.
 */
export function reportLine(where: ReportLocation): string {
  if (where.reportUrl !== undefined) {
    const url = safeUrl(where.reportUrl);
    return url === null ? `HTML report: ${mdEscape(where.reportUrl)}` : `HTML report: <${url}>`;
  }
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: runId } = where.env;
  if (server && repo && runId) {
    const run = `${server.replace(/\/+$/, '')}/${repo}/actions/runs/${runId}`;
    const url = safeUrl(run);
    return `HTML report: the \`perf-report\` artifact of ${url === null ? mdEscape(run) : `<${url}>`}`;
  }
  if (where.reportFile === null) return 'HTML report: none was written (see the log)';
  return `HTML report: ${mdEscape(where.reportFile)}`;
}

export interface CommentOptions {
  /** reportLine's text. */
  report: string;
  /** Default COMMENT_MAX_CHARS. */
  maxChars?: number;
}

function clip(text: string): string {
  return text.length <= MAX_CELL_CHARS ? text : `${text.slice(0, MAX_CELL_CHARS - 1)}…`;
}

/** `columns` with every cell clipped to MAX_CELL_CHARS. */
function clipped<T>(columns: ReadonlyArray<Dimension<T>>): Array<Dimension<T>> {
  return columns.map((c) => ({ ...c, format: (row: T) => clip(c.format(row)) }));
}

const JOB_COLUMNS = clipped(COMPARISON_COLUMNS_WITH_MODE);
const FAILED_SCENARIO_COLUMNS = clipped(pickColumns(MEASUREMENT_COLUMNS, ['scenario', 'status']));
const FAILED_FLAG_COLUMNS = clipped(
  pickColumns(RED_FLAG_COLUMNS, ['red flag', 'figure', 'fails when']),
);

/** A section: its heading and table of at most `limit` rows, then how many were left out. */
function section<T>(
  title: string,
  columns: ReadonlyArray<Dimension<T>>,
  rows: readonly T[],
  limit: number,
  noun: string,
): string[] {
  if (rows.length === 0) return [];
  const shown = rows.slice(0, limit);
  const more = rows.length - shown.length;
  return [
    `### ${title} (${rows.length})`,
    '',
    ...(shown.length > 0 ? [markdownTable(columns, shown), ''] : []),
    ...(more > 0 ? [`…and ${plural(more, `more ${noun}`)}: see the HTML report.`, ''] : []),
  ];
}

/** Worst first: counted regressions before refuted ones, each by ratio, highest first. */
function regressionsFirst(jobs: readonly JobComparison[]): JobComparison[] {
  const counted = new Set(countedRegressions(jobs));
  return jobs
    .filter((j) => j.comparison.classification === 'regressed')
    .sort(
      (a, b) =>
        Number(counted.has(b)) - Number(counted.has(a)) ||
        (b.comparison.ratio ?? 0) - (a.comparison.ratio ?? 0),
    );
}

function bestImprovementsFirst(jobs: readonly JobComparison[]): JobComparison[] {
  return jobs
    .filter((j) => j.comparison.classification === 'improved')
    .sort((a, b) => (a.comparison.ratio ?? 0) - (b.comparison.ratio ?? 0));
}

/** "Not listed: 3 unchanged, 2 inconclusive, 40 no regression (...)", or null if none. */
function restLine(jobs: readonly JobComparison[]): string | null {
  const counts = countClasses(jobs);
  const parts = [
    ['unchanged', 'unchanged'],
    ['inconclusive', 'inconclusive'],
    ['no regression', 'no regression (sampling stopped once one was ruled out)'],
  ]
    .filter(([key]) => (counts[key as string] ?? 0) > 0)
    .map(([key, text]) => `${counts[key as string] ?? 0} ${text as string}`);
  return parts.length === 0 ? null : `Not listed: ${parts.join(', ')}.`;
}

function render(results: ResultsFile, report: string, limit: number): string {
  const verdict = judge(results);
  const lines: string[] = [
    COMMENT_MARKER,
    `## in-mem perf ${verdict.status === 'pass' ? '✅' : '❌'} ${mdEscape(verdict.headline)}`,
    '',
  ];
  const cmp = results.comparison;
  if (cmp === undefined) {
    lines.push('No baseline comparison in this run: measurements and red flags only.', '');
  } else if (cmp.identical !== undefined) {
    lines.push(`Nothing to compare: ${mdEscape(cmp.identical)}.`, '');
  } else {
    lines.push(
      `${markdownSides(results.profile.name, cmp)} ${plural(cmp.jobs.length, 'job')} compared.`,
      '',
    );
    const regressions = regressionsFirst(cmp.jobs);
    const improvements = bestImprovementsFirst(cmp.jobs);
    if (regressions.length === 0) lines.push('No regression.', '');
    lines.push(...section('Regressions', JOB_COLUMNS, regressions, limit, 'regression'));
    lines.push(...section('Improvements', JOB_COLUMNS, improvements, limit, 'improvement'));
    const rest = restLine(cmp.jobs);
    if (rest !== null) lines.push(rest, '');
  }
  const failed: ScenarioResult[] = results.results.filter((r) => r.status === 'failed');
  lines.push(...section('Failed scenarios', FAILED_SCENARIO_COLUMNS, failed, limit, 'scenario'));
  if (results.redFlags !== undefined) {
    const fails: RedFlagRow[] = results.redFlags.filter((f) => f.verdict === 'fail');
    lines.push(...section('Failed red flags', FAILED_FLAG_COLUMNS, fails, limit, 'red flag'));
    lines.push(`Red flags: ${redFlagCounts(results.redFlags)}.`, '');
  }
  lines.push(report, '');
  return lines.join('\n');
}

/** Whole lines of `text` that fit in `max` characters with `tail` after them. */
function cutLines(text: string, max: number, tail: string): string {
  const kept: string[] = [];
  let size = tail.length;
  for (const line of text.split('\n')) {
    if (size + line.length + 1 > max) break;
    kept.push(line);
    size += line.length + 1;
  }
  return `${kept.join('\n')}\n${tail}`;
}

/** comment.md: see the module header. */
export function renderComment(results: ResultsFile, options: CommentOptions): string {
  const max = options.maxChars ?? COMMENT_MAX_CHARS;
  const full = render(results, options.report, Infinity);
  if (full.length <= max) return full;
  // The most rows per table that fit: render is monotone in the limit, so bisect it.
  const rows = Math.max(
    results.results.length,
    results.comparison?.jobs.length ?? 0,
    results.redFlags?.length ?? 0,
  );
  let lo = 0;
  let hi = rows;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (render(results, options.report, mid).length <= max) lo = mid;
    else hi = mid - 1;
  }
  const best = render(results, options.report, lo);
  if (best.length <= max) return best;
  // Even without rows it is too long (an enormous label or note): keep the lines that fit.
  return cutLines(best, max, `…cut to ${max} characters. ${options.report}\n`);
}
