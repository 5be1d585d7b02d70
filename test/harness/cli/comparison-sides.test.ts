/**
 * The sides of a comparison (cli/comparison-sides.ts): the working tree as the candidate, a
 * ref resolved with the option that named it in its error, and a ref as a recorded side.
 */
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import {
  refSideRecord,
  resolveSide,
  workingTreeSide,
} from '../../../harness/cli/comparison-sides.ts';
import { GitError } from '../../../harness/baseline/git.ts';
import { DEFAULT_ENGINE_DIR, REPO_ROOT } from '../../../harness/support/paths.ts';

async function git(...args: string[]): Promise<string> {
  return (await execa('git', args, { cwd: REPO_ROOT })).stdout.trim();
}

describe('comparison sides', () => {
  it("the working tree: HEAD's commit, this tree's engine, and whether it has uncommitted engine changes", async () => {
    const side = await workingTreeSide();
    expect(side.commit).toBe(await git('rev-parse', 'HEAD'));
    expect(side.source).toBe('working-tree');
    expect(side.engineDir).toBe(DEFAULT_ENGINE_DIR);
    const dirty = (await git('status', '--porcelain', '--', 'engine')) !== '';
    expect(side.label).toBe(dirty ? 'working tree (uncommitted changes)' : 'working tree');
  });

  it('a ref that names no commit: the error says which option gave it', async () => {
    const err = await resolveSide('no_such_ref_xyz', '--against').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitError);
    expect((err as GitError).message).toMatch(/^--against "no_such_ref_xyz" /);
  });

  it('a resolved ref as a recorded side: its name, commit, source and subject, no file', async () => {
    const record = await refSideRecord(await resolveSide('HEAD', '--baseline'));
    expect(record).toEqual({
      label: 'HEAD',
      commit: await git('rev-parse', 'HEAD'),
      source: 'ref',
      file: null,
      subject: await git('log', '-1', '--format=%s'),
    });
  });
});
