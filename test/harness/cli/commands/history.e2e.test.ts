/**
 * History end to end, through the real CLI in a temporary repository of 8 commits whose 5th
 * makes KVStore.put several times slower: `history backfill` records every commit, a paired
 * `history record` marks the step, and `publish` draws it, checked in headless Chromium (the
 * points, their links, their order on the y axis and the mark).
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { readHistory } from '../../../../harness/results/history-store.ts';
import { removeTempRepos, tempDir } from '../../../fixtures/git-repo.ts';
import { makeSteppedRepo } from '../../../fixtures/slow-put-repo.ts';
import { runHarness } from '../../helpers.ts';

afterAll(removeTempRepos);

const COMMITS = 8;
const STEP_AT = 5;
/** Passes of extra work per put: several times the put's own cost, clear on a noisy machine. */
const ROUNDS = 8;
const JOB = 'kvstore/put/hot_key/dur_inmemory';
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

describe('history: record a stepped history, mark the step, publish its trend', () => {
  it(
    'backfills every commit, marks the paired step, and the published chart shows it',
    { timeout: 600_000 },
    async () => {
      const t0 = performance.now();
      const { repo, commits } = await makeSteppedRepo(COMMITS, STEP_AT, ROUNDS);
      const dir = tempDir('history-e2e-');
      const historyDir = path.join(dir, 'history');
      const only = ['--filter', 'kvstore/put/hot_key', '--mode', 'inMemory', '--dir', historyDir];

      const backfill = await runHarness(
        ['history', 'backfill', commits[COMMITS - 1] as string, ...only, '--machine', 'e2e-box'],
        repo.dir,
      );
      if (backfill.exitCode !== 0) console.log(backfill.stdout, backfill.stderr);
      expect(backfill.exitCode).toBe(0);
      expect(backfill.stdout).toContain(`backfill: ${COMMITS} recorded, 0 already there`);
      const tBackfill = performance.now();

      // Again: nothing to measure, every commit is there.
      const again = await runHarness(
        [
          'history',
          'backfill',
          `${commits[0] as string}..${commits[COMMITS - 1] as string}`,
          ...only,
          '--machine',
          'e2e-box',
          '--every',
          '2',
        ],
        repo.dir,
      );
      expect(again.exitCode).toBe(0);
      expect(again.stdout).toContain('backfill: 0 recorded, 4 already there');

      const paired = await runHarness(
        [
          'history',
          'record',
          '--ref',
          commits[STEP_AT - 1] as string,
          '--paired',
          ...only,
          '--machine',
          'e2e-box',
        ],
        repo.dir,
      );
      if (paired.exitCode !== 0) console.log(paired.stdout, paired.stderr);
      expect(paired.exitCode).toBe(0);
      const tPaired = performance.now();

      const history = readHistory(historyDir);
      expect(history.problems).toEqual([]);
      expect(history.machines.map((m) => m.machine)).toEqual(['e2e-box']);
      const records = history.machines[0]?.records ?? [];
      expect(records.map((r) => r.point.commit)).toEqual(commits);
      const step = records[STEP_AT - 1];
      expect(step?.baselineFile).not.toBeNull();
      const job = step?.results.comparison?.jobs.find((j) => j.id === JOB);
      expect(step?.results.comparison?.baseline.commit).toBe(commits[STEP_AT - 2]);
      expect(job?.comparison.classification).toBe('regressed');

      const site = path.join(dir, 'site');
      const pub = await runHarness(
        ['publish', '--out', site, '--from', path.join(dir, 'no-runs'), '--history', historyDir],
        repo.dir,
      );
      expect(pub.exitCode).toBe(0);
      expect(pub.stdout).toContain(`trends of ${COMMITS} recorded commits`);
      const tPublished = performance.now();
      console.log(
        `history e2e: repo ${((tBackfill - t0) / 1000).toFixed(1)} s incl. backfill of ${COMMITS}; paired record ${((tPaired - tBackfill) / 1000).toFixed(1)} s; publish ${((tPublished - tPaired) / 1000).toFixed(1)} s; step ratio ${job?.comparison.ratio?.toFixed(2) ?? '-'}`,
      );

      if (!fs.existsSync(executablePath)) {
        if (process.env.CI === 'true') throw new Error(`no Chromium at ${executablePath}`);
        console.warn(`SKIPPED the browser half: no Chromium at ${executablePath}`);
        return;
      }
      const browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
      try {
        const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
        await page.goto(pathToFileURL(path.join(site, 'trends.html')).href);
        const chart = page.locator(`[data-job="${JOB}"]`);
        await expect.poll(() => chart.isVisible()).toBe(true);
        // One linked point per commit, left to right in commit order; each commit's label
        // links to its row of the commit table.
        const links = await chart
          .locator('svg a')
          .evaluateAll((as) =>
            as.map((a) => a.getAttribute('xlink:href') ?? a.getAttribute('href') ?? ''),
          );
        const labels = links.filter((h) => h.startsWith('#'));
        expect(labels).toEqual(
          commits.map((c) => expect.stringMatching(new RegExp(`^#commit-e2e-box-${c}$`))),
        );
        for (const l of labels) await expect.poll(() => page.locator(l).count()).toBe(1);
        const points = await chart.locator('svg a:not([*|href^="#"])').evaluateAll((as) =>
          as.map((a) => {
            const r = a.getBoundingClientRect();
            const mark = a.querySelector('path');
            return {
              href: a.getAttribute('xlink:href') ?? a.getAttribute('href') ?? '',
              x: r.x + r.width / 2,
              y: r.y + r.height / 2,
              fill: mark?.getAttribute('fill') ?? '',
            };
          }),
        );
        expect(points).toHaveLength(COMMITS);
        points.sort((a, b) => a.x - b.x);
        points.forEach((p, i) => expect(p.href).toContain(commits[i] as string));
        for (const p of points) {
          expect(fs.existsSync(path.join(site, decodeURIComponent(p.href)))).toBe(true);
        }
        // The step: every slowed commit's median is drawn above every earlier one (higher ns,
        // smaller y), and the paired record's point carries the regressed mark.
        const before = points.slice(0, STEP_AT - 1).map((p) => p.y);
        const after = points.slice(STEP_AT - 1).map((p) => p.y);
        expect(Math.max(...after)).toBeLessThan(Math.min(...before));
        expect(points[STEP_AT - 1]?.fill).toBe('#c62828');
        for (const [i, p] of points.entries())
          if (i !== STEP_AT - 1) expect(p.fill).not.toBe('#c62828');
        // The commit table lists every commit, newest first, each with its run.
        const rows = page.locator('table.commits tbody tr');
        await expect.poll(() => rows.count()).toBe(COMMITS);
        expect(await rows.first().getAttribute('data-commit')).toBe(commits[COMMITS - 1]);
        expect(
          await page.locator(`tr[data-commit="${commits[STEP_AT - 1] as string}"]`).innerText(),
        ).toMatch(/regressed/);
        fs.mkdirSync(path.join(dir, 'shots'), { recursive: true });
        await page.screenshot({ path: path.join(dir, 'shots', 'trends.png'), fullPage: true });
      } finally {
        await browser.close();
      }
    },
  );
});
