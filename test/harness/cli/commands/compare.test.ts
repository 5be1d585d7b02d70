/**
 * The comparison pipeline of `compare` and `gate`: the gate's fast path (a candidate whose
 * engine, scenario code and lockfile are byte-identical to the baseline's passes without
 * measuring, and says which trees it compared), and a comparison with stored results.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { MEASURED_PATHS, identicalTrees } from '../../../../harness/cli/commands/compare.ts';
import { judge, renderJudgment } from '../../../../harness/judge/verdict.ts';
import { REPO_ROOT } from '../../../../harness/support/paths.ts';
import { ResultsFileSchema } from '../../../../harness/results/results-file.ts';
import { COMPARE_RESULTS, readFixture } from '../../report-fixtures.ts';
import { runHarness, tempDir } from '../../helpers.ts';

async function git(...args: string[]): Promise<string> {
  return (await execa('git', args, { cwd: REPO_ROOT })).stdout.trim();
}

describe('identicalTrees', () => {
  it('is the same commit on both sides: identical, with the hashes it compared', async () => {
    const same = await identicalTrees('HEAD', 'HEAD');
    expect(same).not.toBeNull();
    expect([...(same?.hashes.keys() ?? [])]).toEqual([...MEASURED_PATHS]);
    expect(same?.hashes.get('engine')).toBe(await git('rev-parse', 'HEAD:engine'));
  });

  it('a commit that changed the engine is not identical to its parent', async () => {
    const changed = await git('log', '-1', '--format=%H', '--', 'engine/src');
    expect(await identicalTrees(`${changed}~1`, changed)).toBeNull();
  });

  it('a commit that touched none of the measured paths is identical to its parent', async () => {
    const all = (await git('log', '--format=%H', '-200')).split('\n');
    let docsOnly: string | null = null;
    for (const c of all) {
      const files = (await git('show', '--name-only', '--format=', c)).split('\n');
      const touches = files.some((f) =>
        MEASURED_PATHS.some((p) => f === p || f.startsWith(`${p}/`)),
      );
      if (!touches && (await git('rev-list', '--parents', '-n', '1', c)).split(' ').length === 2) {
        docsOnly = c;
        break;
      }
    }
    if (docsOnly === null)
      throw new Error('no commit in the last 200 touches only unmeasured paths');
    const same = await identicalTrees(`${docsOnly}~1`, docsOnly);
    expect(same?.candidate).toBe(`${docsOnly} (${docsOnly.slice(0, 12)})`);
    expect(same?.hashes.get('engine')).toBe(await git('rev-parse', `${docsOnly}:engine`));
  });
});

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
