/**
 * The published site: reports/index.html lists every run under reports/ (each folder with a
 * results.json), newest first, with its verdict and headline figures, linking to the run's
 * report and raw JSON. `publish --out <dir>` writes that site elsewhere: every run's report
 * (re-rendered from its results, so every page has the current templates), its results and
 * baseline JSON, and the index; with a history folder, also the trend page (trends.ts) and
 * each record's report under history/<machine>/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { countClasses, describeCounts } from '../../judge/verdict.ts';
import { errorMessage, UsageError } from '../../support/errors.ts';
import { REPORTS_DIR } from '../../support/paths.ts';
import { loadRun } from './load.ts';
import { geomeanRatio, verdictOf } from './model.ts';
import { relativeHref, type RunInput, type Verdict } from './view.ts';
import { describeMachine } from '../../results/machine.ts';
import { renderPage, renderTrendsHtml, writeReportFromInputs } from './render.ts';
import { readHistory } from '../../results/history-store.ts';
import { machineTrends, recordReportPath } from './trends.ts';

export interface SiteEntry {
  runId: string;
  createdAt: string;
  /** createdAt as "2026-11-25 14:19 UTC". */
  when: string;
  verdict: Verdict;
  reportHref: string | null;
  resultsHref: string;
  classes: string;
  geomean: string;
  geomeanSort: number | string;
  redFlags: string;
  scenarios: string;
  machine: string;
  command: string;
}

export interface RunFolder {
  dir: string;
  input: RunInput;
}

/** Every run folder of `root` with a readable results.json; the others, with why. */
export function findRuns(root: string): { runs: RunFolder[]; problems: string[] } {
  const runs: RunFolder[] = [];
  const problems: string[] = [];
  if (!fs.existsSync(root)) return { runs, problems };
  for (const name of fs.readdirSync(root).sort()) {
    const dir = path.join(root, name);
    const file = path.join(dir, 'results.json');
    if (!fs.statSync(dir).isDirectory() || !fs.existsSync(file)) continue;
    try {
      runs.push({ dir, input: loadRun(file) });
    } catch (err) {
      problems.push(`${name}: ${errorMessage(err)}`);
    }
  }
  runs.sort(
    (a, b) =>
      b.input.results.createdAt.localeCompare(a.input.results.createdAt) ||
      b.input.results.runId.localeCompare(a.input.results.runId),
  );
  return { runs, problems };
}

export function siteEntry(run: RunFolder, siteDir: string): SiteEntry {
  const r = run.input.results;
  const report = path.join(run.dir, 'index.html');
  const jobs = r.comparison?.jobs ?? [];
  const c = countClasses(jobs);
  const g = geomeanRatio(jobs);
  const flags = r.redFlags;
  const ok = r.results.filter((x) => x.status === 'ok').length;
  const failed = r.results.filter((x) => x.status === 'failed').length;
  return {
    runId: r.runId,
    createdAt: r.createdAt,
    when: `${r.createdAt.slice(0, 10)} ${r.createdAt.slice(11, 16)} UTC`,
    verdict: verdictOf(r),
    reportHref: fs.existsSync(report) ? relativeHref(siteDir, report) : null,
    resultsHref: relativeHref(siteDir, run.input.file),
    classes: r.comparison === undefined ? 'no comparison' : describeCounts(c),
    geomean: g === null ? '-' : `×${g.toFixed(3)}`,
    geomeanSort: g ?? '',
    redFlags:
      flags === undefined
        ? 'not evaluated'
        : `${flags.filter((f) => f.verdict === 'fail').length} fail of ${flags.length}`,
    scenarios: `${ok} ok${failed > 0 ? `, ${failed} failed` : ''} of ${r.results.length}`,
    machine: describeMachine(r.environment),
    command: r.command,
  };
}

/** The trend page's name in a published site. */
export const TRENDS_PAGE = 'trends.html';

function renderSite(
  entries: SiteEntry[],
  problems: string[],
  trendsHref: string | null = null,
): string {
  return renderPage('site', {
    runs: entries,
    trendsHref,
    latest: entries[0] ?? null,
    problems,
    generatedAt: new Date().toISOString(),
  });
}

/** Writes `<root>/index.html` listing every run folder of root; returns its path. */
export function writeSiteIndex(root: string = REPORTS_DIR): string {
  const { runs, problems } = findRuns(root);
  const file = path.join(root, 'index.html');
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(
    file,
    renderSite(
      runs.map((r) => siteEntry(r, root)),
      problems,
    ),
  );
  return file;
}

