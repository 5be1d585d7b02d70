/**
 * `compare`, `gate` and `bench` through the real CLI (a child process, as `npm run harness --`
 * runs it): the exit codes of usage errors, and the real case, a temporary
 * repository whose second commit slows KVStore.put by about 15%.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../../../harness/support/paths.ts';
import { readResults } from '../../../../harness/results/results-file.ts';
import { removeTempRepos, tempDir } from '../../../fixtures/git-repo.ts';
import { comparisonTestConfig, runHarness } from '../../helpers.ts';
import { makeSlowPutRepo } from '../../../fixtures/slow-put-repo.ts';

afterAll(removeTempRepos);

const harness = runHarness;

/** Worktrees under this repository's scratch folder (none may be added by a usage error). */
function worktreeEntries(root = REPO_ROOT): string[] {
  const dir = path.join(root, '.harness', 'worktrees');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

describe('compare, gate and bench: usage errors exit 2 before any checkout', () => {
  it('compare without --baseline', async () => {
    const r = await harness(['compare']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /compare needs exactly one baseline: --baseline <name\|ref> or --baseline-results <file>/,
    );
  });

  it('compare with a baseline that names no commit', async () => {
    const r = await harness([
      'compare',
      '--baseline',
      'no_such_ref_xyz',
      '--filter',
      'core/map_get',
    ]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /"no_such_ref_xyz" is neither a baseline .* nor a git ref: it does not name a commit/,
    );
    expect(r.stderr).not.toMatch(/checking out/);
  });

  it('compare with an --against that names no commit: refused before the baseline checkout', async () => {
    const before = worktreeEntries();
    const r = await harness([
      'compare',
      '--baseline',
      'HEAD',
      '--against',
      '$(...)',
      '--filter',
      'core/map_get',
    ]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^error: --against "\$\(\.\.\.\)" does not name a commit/);
    expect(r.stderr).toMatch(/\n {2}fix: git fetch --tags/);
    expect(r.stderr).not.toMatch(/checking out|dependencies:/);
    expect(worktreeEntries()).toEqual(before);
  });

  it('compare with a --baseline that names no commit and a good --against: the baseline is named', async () => {
    const r = await harness([
      'compare',
      '--baseline',
      'no_such_ref_xyz',
      '--against',
      'HEAD',
      '--filter',
      'core/map_get',
    ]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^error: --baseline "no_such_ref_xyz" is neither a baseline/);
    expect(r.stderr).not.toMatch(/checking out/);
  });

  it('compare with both --against and --working-tree', async () => {
    const r = await harness([
      'compare',
      '--baseline',
      'm3_baseline_perf',
      '--against',
      'HEAD',
      '--working-tree',
    ]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--against and --working-tree both name the candidate/);
    expect(r.stderr).not.toMatch(/checking out/);
  });

  it('compare with corrupt stored results, naming the file', async () => {
    const file = path.join(tempDir('compare-e2e-'), 'corrupt.json');
    fs.writeFileSync(file, '{"schemaVersion": 1, "results": [');
    const r = await harness(['compare', '--baseline-results', file, '--filter', 'core/map_get']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(file);
    expect(r.stderr).toMatch(/not valid JSON/);
  });

  it('gate with a filter that matches nothing', async () => {
    const before = worktreeEntries();
    const r = await harness(['gate', '--filter', 'nothing/**']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/no scenario matches --filter nothing\/\*\*/);
    expect(r.stderr).not.toMatch(/checking out/);
    expect(worktreeEntries()).toEqual(before);
  });

  it('bench (with its comparison) with a filter that matches nothing', async () => {
    const r = await harness(['bench', '--filter', 'nothing/**']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/no scenario matches --filter nothing\/\*\*/);
    expect(r.stderr).not.toMatch(/checking out/);
  });
});

/**
 * Passes over the 12-character hot key that burnPut makes per put. Calibrated on the 2-core
 * dev box: one pass costs about 20 ns, a harness-measured inMemory put (hot key) 300-370 ns
 * median, so 2 passes are roughly +15-20% (3 passes measured +28% here).
 */
const SLOW_PUT_ROUNDS = 2;

describe('the real case: a commit slowing KVStore.put by ~15%', () => {
  it(
    'compare --against flags kvstore/put/hot_key and leaves unrelated scenarios alone',
    async () => {
      const t0 = performance.now();
      const { repo, shaA, shaB } = await makeSlowPutRepo(SLOW_PUT_ROUNDS);
      const out = path.join(repo.dir, 'out');
      const config = comparisonTestConfig(tempDir('compare-e2e-'));
      const tBuilt = performance.now();

      const r = await harness(
        [
          'compare',
          '--baseline',
          shaA,
          '--against',
          shaB,
          '--filter',
          'kvstore/put/hot_key',
          '--filter',
          'kvstore/get/hot_key',
          '--filter',
          'core/map_get',
          '--mode',
          'inMemory',
          '--config',
          config,
          '--out',
          out,
        ],
        repo.dir,
      );
      const tRun = performance.now();
      if (r.exitCode !== 1) console.log(`stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);

      // Both sides were checked out of the temporary repository, with the shared dependencies
      // (same lockfile as the installed tree: a symlink, no npm ci), and removed afterwards.
      expect(r.stderr).toContain(`checking out ${shaA.slice(0, 12)}`);
      expect(r.stderr).toContain(`checking out ${shaB.slice(0, 12)}`);
      expect(r.stderr).not.toMatch(/npm ci/);
      expect(worktreeEntries(repo.dir)).toEqual([]);

      const results = readResults(path.join(out, 'results.json'));
      const comparison = results.comparison;
      expect(comparison?.baseline.commit).toBe(shaA);
      expect(comparison?.candidate.commit).toBe(shaB);
      const jobs = new Map((comparison?.jobs ?? []).map((j) => [j.id, j]));
      expect([...jobs.keys()].sort()).toEqual([
        'core/map_get',
        'kvstore/get/hot_key',
        'kvstore/put/hot_key/dur_inmemory',
      ]);

      const lines = [...jobs.values()].map((j) => {
        const c = j.comparison;
        const ci = c.ci === null ? 'n/a' : `[${c.ci[0].toFixed(3)}, ${c.ci[1].toFixed(3)}]`;
        return `  ${j.id}: ${c.classification}, ratio ${c.ratio?.toFixed(3) ?? 'n/a'}, CI ${ci}, p ${c.pValue?.toExponential(2) ?? 'n/a'}, ${j.rounds} rounds (${j.stoppedBy}); medians ${c.baselineMedian?.toFixed(1) ?? '-'} -> ${c.candidateMedian?.toFixed(1) ?? '-'} ns`;
      });
      console.log(
        [
          `slow-put e2e (${SLOW_PUT_ROUNDS} passes): repo built in ${((tBuilt - t0) / 1000).toFixed(1)} s, compare ran ${((tRun - tBuilt) / 1000).toFixed(1)} s, ${comparison?.rounds ?? '?'} rounds, exit ${String(r.exitCode)}`,
          ...lines,
        ].join('\n'),
      );

      const put = jobs.get('kvstore/put/hot_key/dur_inmemory')?.comparison;
      expect(put?.classification).toBe('regressed');
      expect(put?.ratio).toBeGreaterThan(1.05);
      for (const id of ['kvstore/get/hot_key', 'core/map_get']) {
        expect(['unchanged', 'inconclusive']).toContain(jobs.get(id)?.comparison.classification);
      }
      // A regression: compare exits 1.
      expect(r.exitCode).toBe(1);
      expect(r.stdout).toContain('kvstore/put/hot_key');
    },
    20 * 60_000,
  );
});
