/**
 * The report written at the end of a run (auto.ts): next to the results file, linked to the
 * site only when the run folder sits directly under reports/, and a failure to write it is a
 * warning (the command's exit code keeps its meaning), never an error.
 *
 * Not covered here: the branch that refreshes reports/index.html, which only runs for a folder
 * under this repository's own reports/ (reportAfterRun takes no reports folder to aim it at a
 * temporary one); site.test.ts covers writeSiteIndex itself.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { inReportsDir, reportAfterRun } from '../../../../harness/render/html/auto.ts';
import { REPORTS_DIR } from '../../../../harness/support/paths.ts';
import { tempDir } from '../../helpers.ts';
import { COMPARE_RESULTS, readFixture } from '../../report-fixtures.ts';

function collect() {
  const out: string[] = [];
  const warn: string[] = [];
  return { out, warn, io: { out: (l: string) => out.push(l), warn: (l: string) => warn.push(l) } };
}

/** A run folder outside reports/ with the compare fixture and its baseline. */
function runFolder(): string {
  const dir = path.join(tempDir('report-auto-'), 'run-1');
  fs.mkdirSync(dir);
  fs.copyFileSync(COMPARE_RESULTS, path.join(dir, 'results.json'));
  fs.copyFileSync(
    path.join(path.dirname(COMPARE_RESULTS), 'baseline.json'),
    path.join(dir, 'baseline.json'),
  );
  return dir;
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('inReportsDir', () => {
  it('is true only for a folder directly under the reports folder', () => {
    expect(inReportsDir(path.join(REPORTS_DIR, 'run-1'))).toBe(true);
    expect(inReportsDir(`${path.join(REPORTS_DIR, 'run-1')}${path.sep}`)).toBe(true);
    expect(inReportsDir(path.relative(process.cwd(), path.join(REPORTS_DIR, 'run-1')))).toBe(true);
    expect(inReportsDir(REPORTS_DIR)).toBe(false);
    expect(inReportsDir(path.join(REPORTS_DIR, 'run-1', 'nested'))).toBe(false);
    expect(inReportsDir(path.join(path.dirname(REPORTS_DIR), 'elsewhere', 'run-1'))).toBe(false);
  });

  it('takes another reports folder', () => {
    expect(inReportsDir('/srv/site/run-1', '/srv/site')).toBe(true);
    expect(inReportsDir('/srv/site/run-1', '/srv/site/')).toBe(true);
    expect(inReportsDir('/srv/site', '/srv/site')).toBe(false);
    expect(inReportsDir(path.join(REPORTS_DIR, 'run-1'), '/srv/site')).toBe(false);
  });
});

describe('reportAfterRun', () => {
  it('writes index.html next to the results and says where; outside reports/ no site link', async () => {
    const dir = runFolder();
    const c = collect();
    const file = await reportAfterRun(path.join(dir, 'results.json'), c.io);
    expect(file).toBe(path.join(dir, 'index.html'));
    expect(c.out).toEqual([`report: ${path.join(dir, 'index.html')}`]);
    expect(c.warn).toEqual([]);
    const html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
    expect(html).toContain(readFixture(COMPARE_RESULTS).runId);
    expect(html).toContain('<a href="baseline.json">');
    // No link to a site index that is not there.
    expect(html).not.toContain('href="../index.html"');
    // No site: no "all runs" link at all (not one back to this page).
    expect(html).not.toContain('all runs');
    expect(html).not.toContain('href=""');
    // Nothing else is written: no site index beside the run folder.
    expect(fs.existsSync(path.join(path.dirname(dir), 'index.html'))).toBe(false);
  });

  it('a results file it cannot read: a warning naming it, null, nothing written', async () => {
    const c = collect();
    expect(await reportAfterRun('/nonexistent/results.json', c.io)).toBeNull();
    expect(c.out).toEqual([]);
    expect(c.warn).toEqual([
      "warning: the HTML report was not written: results file /nonexistent/results.json is not usable: can't read it (ENOENT)",
    ]);
  });

  it('a corrupt results file: a warning, not an error', async () => {
    const dir = runFolder();
    const file = path.join(dir, 'results.json');
    fs.writeFileSync(file, '{}');
    const c = collect();
    expect(await reportAfterRun(file, c.io)).toBeNull();
    expect(c.warn).toHaveLength(1);
    expect(c.warn[0]).toMatch(
      new RegExp(`^warning: the HTML report was not written: results file ${file} is not usable`),
    );
    expect(fs.existsSync(path.join(dir, 'index.html'))).toBe(false);
  });

  it('by default prints the report path to stdout and warnings to stderr', async () => {
    const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const dir = runFolder();
    await reportAfterRun(path.join(dir, 'results.json'));
    await reportAfterRun('/nonexistent/results.json');
    const written = (spy: typeof stdout) => spy.mock.calls.map((call) => String(call[0]));
    expect(written(stdout)).toContain(`report: ${path.join(dir, 'index.html')}\n`);
    expect(written(stderr).filter((l) => l.startsWith('warning: the HTML report'))).toHaveLength(1);
  });
});
