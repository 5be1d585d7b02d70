/**
 * `find` through the real CLI (a child process, as `npm run harness --` runs it): every usage
 * error exits 2 with a message naming the problem, before any checkout. The search itself is
 * find.e2e.test.ts's.
 */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../../harness/support/paths.ts';
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
