/**
 * `find` through the real CLI (a child process, as `npm run harness --` runs it): every usage
 * error exits 2 with a message naming the problem, before any checkout. And the search's
 * outcome as find.json states it, on synthetic steps. A real search is find.e2e.test.ts's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { findResult } from '../../../../harness/cli/commands/find.ts';
import { bisect, type StepVerdict } from '../../../../harness/compare/bisect.ts';
import type { FindStep } from '../../../../harness/results/find-file.ts';
import { REPO_ROOT } from '../../../../harness/support/paths.ts';
import { findStep, shaOf } from '../../find-fixture.ts';
import { runHarness } from '../../helpers.ts';

/** Worktrees under this repository's scratch folder: a usage error must add none. */
function worktreeEntries(): string[] {
  const dir = path.join(REPO_ROOT, '.harness', 'worktrees');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

async function sha(ref: string): Promise<string> {
  return (await execa('git', ['rev-parse', ref], { cwd: REPO_ROOT })).stdout.trim();
}

/** `find ...args`, which must exit 2 before any checkout; returns its stderr. */
async function refused(args: string[]): Promise<string> {
  const before = worktreeEntries();
  const r = await runHarness(['find', ...args]);
  expect(r.exitCode, r.stderr).toBe(2);
  expect(r.stderr).not.toMatch(/checking out|dependencies:/);
  expect(r.stdout).toBe('');
  expect(worktreeEntries()).toEqual(before);
  return r.stderr;
}

const FILTER = ['--filter', 'kvstore/put/hot_key', '--mode', 'inMemory'];

describe('find: usage errors exit 2 before any checkout', () => {
  it('a good that names no commit', async () => {
    const stderr = await refused(['no_such_ref_xyz', 'HEAD', ...FILTER]);
    expect(stderr).toMatch(/^error: good "no_such_ref_xyz" is neither a baseline .* nor a git ref/);
    expect(stderr).toMatch(/\n {2}fix: git fetch --tags/);
  });

  it('a bad that names no commit', async () => {
    const stderr = await refused(['HEAD~1', 'no_such_ref_xyz', ...FILTER]);
    expect(stderr).toMatch(/^error: bad "no_such_ref_xyz" is neither a baseline .* nor a git ref/);
  });

  it('good not an ancestor of bad (the two given the wrong way round)', async () => {
    const stderr = await refused(['HEAD', 'HEAD~1', ...FILTER]);
    const [head, parent] = [await sha('HEAD'), await sha('HEAD~1')];
    expect(stderr).toContain(
      `error: good ${head.slice(0, 12)} ("HEAD") is not an ancestor of bad ${parent.slice(0, 12)} ("HEAD~1")`,
    );
    expect(stderr).toMatch(/fix: give the older commit, where the scenario was fast, first/);
  });

  it('an empty range: good and bad the same commit', async () => {
    const head = await sha('HEAD');
    const stderr = await refused([head, 'HEAD', ...FILTER]);
    expect(stderr).toContain(
      `error: the range good..bad is empty: "${head}" and "HEAD" are the same commit ${head.slice(0, 12)}`,
    );
  });

  it('a filter that selects no job', async () => {
    const stderr = await refused(['HEAD~1', 'HEAD', '--filter', 'nothing/**']);
    expect(stderr).toMatch(/^error: no scenario matches --filter nothing\/\*\*/);
  });

  it('no --filter at all', async () => {
    const stderr = await refused(['HEAD~1', 'HEAD']);
    expect(stderr).toMatch(/required option '--filter <glob>' not specified/);
  });

  it('an --out it cannot write to', async () => {
    const stderr = await refused(['HEAD~1', 'HEAD', ...FILTER, '--out', '/proc/find']);
    expect(stderr).toMatch(/^error: --out \/proc\/find: /);
  });
});

describe('findResult: the search outcome as find.json says it', () => {
  const good = { commit: shaOf(1), subject: 'commit 1' };
  // Commits 2..8 at positions 1..7, as in find.e2e.test.ts.
  const range = [2, 3, 4, 5, 6, 7, 8].map((n) => ({ commit: shaOf(n), subject: `commit ${n}` }));
  const search = (verdictOf: (n: number) => StepVerdict) => {
    let step = 0;
    return bisect(
      range.map((c) => c.commit),
      async (_commit, position) => {
        const verdict = verdictOf(position + 1);
        const detail: FindStep = findStep(++step, position + 1, verdict, 1 + position);
        return { verdict, detail };
      },
    );
  };

  it('a culprit: its commit and subject, with the evidence of the step that judged it', async () => {
    const r = findResult(good, range, await search((n) => (n >= 5 ? 'slower' : 'not slower')));
    expect(r).toEqual({
      kind: 'culprit',
      commit: shaOf(5),
      subject: 'commit 5',
      step: 4,
      job: 'kvstore/put/hot_key/dur_inmemory',
      ratio: 5,
      ci: [4.5, 5.5],
    });
  });

  it('inconclusive mid-search: after the last not-slower commit, through the first slower', async () => {
    // 8 slower, 4 not slower, 6 inconclusive: commits 5..8 are left.
    const r = findResult(
      good,
      range,
      await search((n) => (n === 6 ? 'inconclusive' : n >= 5 ? 'slower' : 'not slower')),
    );
    expect(r).toEqual({
      kind: 'inconclusive',
      after: range[2],
      through: range[6],
      throughSlower: true,
      range: range.slice(3),
    });
  });

  it('inconclusive at bad: after good, through bad, bad not known slower', async () => {
    const r = findResult(good, range, await search(() => 'inconclusive'));
    expect(r).toMatchObject({ kind: 'inconclusive', after: good, through: range[6] });
    expect(r.kind === 'inconclusive' && r.throughSlower).toBe(false);
  });

  it('bad not slower', async () => {
    expect(findResult(good, range, await search(() => 'not slower'))).toEqual({
      kind: 'not-slower',
    });
  });
});
