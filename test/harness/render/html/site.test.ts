import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findRuns, publish, writeSiteIndex } from '../../../../harness/render/html/site.ts';
import { writeRecord } from '../../../../harness/results/history-store.ts';
import { UsageError } from '../../../../harness/support/errors.ts';
import { okResult, resultsFile, tempDir } from '../../helpers.ts';
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

/** A history folder of two records of one machine (the newer a child of the older). */
function historyDir(): { dir: string; commits: string[] } {
  const dir = tempDir('report-history-');
  dirs.push(dir);
  const commits = ['1'.repeat(40), '2'.repeat(40)];
  commits.forEach((commit, i) => {
    writeRecord(dir, {
      ...resultsFile([okResult({ medianNs: 20 + i, meanNs: 20 + i })]),
      runId: `history-run-${i}`,
      history: {
        commit,
        committedAt: `2025-03-0${i + 1}T12:00:00Z`,
        subject: `commit ${i}`,
        parent: i === 0 ? null : (commits[i - 1] as string),
        depth: i + 1,
        machine: 'box-a',
      },
    });
  });
  return { dir, commits };
}

/** Every link of a page that points into the site (not in-page, not another site). */
function siteLinks(html: string): string[] {
  return [...html.matchAll(/\b(?:xlink:)?href="([^"]+)"/g)]
    .map((m) => m[1] as string)
    .filter((h) => !h.startsWith('#') && !/^[a-z]+:/i.test(h));
}

describe('publish with a history folder', () => {
  it('a site of history only: the trend page, each record’s report linked from it, the index linking it', async () => {
    const { dir: history, commits } = historyDir();
    const from = tempDir('report-no-runs-');
    dirs.push(from);
    const out = path.join(from, 'site');
    const site = await publish(out, from, {
      history,
      commitUrl: (sha) => `https://git.example/c/${sha}`,
    });
    expect(site).toMatchObject({ runs: 0, records: 2, problems: [] });
    expect(site.trends).toBe(path.join(out, 'trends.html'));
    expect(fs.existsSync(path.join(out, 'trends.html'))).toBe(true);

    const trends = fs.readFileSync(path.join(out, 'trends.html'), 'utf8');
    for (const c of commits) {
      const report = path.join(out, 'history', 'box-a', `${c}.html`);
      expect(fs.existsSync(report), c).toBe(true);
      expect(fs.existsSync(path.join(out, 'history', 'box-a', `${c}.json`)), c).toBe(true);
      expect(trends, c).toContain(`href="history/box-a/${c}.html"`);
      // The chart's point links the same report.
      expect(trends, c).toContain(`xlink:href="history/box-a/${c}.html"`);
      expect(trends, c).toContain(`href="https://git.example/c/${c}"`);
      expect(fs.readFileSync(report, 'utf8'), c).toContain('href="../../index.html"');
    }
    // Every link into the site resolves.
    const links = siteLinks(trends);
    expect(links.length).toBeGreaterThanOrEqual(4);
    for (const href of links) {
      expect(fs.existsSync(path.join(out, decodeURIComponent(href))), href).toBe(true);
    }
    const index = fs.readFileSync(site.index, 'utf8');
    expect(index).toContain('href="trends.html"');
    expect(site.index).toBe(path.join(out, 'index.html'));
  });

  it('runs and history together: both published; a corrupt record is skipped and said', async () => {
    const root = reportsDir();
    const { dir: history } = historyDir();
    fs.writeFileSync(path.join(history, 'results', 'box-a', `${'3'.repeat(40)}.json`), '{');
    const out = path.join(root, '..', `${path.basename(root)}-with-history`);
    dirs.push(out);
    const site = await publish(out, root, { history });
    expect(site.runs).toBe(3);
    expect(site.records).toBe(2);
    expect(site.problems.some((p) => p.includes(`${'3'.repeat(40)}.json`))).toBe(true);
    const index = fs.readFileSync(site.index, 'utf8');
    expect(index).toContain('href="trends.html"');
    expect(index).toContain(
      `skipped history ${path.join('results', 'box-a', '3'.repeat(40))}.json`,
    );
  });

  it('without history the index has no trends link, and writes no trend page', async () => {
    const root = reportsDir();
    const out = path.join(root, '..', `${path.basename(root)}-no-history`);
    dirs.push(out);
    const site = await publish(out, root, { history: null });
    expect(site.trends).toBeNull();
    expect(fs.existsSync(path.join(out, 'trends.html'))).toBe(false);
    expect(fs.readFileSync(site.index, 'utf8')).not.toContain('trends.html');
  });

  it('neither runs nor history records: a UsageError, nothing written', async () => {
    const empty = tempDir('report-nothing-');
    dirs.push(empty);
    const emptyHistory = path.join(empty, 'history');
    fs.mkdirSync(path.join(emptyHistory, 'results', 'box-a'), { recursive: true });
    const out = path.join(empty, 'out');
    for (const history of [null, emptyHistory, path.join(empty, 'missing')]) {
      const attempt = publish(out, empty, { history });
      await expect(attempt).rejects.toThrow(UsageError);
      await expect(publish(out, empty, { history })).rejects.toThrow(/holds no run/);
    }
    await expect(publish(out, empty, { history: emptyHistory })).rejects.toThrow(
      `and ${emptyHistory} no history record`,
    );
    await expect(publish(out, path.join(empty, 'no-reports'), { history: null })).rejects.toThrow(
      /^no reports folder /,
    );
    expect(fs.existsSync(out)).toBe(false);
  });
});