function copyInto(dir: string, file: string, name: string): string {
  const target = path.join(dir, name);
  if (path.resolve(file) !== path.resolve(target)) fs.copyFileSync(file, target);
  return target;
}

export interface PublishOptions {
  /** The history folder whose records become the trend page; null or missing: no trends. */
  history?: string | null;
  /** A commit's page for the trend's commit table (perf-config.ts `commitUrl`). */
  commitUrl?: (sha: string) => string | null;
}

/**
 * The trend page and every record's report: out/trends.html and
 * out/history/<machine>/<commit>.{json,baseline.json,html}. Returns the page, or null when
 * the folder holds no record.
 */
async function publishTrends(
  dst: string,
  history: ReturnType<typeof readHistory>,
  options: PublishOptions,
): Promise<{ page: string; records: number; problems: string[] } | null> {
  const { machines, problems } = history;
  if (machines.length === 0) return null;
  let records = 0;
  for (const m of machines) {
    for (const rec of m.records) {
      const report = path.join(dst, recordReportPath(m.machine, rec.point.commit));
      const dir = path.dirname(report);
      fs.mkdirSync(dir, { recursive: true });
      const file = copyInto(dir, rec.file, path.basename(rec.file));
      if (rec.baselineFile !== null)
        copyInto(dir, rec.baselineFile, path.basename(rec.baselineFile));
      await writeReportFromInputs([loadRun(file)], report, { siteHref: '../../index.html' });
      records++;
    }
  }
  const page = path.join(dst, TRENDS_PAGE);
  const model = machines.map((m) =>
    machineTrends(m, {
      pageDir: dst,
      siteDir: dst,
      commitUrl: options.commitUrl ?? (() => null),
    }),
  );
  fs.writeFileSync(page, await renderTrendsHtml(model, { siteHref: 'index.html', problems }));
  return { page, records, problems };
}

/**
 * Writes the site of every run in `from` to `out`: out/<run>/{index.html, results.json,
 * baseline.json} and out/index.html, plus the trend page of the history folder when it has
 * records. Returns the index's path and how many runs and records it holds.
 */
export async function publish(
  out: string,
  from: string = REPORTS_DIR,
  options: PublishOptions = {},
): Promise<{
  index: string;
  runs: number;
  records: number;
  trends: string | null;
  problems: string[];
}> {
  const src = path.resolve(from);
  const dst = path.resolve(out);
  const history = options.history ?? null;
  const { runs, problems } = fs.existsSync(src)
    ? findRuns(src)
    : { runs: [], problems: [] as string[] };
  // Read once: every record is a whole results file.
  const records = history === null ? null : readHistory(history);
  const haveHistory = records !== null && records.machines.length > 0;
  if (runs.length === 0 && !haveHistory) {
    throw new UsageError(
      fs.existsSync(src)
        ? `${src} holds no run (no <run>/results.json)${history === null ? '' : ` and ${history} no history record`}`
        : `no reports folder ${src}${history === null ? '' : ` and no history record in ${history}`}`,
      'run `npm run bench` or `npm run harness -- history record` first, or point --from / --history at a folder that has them',
    );
  }
  fs.mkdirSync(dst, { recursive: true });
  const published: RunFolder[] = [];
  for (const run of runs) {
    const dir = path.join(dst, path.basename(run.dir));
    fs.mkdirSync(dir, { recursive: true });
    const file = copyInto(dir, run.input.file, 'results.json');
    const baseline =
      run.input.baseline === null
        ? null
        : {
            file: copyInto(dir, run.input.baseline.file, 'baseline.json'),
            results: run.input.baseline.results,
          };
    const input: RunInput = { ...run.input, file, baseline };
    await writeReportFromInputs([input], path.join(dir, 'index.html'), {
      siteHref: '../index.html',
    });
    published.push({ dir, input });
  }
  const trends = records === null ? null : await publishTrends(dst, records, options);
  const index = path.join(dst, 'index.html');
  fs.writeFileSync(
    index,
    renderSite(
      published.map((r) => siteEntry(r, dst)),
      [...problems, ...(trends?.problems.map((p) => `history ${p}`) ?? [])],
      trends === null ? null : TRENDS_PAGE,
    ),
  );
  return {
    index,
    runs: published.length,
    records: trends?.records ?? 0,
    trends: trends?.page ?? null,
    problems: [...problems, ...(trends?.problems ?? [])],
  };
}
