import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resultsFile, tempDirs, runHarness } from '../../helpers.ts';
import { COMPARE_RESULTS } from '../../report-fixtures.ts';

const dirs = tempDirs('report-cli-');
afterAll(dirs.removeAll);
const tmp = (): string => dirs.make();

function harness(...args: string[]) {
  return runHarness(args);
}

describe('report, publish and export on the command line', () => {
  it('report writes index.html next to the results and prints its path (exit 0)', async () => {
    const dir = tmp();
    fs.copyFileSync(COMPARE_RESULTS, path.join(dir, 'results.json'));
    fs.copyFileSync(
      path.join(path.dirname(COMPARE_RESULTS), 'baseline.json'),
      path.join(dir, 'baseline.json'),
    );
    const r = await harness('report', path.join(dir, 'results.json'));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain(`report: ${path.join(dir, 'index.html')}`);
    expect(fs.readFileSync(path.join(dir, 'index.html'), 'utf8')).toContain('Comparison: FAIL');
  });

  it('a corrupt or foreign results file: exit 2 naming the file and the field', async () => {
    const dir = tmp();
    const file = path.join(dir, 'results.json');
    const data = resultsFile() as unknown as Record<string, unknown>;
    data.schemaVersion = 99;
    fs.writeFileSync(file, JSON.stringify(data));
    for (const args of [
      ['report', file],
      ['export', '--format', 'bmf', file],
    ]) {
      const r = await harness(...args);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(`results file ${file} is not usable: field "schemaVersion"`);
    }
    const missing = await harness('report', path.join(dir, 'nope.json'));
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json is not usable: can't read it \(ENOENT\)/);
  });

  it('export: an unknown or missing format is exit 2; --out writes the file', async () => {
    const bad = await harness('export', '--format', 'csv', COMPARE_RESULTS);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/Allowed choices are bmf, github-action-benchmark/);
    const none = await harness('export', COMPARE_RESULTS);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/required option '--format <format>'/);
    const out = path.join(tmp(), 'gab.json');
    const ok = await harness(
      'export',
      '--format',
      'github-action-benchmark',
      '--out',
      out,
      COMPARE_RESULTS,
    );
    expect(ok.exitCode).toBe(0);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toHaveLength(3);
  });

  it('publish: without --out, or from a folder with no run, exit 2', async () => {
    const noOut = await harness('publish');
    expect(noOut.exitCode).toBe(2);
    expect(noOut.stderr).toMatch(/required option '--out <dir>'/);
    const empty = tmp();
    const r = await harness('publish', '--out', path.join(empty, 'site'), '--from', empty);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/holds no run/);
  });
});
