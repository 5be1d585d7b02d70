import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadRun } from '../../../../harness/render/html/load.ts';
import { buildModel } from '../../../../harness/render/html/model.ts';
import {
  renderReportHtml,
  reportPath,
  writeReport,
} from '../../../../harness/render/html/render.ts';
import { tempDir } from '../../helpers.ts';
import { BENCH_RESULTS, COMPARE_RESULTS, writeHostileRun } from '../../report-fixtures.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = tempDir('report-render-');
  dirs.push(d);
  return d;
}

/**
 * Every place the hostile markup's pieces occur is escaped text: no `<img`, no `<script>`
 * other than the page's own, no raw quote breaking out of an attribute.
 */
function expectInert(html: string): void {
  expect(html).not.toMatch(/<img/i);
  expect(html.match(/<script/gi)?.length ?? 0).toBeLessThanOrEqual(1);
  expect(html).not.toContain('<script>alert');
  let at = html.indexOf('onerror');
  let seen = 0;
  while (at !== -1) {
    seen++;
    // Each occurrence is the escaped text `&lt;img src=x onerror=...`, inside text or a quoted
    // attribute value where the `"` and `'` that follow are escaped too.
    expect(html.slice(Math.max(0, at - 20), at)).toMatch(/&lt;img src(=|&#x3D;)x $/);
    const after = html.slice(at, at + 60);
    // Either the whole escaped rest, or vega's truncated label (`…`) with no raw quote in it.
    expect(after).toMatch(/^onerror(=|&#x3D;)aler(t\(1\)&gt;(&quot;|&#x27;|&#34;)|[^<>"']*…)/);
    at = html.indexOf('onerror', at + 1);
  }
  expect(seen, 'the hostile text is shown, escaped').toBeGreaterThan(3);
}

describe('render: a self-contained page from templates', () => {
  it('writes index.html next to the results by default; --out as a folder or a file', () => {
    expect(reportPath(['/a/b/results.json'])).toBe('/a/b/index.html');
    expect(reportPath(['/a/b/results.json'], '/x')).toBe('/x/index.html');
    expect(reportPath(['/a/b/results.json'], '/x/r.html')).toBe('/x/r.html');
  });

  it('has the verdict, red flags, tables, charts, sides and links; no external resource', async () => {
    const html = await renderReportHtml(
      buildModel([loadRun(COMPARE_RESULTS)], { reportDir: path.dirname(COMPARE_RESULTS) }),
      { siteHref: '../index.html' },
    );
    expect(html).toMatch(/<section class="verdict v-fail" id="verdict" data-verdict="fail">/);
    expect(html).toContain('Comparison: FAIL');
    expect(html.match(/<figure class="chart"/g)).toHaveLength(4);
    expect(html.match(/<svg /g)?.length).toBeGreaterThanOrEqual(4);
    expect(html).toContain('<a href="results.json">');
    expect(html).toContain('<a href="baseline.json">');
    expect(html).toContain('Engine M3: five primitives'); // the baseline's commit subject
    expect(html).toContain('harness compare --baseline m3_baseline_perf');
    // Self-contained: no stylesheet, script or image from elsewhere.
    expect(html).not.toMatch(/<(link|img)\b/);
    expect(html).not.toMatch(/\bsrc=/);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  });

  it('escapes hostile scenario names, subjects, labels, notes, commands and paths', async () => {
    const file = writeHostileRun(tmp());
    const report = await writeReport([file]);
    const html = fs.readFileSync(report, 'utf8');
    expectInert(html);
    expect(html).toContain('subject &lt;img src&#x3D;x onerror&#x3D;alert(1)&gt;&quot;&#x27;&amp;');
    // The link to the raw JSON: relative, percent-encoded, then HTML-escaped.
    const link = /<a href="([^"]*results\.json)">/.exec(html)?.[1];
    expect(link).toBe('results.json');
  });

  it('several results files make one page with a section per run', async () => {
    const out = path.join(tmp(), 'multi.html');
    await writeReport([COMPARE_RESULTS, BENCH_RESULTS], { out });
    const html = fs.readFileSync(out, 'utf8');
    expect(html.match(/<article class="run"/g)).toHaveLength(2);
    expect(html).toContain('id="machines"');
    expect(html).toContain('data-table="side-by-side"');
    // Links from the page's folder to each file.
    expect(html).toContain(
      `href="${path.relative(path.dirname(out), COMPARE_RESULTS).split(path.sep).join('/')}"`,
    );
  });

  it('a corrupt results file is refused with its name', async () => {
    const file = path.join(tmp(), 'results.json');
    fs.writeFileSync(file, '{"schemaVersion": 1, "runId": ');
    await expect(writeReport([file])).rejects.toThrow(`results file ${file} is not usable`);
  });
});
