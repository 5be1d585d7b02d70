/** Fixtures for the report tests: real results files, and a hostile copy of one. */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../harness/support/paths.ts';
import type { ResultsFile } from '../../harness/results/results-file.ts';

export const REPORT_FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'report');
/** A real `compare --baseline m3_baseline_perf` run (3 jobs) and its baseline.json. */
export const COMPARE_RESULTS = path.join(REPORT_FIXTURES, 'compare', 'results.json');
/** A real `bench --no-compare --profile quick` run of the whole catalogue (59 results). */
export const BENCH_RESULTS = path.join(REPORT_FIXTURES, 'bench', 'results.json');

/** Markup that would run script if any page printed it unescaped. */
export const HOSTILE = `<img src=x onerror=alert(1)>"'&<script>alert(2)</script>`;

export function readFixture(file: string): ResultsFile {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as ResultsFile;
}

/**
 * The compare fixture with untrusted text everywhere a user can put it: a scenario name (in
 * the results and the comparison), the commit subjects, a label, a note, the command, and the
 * folder name (so the raw-JSON links carry it too). Returns the results file's path.
 */
export function writeHostileRun(root: string): string {
  const dir = path.join(root, `run ${HOSTILE.replace(/[/<>]/g, '_')}`);
  fs.mkdirSync(dir, { recursive: true });
  const results = readFixture(COMPARE_RESULTS);
  const target = results.results[0];
  const job = results.comparison?.jobs.find((j) => j.id === target?.id);
  if (target === undefined || job === undefined || results.comparison === undefined) {
    throw new Error('the compare fixture changed shape');
  }
  const hostileName = `core/${HOSTILE}`;
  target.name = hostileName;
  target.id = hostileName;
  job.name = hostileName;
  job.id = hostileName;
  results.comparison.baseline.subject = `subject ${HOSTILE}`;
  results.comparison.candidate.label = `label ${HOSTILE}`;
  results.comparison.notes.push(`note ${HOSTILE}`);
  results.command = `harness compare --filter '${HOSTILE}'`;
  const flag = results.redFlags?.[0];
  if (flag !== undefined) flag.reason = `reason ${HOSTILE}`;
  fs.copyFileSync(
    path.join(path.dirname(COMPARE_RESULTS), 'baseline.json'),
    path.join(dir, 'baseline.json'),
  );
  const file = path.join(dir, 'results.json');
  fs.writeFileSync(file, JSON.stringify(results, null, 2));
  return file;
}
