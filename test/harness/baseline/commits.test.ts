/**
 * The commits history walks (commits.ts), in a temporary repository with a merge:
 *
 *   root - m1 - m2 - merge - m3      (main, first parents)
 *            \           /
 *             s1 ---- s2              (side, merged with --no-ff)
 *
 * commitInfo: full sha, committer date, subject and first parent; firstParentCommits: a range
 * or a ref's first-parent ancestors, oldest first, never the merged side's commits.
 */
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commitInfo,
  firstParentCommits,
  firstParentRange,
  isAncestor,
} from '../../../harness/baseline/commits.ts';
import { GitError } from '../../../harness/baseline/git.ts';
import { UsageError } from '../../../harness/support/errors.ts';
import { makeRepo, removeTempRepos, type TempRepo } from '../../fixtures/git-repo.ts';

afterAll(removeTempRepos);

/** The GitError a promise rejects with (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<GitError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GitError);
    return err as GitError;
  }
  throw new Error('expected a rejection');
}

const ODD_SUBJECT = `fix: "quotes" 'single' \`ticks\` $HOME %s %x00 | ; -- ünïcödé ✓ <b>&amp;</b>`;
const ODD_DATE = '2021-06-01T10:20:30+02:00';

let repo: TempRepo;
let root: string;
let m1: string;
let s1: string;
let s2: string;
let m2: string;
let merge: string;
let m3: string;

beforeAll(async () => {
  repo = await makeRepo();
  root = await repo.commit('root commit', { 'a.txt': '0' });
  m1 = await repo.commit('m1', { 'a.txt': '1' });
  await repo.git('checkout', '-q', '-b', 'side');
  s1 = await repo.commit('s1', { 's.txt': '1' });
  s2 = await repo.commit('s2', { 's.txt': '2' });
  await repo.git('checkout', '-q', 'main');
  m2 = await repo.commit('m2', { 'a.txt': '2' });
  await repo.git('merge', '-q', '--no-ff', '-m', 'merge side', 'side');
  merge = await repo.git('rev-parse', 'HEAD');
  // A subject of characters a format string or a shell could trip on, at a known date.
  await execa(
    'git',
    [
      '-c',
      'user.email=t@t',
      '-c',
      'user.name=t',
      '-c',
      'commit.gpgsign=false',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      ODD_SUBJECT,
      '-m',
      'A body that is not part of the subject.',
    ],
    { cwd: repo.dir, env: { GIT_COMMITTER_DATE: ODD_DATE } },
  );
  m3 = await repo.git('rev-parse', 'HEAD');
});

describe('commitInfo', () => {
  it('a root commit: full sha, committer date, subject, and no parent', async () => {
    const info = await commitInfo(repo.dir, root);
    expect(info).toEqual({
      sha: root,
      committedAt: await repo.git('log', '-1', '--format=%cI', root),
      subject: 'root commit',
      parent: null,
      depth: 1,
    });
    expect(info.sha).toMatch(/^[0-9a-f]{40}$/);
  });

  it('an ordinary commit names its parent; a ref or an abbreviated sha resolves to the full sha', async () => {
    expect((await commitInfo(repo.dir, m1)).parent).toBe(root);
    expect((await commitInfo(repo.dir, m1.slice(0, 8))).sha).toBe(m1);
    expect((await commitInfo(repo.dir, 'side')).sha).toBe(s2);
    expect((await commitInfo(repo.dir, 'HEAD~1')).sha).toBe(merge);
  });

  it('a merge commit’s parent is its first parent, not the merged side', async () => {
    const info = await commitInfo(repo.dir, merge);
    expect(info.parent).toBe(m2);
    expect(info.subject).toBe('merge side');
  });

  it('keeps an odd subject verbatim (without the body) and the date with its offset', async () => {
    const info = await commitInfo(repo.dir, 'HEAD');
    expect(info).toEqual({
      sha: m3,
      committedAt: ODD_DATE,
      subject: ODD_SUBJECT,
      parent: merge,
      // root, m1, m2, merge, m3: the merged side's commits are not on the first-parent line.
      depth: 5,
    });
  });

  it('an unknown ref: a GitError (exit 2) naming it', async () => {
    const err = await rejection(commitInfo(repo.dir, 'no_such_ref_xyz'));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.kind).toBe('unknown-ref');
    expect(err.message).toContain('"no_such_ref_xyz"');
  });
});

describe('firstParentCommits', () => {
  it('a single ref: it and all its first-parent ancestors, oldest first', async () => {
    expect(await firstParentCommits(repo.dir, m3)).toEqual([root, m1, m2, merge, m3]);
    expect(await firstParentCommits(repo.dir, 'HEAD')).toEqual([root, m1, m2, merge, m3]);
    expect(await firstParentCommits(repo.dir, root)).toEqual([root]);
  });

  it('never lists the commits a merge brought in from its second parent', async () => {
    const all = await firstParentCommits(repo.dir, 'HEAD');
    expect(all).not.toContain(s1);
    expect(all).not.toContain(s2);
    // The side branch on its own is a first-parent line too.
    expect(await firstParentCommits(repo.dir, 'side')).toEqual([root, m1, s1, s2]);
  });

  it('a..b: what b has and a lacks, oldest first; an empty end is HEAD', async () => {
    expect(await firstParentCommits(repo.dir, `${m1}..${m3}`)).toEqual([m2, merge, m3]);
    expect(await firstParentCommits(repo.dir, `${root}..${m1}`)).toEqual([m1]);
    expect(await firstParentCommits(repo.dir, `${m1}..`)).toEqual([m2, merge, m3]);
    expect(await firstParentCommits(repo.dir, `..${m2}`)).toEqual([]);
    expect(await firstParentCommits(repo.dir, 'HEAD..HEAD')).toEqual([]);
    // From the side's tip: the merge and what follows, not s1/s2 again nor m2's ancestors.
    expect(await firstParentCommits(repo.dir, `side..HEAD`)).toEqual([m2, merge, m3]);
  });

  it('refuses a...b and a..b..c, saying what it takes', async () => {
    for (const range of [`${root}...${m3}`, 'HEAD~2...HEAD', `${root}..${m1}..${m3}`]) {
      const err = await rejection(firstParentCommits(repo.dir, range));
      expect(err.message).toBe(`"${range}" is not a range this command takes`);
      expect(err.hint).toMatch(/<from>\.\.<to>/);
    }
  });

  it('an unknown ref at either end: a GitError naming it', async () => {
    for (const [range, bad] of [
      ['no_such_ref_xyz', 'no_such_ref_xyz'],
      ['no_such_ref_xyz..HEAD', 'no_such_ref_xyz'],
      [`${root}..nope_either`, 'nope_either'],
    ] as const) {
      const err = await rejection(firstParentCommits(repo.dir, range));
      expect(err.kind).toBe('unknown-ref');
      expect(err.message).toContain(`"${bad}"`);
    }
  });
});

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
