/**
 * What a gate leaves for CI next to its results.json: `summary.md` (appended to
 * $GITHUB_STEP_SUMMARY too when that is set) and `comment.md`, the pull-request comment
 * (render/comment.ts). `gate` writes them, and so does `merge` when its shards are gates.
 */
import fs from 'node:fs';
import path from 'node:path';
import { renderMarkdown } from '../render/comparison-text.ts';
import { renderComment, reportLine } from '../render/comment.ts';
import { checkOutputFile } from '../support/output-path.ts';
import type { ResultsFile } from '../results/results-file.ts';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * $GITHUB_STEP_SUMMARY, checked writable before any work (a UsageError otherwise), or
 * undefined when it is not set.
 */
export function stepSummaryFile(env: Env): string | undefined {
  const file = env.GITHUB_STEP_SUMMARY;
  if (file === undefined || file === '') return undefined;
  checkOutputFile(
    file,
    `GITHUB_STEP_SUMMARY=${file}`,
    'point GITHUB_STEP_SUMMARY at a file you can write to, or unset it',
  );
  return file;
}

/** A path as the reader of a comment should see it: relative to here when it is under it. */
function shown(file: string, cwd: string): string {
  const rel = path.relative(cwd, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

export interface GateFiles {
  summary: string;
  comment: string;
}

/** Writes summary.md and comment.md next to `resultsFile`; returns their paths. */
export function writeGateFiles(
  results: ResultsFile,
  resultsFile: string,
  where: {
    /** The HTML report written for the run, or null when it could not be. */
    reportFile: string | null;
    reportUrl?: string;
    env: Env;
    cwd?: string;
  },
): GateFiles {
  const dir = path.dirname(resultsFile);
  const md = renderMarkdown(results, resultsFile);
  const summary = path.join(dir, 'summary.md');
  fs.writeFileSync(summary, md);
  const stepSummary = where.env.GITHUB_STEP_SUMMARY;
  if (stepSummary !== undefined && stepSummary !== '') fs.appendFileSync(stepSummary, `${md}\n`);
  const cwd = where.cwd ?? process.cwd();
  const report = reportLine({
    reportUrl: where.reportUrl,
    env: where.env,
    reportFile: where.reportFile === null ? null : shown(where.reportFile, cwd),
  });
  const comment = path.join(dir, 'comment.md');
  fs.writeFileSync(comment, renderComment(results, { report }));
  return { summary, comment };
}
