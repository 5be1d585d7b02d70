/// <reference lib="dom" />
/**
 * The report as a person sees it: a generated page opened from file:// in headless Chromium
 * (Debian's `chromium`, driven by playwright-core), with the verdict, the table rows and the
 * charts present and visible, sorting working, hostile names shown as text, and a screenshot
 * saved to reports/screenshots/ to look at.
 *
 * Without a browser the tests are skipped with a message saying how to install one; under CI
 * (CI=true) a missing browser fails instead, since .ci/run installs it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORTS_DIR } from '../../harness/support/paths.ts';
import { writeReport } from '../../harness/render/html/render.ts';
import { publish } from '../../harness/render/html/site.ts';
import { tempDir } from '../harness/helpers.ts';
import {
  BENCH_RESULTS,
  COMPARE_RESULTS,
  HOSTILE,
  readFixture,
  writeHostileRun,
} from '../harness/report-fixtures.ts';

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveBrowser = fs.existsSync(executablePath);
export const SCREENSHOT_DIR = path.join(REPORTS_DIR, 'screenshots');

if (!haveBrowser) {
  const message = `browser tests: no Chromium at ${executablePath}; install it with \`apt-get install -y chromium\` (Debian) or set CHROMIUM_PATH`;
  if (process.env.CI === 'true') {
    describe('HTML report in a real browser', () => {
      it('needs Chromium under CI', () => {
        throw new Error(message);
      });
    });
  } else {
    console.warn(`SKIPPED ${message}`);
  }
}

describe.skipIf(!haveBrowser)('HTML report in a real browser (headless Chromium)', () => {
  let browser: Browser;
  let page: Page;
  const dirs: string[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  async function open(file: string, width = 1400): Promise<Page> {
    page = await browser.newPage({ viewport: { width, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(file).href);
    expect(requests, 'a self-contained page loads nothing from the network').toEqual([]);
    return page;
  }

  it('shows the verdict, one row per job, visible charts, and sorts a table', async () => {
    const dir = tempDir('report-browser-');
    dirs.push(dir);
    for (const f of ['results.json', 'baseline.json']) {
      fs.copyFileSync(path.join(path.dirname(COMPARE_RESULTS), f), path.join(dir, f));
    }
    const report = await writeReport([path.join(dir, 'results.json')]);
    const p = await open(report);

    const banner = p.locator('#verdict');
    await expect.poll(() => banner.isVisible()).toBe(true);
    // The fixture's p99/mean red flag failed: the banner says FAIL and why.
    expect(await banner.getAttribute('data-verdict')).toBe('fail');
    expect(await banner.innerText()).toMatch(/Comparison: FAIL[\s\S]*red flag: p99 latency/);

    const results = readFixture(COMPARE_RESULTS);
    const jobs = results.comparison?.jobs ?? [];
    const rows = p.locator('table[data-table*="-cmp-"] tbody tr');
    expect(await rows.count()).toBe(jobs.length);
    expect(await rows.first().isVisible()).toBe(true);
    // Judged flags in full; the not-applicable ones folded (present, hidden until opened).
    const flags = results.redFlags ?? [];
    const na = flags.filter((f) => f.verdict === 'not-applicable');
    const flagRows = p.locator('table[data-table$="-redflags"] tbody tr');
    expect(await flagRows.count()).toBe(flags.length - na.length);
    const naRows = p.locator('table[data-table$="-redflags-na"] tbody tr');
    expect(await naRows.count()).toBe(na.length);
    if (na.length > 0) expect(await naRows.first().isVisible()).toBe(false);
    // What the run was about comes first: the comparison above the red flags.
    const headings = await p.locator('article.run h2').allInnerTexts();
    expect(headings.indexOf('Comparison')).toBeGreaterThanOrEqual(0);
    expect(headings.indexOf('Comparison')).toBeLessThan(headings.indexOf('Red flags'));

    // One ratio chart per mode plus the latency chart: each an SVG with a real size.
    const charts = p.locator('figure.chart svg');
    expect(await charts.count()).toBe(4);
    for (let i = 0; i < (await charts.count()); i++) {
      const box = await charts.nth(i).boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(100);
      expect(box?.height ?? 0).toBeGreaterThan(20);
    }
    // The class colours: an improved cell is green, an unchanged one is not.
    const improved = p.locator('td.c-improved').first();
    expect(await improved.evaluate((e) => getComputedStyle(e).color)).toBe('rgb(46, 125, 50)');

    // Sorting: the strict measurements by ops/s, ascending, then descending.
    const table = p.locator('table[data-table$="-m-strict"]');
    const names = async () => table.locator('tbody tr td:first-child').allInnerTexts();
    const head = table.locator('th', { hasText: 'ops/s' });
    await p.locator('details.measurements summary').first().click();
    await head.click();
    const asc = await table
      .locator('tbody tr td:nth-child(3)')
      .evaluateAll((tds) => tds.map((td) => Number(td.getAttribute('data-sort'))));
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    await head.click();
    expect(await head.getAttribute('aria-sort')).toBe('descending');
    expect((await names()).length).toBeGreaterThan(0);

    // Raw JSON links resolve to files next to the report.
    const hrefs = await p
      .locator('a[href$=".json"]')
      .evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(hrefs.length).toBe(2);
    for (const h of hrefs) expect(fs.existsSync(new URL(h))).toBe(true);

    fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await p.screenshot({ path: path.join(SCREENSHOT_DIR, 'report.png'), fullPage: true });
    await p.close();
  });

  it('a hostile scenario name, subject and path show as text and create no element', async () => {
    const dir = tempDir('report-hostile-');
    dirs.push(dir);
    const file = writeHostileRun(dir);
    const report = await writeReport([file]);
    const p = await open(report);
    let dialogs = 0;
    p.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await p.reload();
    expect(await p.locator('img').count()).toBe(0);
    // The only script is the report's own sort script.
    expect(await p.locator('script').count()).toBe(1);
    const withHandlers = await p.evaluate(
      () =>
        Array.from(document.querySelectorAll('*')).filter((e) => e.hasAttribute('onerror')).length,
    );
    expect(withHandlers).toBe(0);
    expect(dialogs).toBe(0);
    const text = await p.locator('body').innerText();
    expect(text).toContain(`core/${HOSTILE}`);
    expect(text).toContain(`subject ${HOSTILE}`);
    // The chart's axis label is SVG text, not markup.
    const svgText = await p.locator('figure.chart svg text', { hasText: 'onerror' }).count();
    expect(svgText).toBeGreaterThan(0);
    // The link to the raw JSON still points at the file despite the folder's name.
    const href = await p
      .locator('a[href$="results.json"]')
      .first()
      .evaluate((a) => (a as HTMLAnchorElement).href);
    expect(fs.existsSync(new URL(href))).toBe(true);
    await p.close();
  });

  it('several machines side by side, and the published index lists runs newest first', async () => {
    const root = tempDir('report-site-');
    dirs.push(root);
    const a = path.join(root, 'reports', 'run-a');
    const b = path.join(root, 'reports', 'run-b');
    fs.mkdirSync(a, { recursive: true });
    fs.mkdirSync(b, { recursive: true });
    for (const f of ['results.json', 'baseline.json']) {
      fs.copyFileSync(path.join(path.dirname(COMPARE_RESULTS), f), path.join(a, f));
    }
    fs.copyFileSync(BENCH_RESULTS, path.join(b, 'results.json'));
    const multi = await writeReport([path.join(a, 'results.json'), path.join(b, 'results.json')], {
      out: path.join(root, 'multi'),
    });
    let p = await open(multi);
    expect(await p.locator('.machine').count()).toBeGreaterThanOrEqual(1);
    expect(await p.locator('article.run').count()).toBe(2);
    expect(await p.locator('table[data-table="side-by-side"] thead th').count()).toBe(3);
    expect(await p.locator('#side-by-side-chart svg').isVisible()).toBe(true);
    await p.screenshot({ path: path.join(SCREENSHOT_DIR, 'report-multi.png'), fullPage: true });
    await p.close();

    const site = await publish(path.join(root, 'site'), path.join(root, 'reports'));
    p = await open(site.index);
    const ids = await p.locator('#runs tbody tr td:first-child a:first-child').allInnerTexts();
    const created = [readFixture(COMPARE_RESULTS), readFixture(BENCH_RESULTS)]
      .sort((x, y) => y.createdAt.localeCompare(x.createdAt))
      .map((r) => r.runId);
    expect(ids).toEqual(created);
    await p.locator('#runs tbody tr a', { hasText: created[0] }).first().click();
    // A navigation on a loaded CI machine: wait for it, not expect.poll's default 1 s.
    await p.locator('#verdict').waitFor({ state: 'visible', timeout: 15_000 });
    expect(await p.locator('#verdict').isVisible()).toBe(true);
    await p.close();
  });
});
