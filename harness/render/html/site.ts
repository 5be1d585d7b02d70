/**
 * The published site: reports/index.html lists every run under reports/ (each folder with a
 * results.json), newest first, with its verdict and headline figures, linking to the run's
 * report and raw JSON. `publish --out <dir>` writes that site elsewhere: every run's report
 * (re-rendered from its results, so every page has the current templates), its results and
 * baseline JSON, and the index.
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
import { renderPage, writeReportFromInputs } from './render.ts';

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

function renderSite(entries: SiteEntry[], problems: string[]): string {
  return renderPage('site', {
    runs: entries,
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

/**
 * Writes the site of every run in `from` to `out`: out/<run>/{index.html, results.json,
 * baseline.json} and out/index.html. Returns the index's path and how many runs it lists.
 */
export async function publish(
  out: string,
  from: string = REPORTS_DIR,
): Promise<{ index: string; runs: number; problems: string[] }> {
  const src = path.resolve(from);
  const dst = path.resolve(out);
  if (!fs.existsSync(src)) {
    throw new UsageError(
      `no reports folder ${src}`,
      'run `npm run bench` first, or point --from at a folder of runs',
    );
  }
  const { runs, problems } = findRuns(src);
  if (runs.length === 0) {
    throw new UsageError(
      `${src} holds no run (no <run>/results.json)`,
      'run `npm run bench` first, or point --from at a folder of runs',
    );
  }
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
  const index = path.join(dst, 'index.html');
  fs.writeFileSync(
    index,
    renderSite(
      published.map((r) => siteEntry(r, dst)),
      problems,
    ),
  );
  return { index, runs: published.length, problems };
}
