import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resultsFile, tempDirs, runHarness } from '../../helpers.ts';
import { BENCH_RESULTS, COMPARE_RESULTS } from '../../report-fixtures.ts';

const dirs = tempDirs('report-cli-');
afterAll(dirs.removeAll);
const tmp = (): string => dirs.make();

/** Killed after 30 s: a command that hangs fails its test instead of stalling the run. */
function harness(...args: string[]) {
  return runHarness(args, undefined, {}, { timeout: 30_000 });
}

/** Exit 2, promptly, with an error line and a fix line, and no stack trace. */
function expectUsageError(r: Awaited<ReturnType<typeof harness>>, message: RegExp): void {
  expect(r.timedOut, 'the command hung').toBe(false);
  expect(r.exitCode).toBe(2);
  expect(r.stderr).toMatch(message);
  expect(r.stderr).toMatch(/\n {2}fix: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
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

describe('a bad output path: exit 2 before any work, saying what is wrong and the fix', () => {
  it('report --out under /proc (a recursive mkdir there never returns) or under a file', async () => {
    expectUsageError(
      await harness('report', BENCH_RESULTS, '--out', '/proc/nope/x.html'),
      /^error: --out \/proc\/nope\/x\.html: \/proc is the kernel's process filesystem, where no file can be created\n/,
    );
    expectUsageError(
      await harness('report', BENCH_RESULTS, '--out', '/etc/passwd/x.html'),
      /^error: --out \/etc\/passwd\/x\.html: \/etc\/passwd is a file, not a folder/,
    );
  }, 60_000);

  it('the destination is checked before the results files are read', async () => {
    const missing = path.join(tmp(), 'nope.json');
    expectUsageError(
      await harness('report', missing, '--out', '/proc/x.html'),
      /\/proc is the kernel/,
    );
  });

  it('publish --out and export --out', async () => {
    expectUsageError(
      await harness('publish', '--out', '/proc/site', '--from', tmp()),
      /^error: --out \/proc\/site: \/proc is the kernel's process filesystem/,
    );
    expectUsageError(
      await harness('export', '--format', 'bmf', '--out', '/etc/passwd/x.json', BENCH_RESULTS),
      /^error: --out \/etc\/passwd\/x\.json: \/etc\/passwd is a file/,
    );
    const dir = tmp();
    expectUsageError(
      await harness('export', '--format', 'bmf', '--out', dir, BENCH_RESULTS),
      new RegExp(`^error: --out ${dir}: ${dir} is a folder; a file name is needed`),
    );
  }, 60_000);
});

describe('export of several files from one machine', () => {
  /** Two runs of one machine: the bench fixture and a copy with another run id. */
  function twoRuns(): [string, string] {
    const dir = tmp();
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'b.json');
    fs.copyFileSync(BENCH_RESULTS, a);
    const data = JSON.parse(fs.readFileSync(BENCH_RESULTS, 'utf8')) as { runId: string };
    fs.writeFileSync(b, JSON.stringify({ ...data, runId: '20250102-000000-bbbbbb' }));
    return [a, b];
  }

  it('names carry the run id, in both formats, so nothing is overwritten or merged', async () => {
    const [a, b] = twoRuns();
    const bmf = await harness('export', '--format', 'bmf', a, b);
    expect(bmf.exitCode).toBe(0);
    const keys = Object.keys(JSON.parse(bmf.stdout) as object);
    expect(keys.some((k) => k.endsWith(' run 20250102-000000-bbbbbb]'))).toBe(true);
    const gab = await harness('export', '--format', 'github-action-benchmark', a, b);
    const names = (JSON.parse(gab.stdout) as Array<{ name: string }>).map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBe(keys.length);
  }, 60_000);

  it('the same run twice: exit 2 naming the entry and the run', async () => {
    const [a] = twoRuns();
    for (const format of ['bmf', 'github-action-benchmark']) {
      expectUsageError(
        await harness('export', '--format', format, a, a),
        /^error: two exported entries would both be named "core\/map_set \[.* run \d{8}-\d{6}-[0-9a-f]{6}\]": run \S+ is given more than once/,
      );
    }
  }, 60_000);
});

describe('help', () => {
  it('export --help: --format marked required; how names of several files are made', async () => {
    const r = await harness('export', '--help');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(
      /--format <format>\s+output format \(choices: "bmf",\s+"github-action-benchmark"\)\s+\(required\)/,
    );
    expect(r.stdout).toMatch(/the run id too when two\s+files come from one machine/);
  });

  it('publish --help: --out marked required, --from with one default', async () => {
    const r = await harness('publish', '--help');
    expect(r.stdout).toMatch(/--out <dir>\s+folder to write the site to \(required\)/);
    expect(r.stdout).toMatch(/--from <dir>\s+folder of runs \(default: reports\/\)\n/);
    expect(r.stdout.match(/default/g)).toHaveLength(1);
  });
});
