/**
 * `merge` through the real CLI. The real path: a comparison with stored results run as two
 * shards (`compare --shard 1/2`, `--shard 2/2`, each in a folder of its own), then merged: one
 * results.json and one index.html holding every job of the unsharded plan once, in its order,
 * judged by the same rule as an unsharded file of the same jobs, exiting by that verdict; and
 * a shard that got no job. Then refusals, on synthetic files: exit 2, the file named, nothing
 * written.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalogue, planJobs } from '../../../../harness/catalogue/registry.ts';
import { loadConfig } from '../../../../harness/config/perf-config.ts';
import { evaluateRedFlags } from '../../../../harness/judge/red-flags.ts';
import { judge } from '../../../../harness/judge/verdict.ts';
import { readResults, type ResultsFile } from '../../../../harness/results/results-file.ts';
import { REPO_ROOT, SCENARIOS_DIR } from '../../../../harness/support/paths.ts';
import { runHarness, tempDirs } from '../../helpers.ts';
import { shardResults, writeShard } from '../../shard-fixtures.ts';

const dirs = tempDirs('merge-cli-');
afterAll(dirs.removeAll);

/** Three cheap read-only jobs: core/map_get and core/map_set in one shard, one in the other. */
const FILTERS = ['--filter', 'core/*', '--filter', 'engine/get_direct'];

describe('compare --shard, then merge: one run, as if unsharded', () => {
  const root = dirs.make();
  const shardDir = (i: number) => path.join(root, `shard-${i}`, 'out');
  const shards: ResultsFile[] = [];
  let config: string;

  beforeAll(async () => {
    const c = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'perf.config.json'), 'utf8'));
    c.compare.maxRounds = 2;
    config = path.join(root, 'config.json');
    fs.writeFileSync(config, JSON.stringify(c));
    const base = await runHarness([
      'bench',
      '--no-compare',
      ...FILTERS,
      '--out',
      path.join(root, 'base'),
    ]);
    expect(base.exitCode, base.stderr).toBe(0);
    for (const i of [1, 2]) {
      const r = await runHarness([
        'compare',
        '--baseline-results',
        path.join(root, 'base', 'results.json'),
        ...FILTERS,
        '--shard',
        `${i}/2`,
        '--config',
        config,
        '--out',
        shardDir(i),
      ]);
      expect([0, 1], r.stderr).toContain(r.exitCode);
      const results = readResults(path.join(shardDir(i), 'results.json'));
      expect(r.exitCode).toBe(judge(results).exitCode);
      shards.push(results);
    }
  }, 180_000);

  it('each shard measured its part, and says which', async () => {
    expect(shards.map((s) => s.shard)).toEqual([
      { index: 1, count: 2 },
      { index: 2, count: 2 },
    ]);
    expect(shards.map((s) => s.results.map((r) => r.id))).toEqual([
      ['core/map_get', 'engine/get_direct'],
      ['core/map_set'],
    ]);
  });

  it('merge writes one results file and one report with every planned job once, judged as the unsharded run', async () => {
    const out = path.join(root, 'merged');
    const r = await runHarness([
      'merge',
      path.join(shardDir(1), 'results.json'),
      path.join(shardDir(2), 'results.json'),
      '--out',
      out,
      '--config',
      config,
    ]);
    expect([0, 1], r.stderr).toContain(r.exitCode);
    const merged = readResults(path.join(out, 'results.json'));
    const plan = planJobs(await loadCatalogue(SCENARIOS_DIR), {
      filters: ['core/*', 'engine/get_direct'],
    }).map((j) => j.id);
    // Every job of the unsharded plan exactly once, in the unsharded plan's order.
    expect(merged.results.map((x) => x.id)).toEqual(plan);
    expect(merged.comparison?.jobs.map((j) => j.id)).toEqual(plan);
    expect(merged.shard).toBeUndefined();
    expect(merged.comparison?.baseline.file).toBe('baseline.json');
    expect(
      readResults(path.join(out, 'baseline.json'))
        .results.map((x) => x.id)
        .sort(),
    ).toEqual([...plan].sort());
    const html = fs.readFileSync(path.join(out, 'index.html'), 'utf8');
    for (const id of plan) expect(html).toContain(id);
    expect(fs.existsSync(path.join(out, 'comment.md'))).toBe(false); // not gate shards

    // The same rule as an unsharded file of the same jobs, red flags judged on the whole.
    const [one, two] = shards as [ResultsFile, ResultsFile];
    const { shard: _shard, redFlags: _flags, ...rest } = one;
    const whole: ResultsFile = {
      ...rest,
      results: [...one.results, ...two.results],
      comparison: {
        ...(one.comparison as NonNullable<ResultsFile['comparison']>),
        jobs: [...(one.comparison?.jobs ?? []), ...(two.comparison?.jobs ?? [])],
      },
    };
    whole.redFlags = evaluateRedFlags(whole, loadConfig(config));
    expect(merged.redFlags?.map((f) => [f.id, f.verdict, f.figure])).toEqual(
      whole.redFlags.map((f) => [f.id, f.verdict, f.figure]),
    );
    const verdict = judge(merged);
    expect({ ...verdict, reasons: verdict.reasons.length }).toEqual({
      ...judge(whole),
      reasons: judge(whole).reasons.length,
    });
    expect(r.exitCode).toBe(verdict.exitCode);
    expect(r.stdout).toContain(verdict.headline);
    expect(r.stdout).toContain(`report: ${path.join(out, 'index.html')}`);
    expect(merged.comparison?.notes.at(-1)).toMatch(/^Merged from 2 shards run in parallel: /);
  });

  it('a shard that got no job writes a results file without jobs, says so, and passes', async () => {
    const out = path.join(root, 'empty');
    const r = await runHarness([
      'compare',
      '--baseline-results',
      path.join(root, 'base', 'results.json'),
      '--filter',
      'core/map_get',
      '--shard',
      '2/2',
      '--out',
      out,
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain(
      'shard 2/2 has no job: the 1 planned job went to other shards, so nothing was measured',
    );
    const results = readResults(path.join(out, 'results.json'));
    expect(results.shard).toEqual({ index: 2, count: 2 });
    expect(results.results).toEqual([]);
    expect(results.comparison?.jobs).toEqual([]);
    expect(results.comparison?.baseline.commit).toBe(shards[0]?.comparison?.baseline.commit);
    expect(results.comparison?.candidate.commit).toBe(shards[0]?.comparison?.candidate.commit);
    expect(r.stdout).toContain('Comparison: PASS');
  });
});

