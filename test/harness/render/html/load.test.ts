/**
 * Reading what a report shows (load.ts): the results file, validated (a corrupt or missing
 * one is a UsageError naming it), and the baseline's file its comparison names, relative to
 * the results' folder; a missing or corrupt baseline file is a `baselineProblem`, not an error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRun } from '../../../../harness/render/html/load.ts';
import { UsageError } from '../../../../harness/support/errors.ts';
import { REPO_ROOT } from '../../../../harness/support/paths.ts';
import type { ResultsFile } from '../../../../harness/results/results-file.ts';
import { tempDir } from '../../helpers.ts';
import { BENCH_RESULTS, COMPARE_RESULTS, readFixture } from '../../report-fixtures.ts';

const COMPARE_BASELINE = path.join(path.dirname(COMPARE_RESULTS), 'baseline.json');

/** A run folder holding the compare fixture, its comparison naming `baselineFile`. */
function compareRun(baselineFile: string | null): { dir: string; file: string } {
  const dir = tempDir('report-load-');
  const results = readFixture(COMPARE_RESULTS);
  if (results.comparison === undefined) throw new Error('the compare fixture has no comparison');
  results.comparison.baseline.file = baselineFile;
  const file = path.join(dir, 'run', 'results.json');
  fs.mkdirSync(path.dirname(file));
  fs.writeFileSync(file, JSON.stringify(results));
  return { dir, file };
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('expected it to throw');
}

describe('loadRun', () => {
  it('reads the results and the baseline file next to them', () => {
    const run = loadRun(COMPARE_RESULTS);
    expect(run.file).toBe(COMPARE_RESULTS);
    expect(run.results.runId).toBe('20261125-114141-5608f0');
    expect(run.baseline?.file).toBe(COMPARE_BASELINE);
    expect(run.baseline?.results).toEqual(readFixture(COMPARE_BASELINE));
    expect(run.baselineProblem).toBeNull();
  });

  it('resolves a relative results path, and the baseline file relative to the results folder', () => {
    const { dir, file } = compareRun('../stored/b.json');
    fs.mkdirSync(path.join(dir, 'stored'));
    fs.copyFileSync(COMPARE_BASELINE, path.join(dir, 'stored', 'b.json'));
    const run = loadRun(path.relative(process.cwd(), file));
    expect(run.file).toBe(file);
    expect(run.baseline?.file).toBe(path.join(dir, 'stored', 'b.json'));
    expect(run.baselineProblem).toBeNull();
  });

  it('no comparison, or a comparison naming no file: no baseline and no problem', () => {
    const bench = loadRun(BENCH_RESULTS);
    expect(bench).toEqual({
      file: BENCH_RESULTS,
      results: readFixture(BENCH_RESULTS),
      baseline: null,
      baselineProblem: null,
    });
    const { file } = compareRun(null);
    expect(loadRun(file)).toMatchObject({ baseline: null, baselineProblem: null });
  });

  it('a missing baseline file is a problem to show, not an error', () => {
    const { file } = compareRun('baseline.json');
    const run = loadRun(file);
    expect(run.baseline).toBeNull();
    expect(run.baselineProblem).toBe(
      'the baseline results file baseline.json is not next to the results',
    );
    expect(run.results.comparison?.jobs).toHaveLength(3);
  });

  it('a corrupt or foreign baseline file: the problem names the file and what is wrong', () => {
    const { file } = compareRun('baseline.json');
    const baseline = path.join(path.dirname(file), 'baseline.json');
    fs.writeFileSync(baseline, '{"schemaVersion": 1, ');
    expect(loadRun(file).baselineProblem).toMatch(
      new RegExp(`^results file ${baseline} is not usable: not valid JSON`),
    );
    fs.writeFileSync(baseline, JSON.stringify({ schemaVersion: 7 }));
    expect(loadRun(file)).toMatchObject({
      baseline: null,
      baselineProblem: `results file ${baseline} is not usable: field "schemaVersion": written with schema version 7; this harness reads version 1`,
    });
  });

  it('a corrupt results file is a UsageError naming the file', () => {
    const dir = tempDir('report-load-');
    const file = path.join(dir, 'results.json');
    fs.writeFileSync(file, '{"schemaVersion": 1, "runId": ');
    const err = thrown(() => loadRun(file));
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(
      new RegExp(`^results file ${file} is not usable: not valid JSON`),
    );
    const invalid: Partial<ResultsFile> = { ...readFixture(BENCH_RESULTS), runId: '' };
    fs.writeFileSync(file, JSON.stringify(invalid));
    expect(() => loadRun(file)).toThrow(`results file ${file} is not usable: field "runId"`);
  });

  it('a missing results file is a UsageError naming it', () => {
    const file = path.join(REPO_ROOT, 'test', 'fixtures', 'report', 'no-such', 'results.json');
    const err = thrown(() => loadRun(file));
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toBe(
      `results file ${file} is not usable: can't read it (ENOENT)`,
    );
  });
});
