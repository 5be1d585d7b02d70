/**
 * The report at the end of `bench`, `compare` and `gate`: written next to the results file
 * (reports/<run-id>/index.html), and reports/index.html refreshed when the run is in
 * reports/. A report that fails only warns: the command's exit code keeps its meaning.
 */
import path from 'node:path';
import { errorMessage } from '../../support/errors.ts';
import { REPORTS_DIR } from '../../support/paths.ts';
import { writeReport } from './render.ts';
import { writeSiteIndex } from './site.ts';

/** True when `dir` is a run folder directly under reports/ (so it belongs on the site). */
export function inReportsDir(dir: string, reportsDir: string = REPORTS_DIR): boolean {
  return path.dirname(path.resolve(dir)) === path.resolve(reportsDir);
}

/** Writes a run's report (and the site index); returns the report path, or null on failure. */
export async function reportAfterRun(
  resultsFile: string,
  io: { out: (line: string) => void; warn: (line: string) => void } = {
    out: (l) => process.stdout.write(`${l}\n`),
    warn: (l) => process.stderr.write(`${l}\n`),
  },
): Promise<string | null> {
  try {
    const dir = path.dirname(path.resolve(resultsFile));
    const onSite = inReportsDir(dir);
    const file = await writeReport([resultsFile], { siteHref: onSite ? '../index.html' : null });
    io.out(`report: ${file}`);
    if (onSite) io.out(`all runs: ${writeSiteIndex(path.dirname(dir))}`);
    return file;
  } catch (err) {
    io.warn(`warning: the HTML report was not written: ${errorMessage(err)}`);
    return null;
  }
}
