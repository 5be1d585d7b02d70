/**
 * One verdict everywhere (harness/judge/verdict.ts): for the same results file, the terminal
 * output, the Markdown summary, the HTML report and the exit code of `show` all say what
 * `judge` decided. Each variant below changes one thing a verdict depends on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderRun } from '../../../harness/cli/commands/compare.ts';
import { renderMarkdown } from '../../../harness/render/comparison-text.ts';
import { judge } from '../../../harness/judge/verdict.ts';
import { writeReport } from '../../../harness/render/html/render.ts';
import { writeResults, type ResultsFile } from '../../../harness/results/results-file.ts';
import { runHarness, tempDirs } from '../helpers.ts';
import { COMPARE_RESULTS, readFixture } from '../report-fixtures.ts';

const dirs = tempDirs('verdict-');
afterAll(() => dirs.removeAll());

/** The comparison fixture with every red flag passing and every job unchanged. */
function clean(kind: ResultsFile['kind']): ResultsFile {
  const r = readFixture(COMPARE_RESULTS);
  r.kind = kind;
  for (const f of r.redFlags ?? []) f.verdict = 'pass';
  for (const j of r.comparison?.jobs ?? []) {
    j.comparison.classification = 'unchanged';
    j.confirmed = null;
  }
  return r;
}

function firstJob(r: ResultsFile) {
  const j = r.comparison?.jobs[0];
  if (j === undefined) throw new Error('fixture has no jobs');
  return j;
}

const VARIANTS: Array<[string, () => ResultsFile, 'pass' | 'fail']> = [
  ['a clean comparison', () => clean('compare'), 'pass'],
  [
    'a bench that called a regression',
    () => {
      const r = clean('bench');
      firstJob(r).comparison.classification = 'regressed';
      return r;
    },
    'fail',
  ],
  [
    'a gate whose second pass refuted the call',
    () => {
      const r = clean('gate');
      const j = firstJob(r);
      j.comparison.classification = 'regressed';
      j.confirmed = false;
      return r;
    },
    'pass',
  ],
  [
    'a gate with a confirmed regression',
    () => {
      const r = clean('gate');
      const j = firstJob(r);
      j.comparison.classification = 'regressed';
      j.confirmed = true;
      return r;
    },
    'fail',
  ],
  [
    'a failed red flag',
    () => {
      const r = clean('compare');
      const f = r.redFlags?.[0];
      if (f !== undefined) f.verdict = 'fail';
      return r;
    },
    'fail',
  ],
  [
    'a failed scenario in a bench without comparison',
    () => {
      const r = clean('bench');
      delete r.comparison;
      const s = r.results[0];
      if (s !== undefined) Object.assign(s, { status: 'failed', reason: 'op-count proof failed' });
      return r;
    },
    'fail',
  ],
];

const unescapeMd = (s: string): string => s.replace(/\\(.)/g, '$1');

describe('the same results give the same verdict in every output', () => {
  for (const [name, make, expected] of VARIANTS) {
    it(
      name,
      async () => {
        const r = make();
        const file = path.join(dirs.make(), 'results.json');
        writeResults(file, r);
        const j = judge(r);
        expect(j.status).toBe(expected);
        expect(j.exitCode).toBe(expected === 'pass' ? 0 : 1);

        const terminal = renderRun(r, file, true);
        expect(terminal).toContain(j.headline);
        for (const reason of j.reasons) expect(terminal).toContain(reason);

        const md = unescapeMd(renderMarkdown(r, file));
        expect(md).toContain(j.headline);
        for (const reason of j.reasons) expect(md).toContain(unescapeMd(reason));

        const html = fs.readFileSync(await writeReport([file]), 'utf8');
        expect(html).toContain(`data-verdict="${j.status}"`);
        expect(html).toContain(`>${j.headline}</h2>`);
        expect(html).not.toContain(`data-verdict="${j.status === 'pass' ? 'fail' : 'pass'}"`);

        const shown = await runHarness(['show', file]);
        expect(shown.exitCode).toBe(j.exitCode);
        expect(shown.stdout).toContain(j.headline);
      },
      30_000,
    );
  }
});
