/**
 * The comparison pipeline of `compare` and `gate`: a run with nothing to compare passes and
 * says why, and a comparison with stored results runs through the sampling controller.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { judge, renderJudgment } from '../../../../harness/judge/verdict.ts';
import { REPO_ROOT } from '../../../../harness/support/paths.ts';
import { ResultsFileSchema } from '../../../../harness/results/results-file.ts';
import { COMPARE_RESULTS, readFixture } from '../../report-fixtures.ts';
import { runHarness, tempDir } from '../../helpers.ts';

describe('judge: a run with nothing to compare', () => {
  it('passes, and says why', () => {
    const base = readFixture(COMPARE_RESULTS);
    const { redFlags: _flags, ...rest } = base;
    const results = ResultsFileSchema.parse({
      ...rest,
      kind: 'gate',
      results: [],
      comparison: {
        ...(base.comparison as NonNullable<typeof base.comparison>),
        identical: 'the working tree and the baseline have identical engine trees',
        jobs: [],
      },
    });
    const j = judge(results);
    expect(j.exitCode).toBe(0);
    expect(renderJudgment(j)).toMatch(/Gate: PASS\n {2}- nothing to compare: the working tree/);
  });
});

describe('compare --baseline-results: the stored comparison runs through the sampling controller', () => {
  it('measures the candidate round by round against the stored figures and records the outcome', async () => {
    const dir = tempDir('stored-compare-');
    const config = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'perf.config.json'), 'utf8'));
    config.compare.maxRounds = 3;
    const configFile = path.join(dir, 'config.json');
    fs.writeFileSync(configFile, JSON.stringify(config));
    const filter = ['--filter', 'core/map_get'];
    const bench = await runHarness([
      'bench',
      '--no-compare',
      ...filter,
      '--out',
      path.join(dir, 'base'),
    ]);
    expect(bench.exitCode, bench.stderr).toBe(0);
    const storedFile = path.join(dir, 'base', 'results.json');
    const run = await runHarness([
      'compare',
      '--baseline-results',
      storedFile,
      ...filter,
      '--config',
      configFile,
      '--out',
      path.join(dir, 'cmp'),
    ]);
    expect([0, 1], run.stderr).toContain(run.exitCode);
    const results = ResultsFileSchema.parse(
      JSON.parse(fs.readFileSync(path.join(dir, 'cmp', 'results.json'), 'utf8')),
    );
    const cmp = results.comparison;
    expect(cmp?.baseline.source).toBe('stored');
    const job = cmp?.jobs[0];
    const storedMedian = ResultsFileSchema.parse(JSON.parse(fs.readFileSync(storedFile, 'utf8')))
      .results[0]?.medianNs;
    // The stored file's one figure is the baseline; the candidate got 2 to 3 rounds.
    expect(job?.baselineSamples).toEqual([storedMedian]);
    expect(job?.candidateSamples.length).toBeGreaterThanOrEqual(2);
    expect(job?.candidateSamples.length).toBeLessThanOrEqual(3);
    expect(job?.rounds).toBe(job?.candidateSamples.length);
    expect(['resolved', 'max rounds', 'budget', 'no regression']).toContain(job?.stoppedBy);
    expect(job?.comparison.method).not.toMatch(/paired/);
  });
});
