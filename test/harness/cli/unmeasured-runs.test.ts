/**
 * Runs that measure nothing (cli/unmeasured-runs.ts): the gate's fast path, when both sides
 * have byte-identical measured trees, and a shard that got no job. Each writes a valid results
 * file with both sides, the shard, no job and the reason, and passes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MEASURED_PATHS,
  identicalTrees,
  writeEmptyShardRun,
  writeIdenticalRun,
} from '../../../harness/cli/unmeasured-runs.ts';
import { judge } from '../../../harness/judge/verdict.ts';
import { readResults } from '../../../harness/results/results-file.ts';
import { REPO_ROOT } from '../../../harness/support/paths.ts';
import { TINY_PROFILE, tempDirs } from '../helpers.ts';

const dirs = tempDirs();
afterAll(dirs.removeAll);

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

describe('writeIdenticalRun', () => {
  it('writes a gate results file of no job that names the trees and records the shard', async () => {
    const out = path.join(dirs.make(), 'shard-out');
    const same = await identicalTrees('HEAD', 'HEAD');
    if (same === null) throw new Error('HEAD is not identical to itself');
    const { file, results } = await writeIdenticalRun(
      {
        out,
        kind: 'gate',
        command: 'harness gate --shard 2/3',
        profile: TINY_PROFILE,
        shard: { index: 2, count: 3 },
      },
      same,
    );
    expect(file).toBe(path.join(out, 'results.json'));
    expect(readResults(file)).toEqual(results);
    expect(results.shard).toEqual({ index: 2, count: 3 });
    expect(results.kind).toBe('gate');
    expect(results.results).toEqual([]);
    expect(results.comparison?.jobs).toEqual([]);
    expect(results.comparison?.identical).toMatch(
      new RegExp(
        `^HEAD \\(${same.candidate.slice(6, 18)}\\) and the baseline .* have identical engine trees`,
      ),
    );
    expect(results.comparison?.identical).toContain(
      `engine ${same.hashes.get('engine')?.slice(0, 12)}`,
    );
    const verdict = judge(results);
    expect(verdict.exitCode).toBe(0);
    expect(verdict.reasons[0]).toMatch(/^nothing to compare: /);
  });

  it('records no shard when the run is whole', async () => {
    const same = await identicalTrees('HEAD', 'HEAD');
    if (same === null) throw new Error('HEAD is not identical to itself');
    const { results } = await writeIdenticalRun(
      { out: dirs.make(), kind: 'gate', command: 'harness gate', profile: TINY_PROFILE },
      same,
    );
    expect('shard' in results).toBe(false);
  });
});

describe('writeEmptyShardRun', () => {
  const sides = {
    baseline: { label: 'v1', commit: 'a'.repeat(40), source: 'tag', file: null, subject: 's' },
    candidate: {
      label: 'working tree',
      commit: 'b'.repeat(40),
      source: 'working-tree',
      file: null,
      subject: null,
    },
  };

  it('writes both sides, the shard, no job and why, and passes', async () => {
    const out = dirs.make();
    const note =
      'shard 3/3 has no job: the 2 planned jobs went to other shards, so nothing was measured';
    const { file, results } = await writeEmptyShardRun(
      {
        out,
        kind: 'compare',
        command: 'harness compare --shard 3/3',
        profile: TINY_PROFILE,
        shard: { index: 3, count: 3 },
      },
      sides,
      note,
    );
    expect(readResults(file)).toEqual(results);
    expect(results.shard).toEqual({ index: 3, count: 3 });
    expect(results.comparison).toEqual({ ...sides, rounds: 0, notes: [note], jobs: [] });
    expect(results.comparison?.identical).toBeUndefined();
    expect(judge(results)).toMatchObject({ exitCode: 0, headline: 'Comparison: PASS' });
  });

  it('records a stored baseline relative to the results folder', async () => {
    const root = dirs.make();
    const stored = path.join(root, 'baselines', 'v1.json');
    fs.mkdirSync(path.dirname(stored));
    fs.writeFileSync(stored, '{}');
    const { results } = await writeEmptyShardRun(
      {
        out: path.join(root, 'out'),
        kind: 'gate',
        command: 'c',
        profile: TINY_PROFILE,
        shard: { index: 2, count: 2 },
      },
      { ...sides, storedFile: stored },
      'empty',
    );
    expect(results.comparison?.baseline.file).toBe(path.join('..', 'baselines', 'v1.json'));
  });
});
