import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findRuns, publish, writeSiteIndex } from '../../../../harness/render/html/site.ts';
import { tempDir } from '../../helpers.ts';
import { BENCH_RESULTS, COMPARE_RESULTS, HOSTILE, readFixture } from '../../report-fixtures.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A reports/ folder with the two real runs, a hostile one and a corrupt one. */
function reportsDir(): string {
  const root = tempDir('report-site-');
  dirs.push(root);
  const put = (name: string, file: string, extra: string[] = []): void => {
    fs.mkdirSync(path.join(root, name), { recursive: true });
    fs.copyFileSync(file, path.join(root, name, 'results.json'));
    for (const e of extra)
      fs.copyFileSync(path.join(path.dirname(file), e), path.join(root, name, e));
  };
  put('a-compare', COMPARE_RESULTS, ['baseline.json']);
  put('b-bench', BENCH_RESULTS);
  const hostile = readFixture(BENCH_RESULTS);
  hostile.runId = `newest ${HOSTILE}`;
  hostile.createdAt = '2099-01-01T00:00:00.000Z';
  hostile.command = `harness bench ${HOSTILE}`;
  fs.mkdirSync(path.join(root, 'c-hostile'));
  fs.writeFileSync(path.join(root, 'c-hostile', 'results.json'), JSON.stringify(hostile));
  fs.mkdirSync(path.join(root, 'd-corrupt'));
  fs.writeFileSync(path.join(root, 'd-corrupt', 'results.json'), '{}');
  fs.writeFileSync(path.join(root, 'stray.txt'), 'not a run');
  return root;
}

describe('site: reports/index.html and publish', () => {
  it('lists every run newest first, skips a corrupt one with the reason, escapes names', () => {
    const root = reportsDir();
    const { runs, problems } = findRuns(root);
    const created = runs.map((r) => r.input.results.createdAt);
    expect(created).toEqual([...created].sort().reverse());
    expect(runs).toHaveLength(3);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^d-corrupt: results file .* is not usable: field "schemaVersion"/);

    const html = fs.readFileSync(writeSiteIndex(root), 'utf8');
    const older = [readFixture(COMPARE_RESULTS), readFixture(BENCH_RESULTS)]
      .sort((x, y) => y.createdAt.localeCompare(x.createdAt))
      .map((r) => r.runId);
    const order = ['newest &lt;img', ...older].map((id) => html.indexOf(id));
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain('href="a-compare/results.json"');
    expect(html).toContain('Comparison: FAIL');
    expect(html).toContain('skipped d-corrupt');
  });

  it('publish writes every run’s report, its JSON and the index; links resolve', async () => {
    const root = reportsDir();
    const out = path.join(root, '..', `${path.basename(root)}-site`);
    dirs.push(out);
    const site = await publish(out, root);
    expect(site.runs).toBe(3);
    for (const run of ['a-compare', 'b-bench', 'c-hostile']) {
      expect(fs.existsSync(path.join(out, run, 'index.html'))).toBe(true);
      expect(fs.existsSync(path.join(out, run, 'results.json'))).toBe(true);
    }
    expect(fs.existsSync(path.join(out, 'a-compare', 'baseline.json'))).toBe(true);
    const index = fs.readFileSync(site.index, 'utf8');
    for (const href of index.matchAll(/href="([^"#]+)"/g)) {
      expect(fs.existsSync(path.join(out, decodeURIComponent(href[1]!)))).toBe(true);
    }
    const page = fs.readFileSync(path.join(out, 'a-compare', 'index.html'), 'utf8');
    expect(page).toContain('<a href="../index.html">all runs</a>');
    expect(page).toContain('<a href="baseline.json">');
  });

  it('publish refuses a folder with no run (exit 2)', async () => {
    const empty = tempDir('report-empty-');
    dirs.push(empty);
    await expect(publish(path.join(empty, 'out'), empty)).rejects.toThrow(/holds no run/);
  });
});
