/**
 * What a gate leaves for CI (cli/gate-files.ts): summary.md and comment.md next to the
 * results, the summary appended to $GITHUB_STEP_SUMMARY when it is set (checked writable
 * first), and the comment's pointer to the report.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stepSummaryFile, writeGateFiles } from '../../../harness/cli/gate-files.ts';
import { COMMENT_MARKER } from '../../../harness/render/comment.ts';
import { renderMarkdown } from '../../../harness/render/comparison-text.ts';
import { UsageError } from '../../../harness/support/errors.ts';
import { COMPARE_RESULTS, readFixture } from '../report-fixtures.ts';
import { tempDirs } from '../helpers.ts';

const dirs = tempDirs('gate-files-');
afterAll(dirs.removeAll);

function gateRun(): { dir: string; file: string } {
  const dir = dirs.make();
  return { dir, file: path.join(dir, 'results.json') };
}

describe('stepSummaryFile', () => {
  it('is undefined when GITHUB_STEP_SUMMARY is unset or empty, the file when writable', () => {
    expect(stepSummaryFile({})).toBeUndefined();
    expect(stepSummaryFile({ GITHUB_STEP_SUMMARY: '' })).toBeUndefined();
    const file = path.join(dirs.make(), 'step.md');
    expect(stepSummaryFile({ GITHUB_STEP_SUMMARY: file })).toBe(file);
  });

  it('refuses a file nothing can be written to, before any work', () => {
    expect(() => stepSummaryFile({ GITHUB_STEP_SUMMARY: '/proc/nope/summary.md' })).toThrow(
      UsageError,
    );
  });
});

describe('writeGateFiles', () => {
  const results = { ...readFixture(COMPARE_RESULTS), kind: 'gate' as const };

  it('writes summary.md and comment.md next to the results, and appends the summary to the step summary', () => {
    const { dir, file } = gateRun();
    const step = path.join(dirs.make(), 'step.md');
    fs.writeFileSync(step, 'before\n');
    const written = writeGateFiles(results, file, {
      reportFile: path.join(dir, 'index.html'),
      env: { GITHUB_STEP_SUMMARY: step },
    });
    expect(written).toEqual({
      summary: path.join(dir, 'summary.md'),
      comment: path.join(dir, 'comment.md'),
    });
    const md = renderMarkdown(results, file);
    expect(fs.readFileSync(written.summary, 'utf8')).toBe(md);
    expect(fs.readFileSync(step, 'utf8')).toBe(`before\n${md}\n`);
    const comment = fs.readFileSync(written.comment, 'utf8');
    expect(comment.startsWith(`${COMMENT_MARKER}\n## in-mem perf ❌ Gate: FAIL`)).toBe(true);
  });

  it('points the comment at the report: relative to here when under it, else as it is', () => {
    const { dir, file } = gateRun();
    const comment = (cwd: string): string => {
      writeGateFiles(results, file, { reportFile: path.join(dir, 'index.html'), env: {}, cwd });
      return fs.readFileSync(path.join(dir, 'comment.md'), 'utf8');
    };
    expect(comment(path.dirname(dir))).toContain(
      `HTML report: ${path.basename(dir)}/index.html`.replace(/_/g, '\\_'),
    );
    expect(comment('/nowhere/else')).toContain(
      `HTML report: ${path.join(dir, 'index.html')}`.replace(/_/g, '\\_'),
    );
  });

  it('--report-url, then the Actions artifact, win over the path', () => {
    const { file } = gateRun();
    const env = {
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_RUN_ID: '5',
    };
    writeGateFiles(results, file, { reportFile: null, env });
    const comment = path.join(path.dirname(file), 'comment.md');
    expect(fs.readFileSync(comment, 'utf8')).toContain(
      'HTML report: the `perf-report` artifact of <https://github.com/o/r/actions/runs/5>',
    );
    writeGateFiles(results, file, { reportFile: null, env, reportUrl: 'https://x.example/r/' });
    expect(fs.readFileSync(comment, 'utf8')).toContain('HTML report: <https://x.example/r/>');
  });
});
