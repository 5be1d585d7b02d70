/** The history `find` searches: ancestry, and the first-parent line between two commits. */
import { afterAll, describe, expect, it } from 'vitest';
import { GitError } from '../../../harness/baseline/git.ts';
import { firstParentRange, isAncestor } from '../../../harness/baseline/commits.ts';
import { makeRepo, removeTempRepos } from '../../fixtures/git-repo.ts';

afterAll(removeTempRepos);

describe('ancestry and first-parent ranges', () => {
  it('walks the first parents oldest first, a merged branch as its merge; ancestry both ways', async () => {
    const r = await makeRepo();
    const base = await r.commit('base', { 'f.txt': '0' });
    const m1 = await r.commit('main 1', { 'f.txt': '1' });
    await r.git('checkout', '-q', '-b', 'topic', base);
    const t1 = await r.commit('topic 1: a subject with\ttab and "quotes"', { 'g.txt': '1' });
    await r.git('checkout', '-q', 'main');
    await r.git('merge', '-q', '--no-ff', '-m', 'merge topic', 'topic');
    const merge = await r.git('rev-parse', 'HEAD');
    const m2 = await r.commit('main 2', { 'f.txt': '2' });

    expect(await firstParentRange(r.dir, base, m2)).toEqual([
      { commit: m1, subject: 'main 1' },
      { commit: merge, subject: 'merge topic' },
      { commit: m2, subject: 'main 2' },
    ]);
    expect(await firstParentRange(r.dir, 'main~1', 'main')).toEqual([
      { commit: m2, subject: 'main 2' },
    ]);
    expect(await firstParentRange(r.dir, base, t1)).toEqual([
      { commit: t1, subject: 'topic 1: a subject with\ttab and "quotes"' },
    ]);
    expect(await firstParentRange(r.dir, m2, m2)).toEqual([]);

    expect(await isAncestor(r.dir, base, m2)).toBe(true);
    expect(await isAncestor(r.dir, t1, m2)).toBe(true); // through the merge's second parent
    expect(await isAncestor(r.dir, m2, m2)).toBe(true);
    expect(await isAncestor(r.dir, 'main', base)).toBe(false);
    expect(await isAncestor(r.dir, t1, m1)).toBe(false);
  });

  it('a ref that names no commit, or looks like an option, is a GitError', async () => {
    const r = await makeRepo();
    await r.commit('only');
    await expect(isAncestor(r.dir, 'nope', 'HEAD')).rejects.toBeInstanceOf(GitError);
    await expect(firstParentRange(r.dir, 'HEAD', 'nope')).rejects.toThrow(
      /"nope" does not name a commit/,
    );
    await expect(firstParentRange(r.dir, '--all', 'HEAD')).rejects.toThrow(/not a usable git ref/);
  });
});