/**
 * Every refusal of checkShards is in test/harness/results/merge.test.ts; these check that the
 * command turns them, a corrupt file and a missing baseline file into exit 2 before writing.
 */
describe('merge refuses anything but the shards of one run: exit 2, the file named, nothing written', () => {
  /** Writes each shard in a folder of its own; returns their results files. */
  function write(root: string, shards: ResultsFile[]): string[] {
    return shards.map((s, i) => writeShard(path.join(root, `s${i + 1}`), s));
  }

  async function refused(
    files: (root: string) => string[],
    message: (files: string[]) => RegExp | string,
  ): Promise<void> {
    const root = dirs.make();
    const paths = files(root);
    const out = path.join(root, 'merged');
    const r = await runHarness(['merge', ...paths, '--out', out]);
    expect(r.exitCode, r.stderr).toBe(2);
    const m = message(paths);
    if (typeof m === 'string') expect(r.stderr).toContain(m);
    else expect(r.stderr).toMatch(m);
    expect(r.stderr).toMatch(/\n {2}fix: /);
    expect(fs.existsSync(out)).toBe(false);
  }

  it('a file without a shard field', async () => {
    await refused(
      (root) =>
        write(root, [shardResults(1, 2, undefined, (r) => delete r.shard), shardResults(2, 2)]),
      ([a]) => `${a} is not a shard's results: it has no shard field`,
    );
  });

  it('a missing shard', async () => {
    await refused(
      (root) => write(root, [shardResults(1, 3), shardResults(3, 3)]),
      () => 'error: have 1/3 and 3/3, missing 2/3',
    );
  });

  it('a corrupt file', async () => {
    await refused(
      (root) => {
        const [a, b] = write(root, [shardResults(1, 2), shardResults(2, 2)]) as [string, string];
        fs.writeFileSync(b, '{"schemaVersion": 1, "results": [');
        return [a, b];
      },
      ([, b]) =>
        new RegExp(`${(b as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*not valid JSON`),
    );
  });

  it("a shard's missing baseline file", async () => {
    await refused(
      (root) => {
        const files = write(root, [shardResults(1, 2), shardResults(2, 2)]);
        fs.rmSync(path.join(path.dirname(files[1] as string), 'baseline.json'));
        return files;
      },
      ([, b]) =>
        `the baseline file ${path.join(path.dirname(b as string), 'baseline.json')} that ${b} (shard 2/2) names is missing`,
    );
  });
});
