import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from '../../../harness/support/errors.ts';
import {
  GitError,
  commitSubject,
  createAnnotatedTag,
  findCommitByTrailer,
  headCommit,
  isDirty,
  isShallow,
  listTrailers,
  mergeBase,
  refExists,
  repoRoot,
  resolveCommit,
  revParse,
  tagCommit,
  tagExists,
  worktreeAdd,
  worktreeList,
  worktreeRemove,
} from '../../../harness/baseline/git.ts';
import {
  makeRepo,
  removeTempRepos,
  shallowClone,
  tempDir,
  type TempRepo,
} from '../../fixtures/git-repo.ts';

afterAll(removeTempRepos);

/** The error a promise rejects with (fails the test if it resolves). */
async function rejection(p: Promise<unknown>): Promise<GitError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(GitError);
    return err as GitError;
  }
  throw new Error('expected a rejection');
}

let repo: TempRepo;
let c1: string;
let c2: string;
let c3: string;

beforeAll(async () => {
  repo = await makeRepo();
  c1 = await repo.commit('first\n\nBaseline: alpha', { 'a.txt': '1', 'engine/x.ts': 'x' });
  c2 = await repo.commit('second\n\nSays "Baseline: beta" in prose, not as a trailer.\n\nok', {
    'a.txt': '2',
  });
  c3 = await repo.commit('third\n\nBaseline: alpha-2\nReviewed-by: someone', { 'a.txt': '3' });
});

describe('refs and commits', () => {
  it('resolves refs to full shas and says null for unknown ones', async () => {
    expect(await revParse(repo.dir, 'HEAD')).toBe(c3);
    expect(await revParse(repo.dir, 'HEAD~2')).toBe(c1);
    expect(await revParse(repo.dir, c2.slice(0, 10))).toBe(c2);
    expect(await revParse(repo.dir, 'no-such-branch')).toBeNull();
    expect(await headCommit(repo.dir)).toBe(c3);
    expect(await commitSubject(repo.dir, c2)).toBe('second');
    expect(await refExists(repo.dir, 'main')).toBe(true);
    expect(await refExists(repo.dir, 'origin/main')).toBe(false);
  });

  it('an unknown ref is a GitError (a UsageError: exit 2) with the fix in the message', async () => {
    const err = await rejection(resolveCommit(repo.dir, 'v9.9.9'));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.kind).toBe('unknown-ref');
    expect(err.message).toBe(
      '"v9.9.9" does not name a commit; fetch it (git fetch --tags) or check the spelling',
    );
    // A ref that looks like an option is refused before git sees it.
    expect((await rejection(resolveCommit(repo.dir, '--all'))).kind).toBe('unknown-ref');
  });

  it('outside a repository: not-a-repo', async () => {
    const err = await rejection(repoRoot(tempDir()));
    expect(err.kind).toBe('not-a-repo');
    expect(err.message).toMatch(/is not inside a git repository/);
    expect((await rejection(resolveCommit(tempDir(), 'HEAD'))).kind).toBe('not-a-repo');
  });

  it('a shallow clone lacking the commit says to unshallow', async () => {
    const clone = await shallowClone(repo.dir);
    expect(await isShallow(clone.dir)).toBe(true);
    expect(await isShallow(repo.dir)).toBe(false);
    expect(await resolveCommit(clone.dir, c3)).toBe(c3);
    const err = await rejection(resolveCommit(clone.dir, c1));
    expect(err.kind).toBe('shallow');
    expect(err.message).toBe(`the clone is shallow and lacks ${c1}: run git fetch --unshallow`);
  });

  it('merge-base, dirtiness scoped to paths', async () => {
    await repo.git('branch', 'side', c2);
    expect(await mergeBase(repo.dir, 'side', 'main')).toBe(c2);
    expect(await isDirty(repo.dir)).toBe(false);
    fs.writeFileSync(path.join(repo.dir, 'a.txt'), 'changed');
    try {
      expect(await isDirty(repo.dir)).toBe(true);
      expect(await isDirty(repo.dir, ['engine'])).toBe(false);
      expect(await isDirty(repo.dir, ['a.txt'])).toBe(true);
    } finally {
      await repo.git('checkout', '--', 'a.txt');
    }
  });
});

describe('trailers', () => {
  it('matches the exact trailer only', async () => {
    expect(await findCommitByTrailer(repo.dir, 'alpha')).toBe(c1);
    expect(await findCommitByTrailer(repo.dir, 'alpha-2')).toBe(c3);
    // "Baseline: beta" appears in c2's body, but not in its trailer paragraph.
    expect(await findCommitByTrailer(repo.dir, 'beta')).toBeNull();
    expect(await findCommitByTrailer(repo.dir, 'alp')).toBeNull();
    const all = await listTrailers(repo.dir);
    expect(Object.fromEntries(all)).toEqual({ alpha: [c1], 'alpha-2': [c3] });
  });

  it('two commits carrying the same trailer are ambiguous', async () => {
    const r = await makeRepo();
    const a = await r.commit('one\n\nBaseline: twice');
    const b = await r.commit('two\n\nBaseline: twice');
    const err = await rejection(findCommitByTrailer(r.dir, 'twice'));
    expect(err.kind).toBe('ambiguous');
    expect(err.message).toContain(a.slice(0, 12));
    expect(err.message).toContain(b.slice(0, 12));
  });
});

describe('tags and worktrees', () => {
  it('creates annotated tags', async () => {
    expect(await tagExists(repo.dir, 'rel')).toBe(false);
    await createAnnotatedTag(repo.dir, 'rel', c2, 'a release');
    expect(await tagExists(repo.dir, 'rel')).toBe(true);
    expect(await tagCommit(repo.dir, 'rel')).toBe(c2);
    expect(await repo.git('cat-file', '-t', 'refs/tags/rel')).toBe('tag');
    await expect(createAnnotatedTag(repo.dir, 'rel', c3, 'again')).rejects.toThrow(
      /already exists/,
    );
    await createAnnotatedTag(repo.dir, 'rel', c3, 'moved', { force: true });
    expect(await tagCommit(repo.dir, 'rel')).toBe(c3);
  });

  it('adds and removes a detached worktree', async () => {
    const dir = path.join(tempDir(), 'wt');
    await worktreeAdd(repo.dir, dir, c1);
    expect(fs.readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('1');
    expect(await headCommit(dir)).toBe(c1);
    expect(await worktreeList(repo.dir)).toContain(fs.realpathSync(dir));
    fs.writeFileSync(path.join(dir, 'untracked'), 'x');
    await worktreeRemove(repo.dir, dir);
    expect(fs.existsSync(dir)).toBe(false);
    expect(await worktreeList(repo.dir)).toHaveLength(1);
  });
});
