/**
 * The commits a command walks: one commit's date, subject and first parent, a range's commits
 * along first parents, oldest first (history backfill, find), and whether one commit
 * descends from another.
 */
import { GitError, git, mergeBase, resolveCommit, revParse } from './git.ts';

/** A commit as history records it: its place in time and its first parent. */
export interface CommitInfo {
  sha: string;
  /** Committer date, ISO 8601 with offset. */
  committedAt: string;
  subject: string;
  /** The first parent, or null for a root commit. */
  parent: string | null;
  /** Commits along first parents from the root to this one: 1 for a root. */
  depth: number;
}

export async function commitInfo(cwd: string, ref: string): Promise<CommitInfo> {
  const sha = await resolveCommit(cwd, ref);
  const out = await git(cwd, ['log', '-1', '--format=%H%x00%cI%x00%P%x00%s', sha, '--']);
  const [full, committedAt, parents, ...subject] = out.split('\0');
  const depth = Number(await git(cwd, ['rev-list', '--first-parent', '--count', sha, '--']));
  return {
    sha: full ?? sha,
    committedAt: committedAt ?? '',
    subject: subject.join('\0'),
    parent: (parents ?? '').split(' ').find((p) => p !== '') ?? null,
    depth,
  };
}

/**
 * The commits of `range` oldest first, following first parents only (a merge counts as one
 * step, as on main's own history): `a..b` is what b has and a lacks; a single ref is it and
 * all its first-parent ancestors. Both ends are resolved first, so a typo is named.
 */
export async function firstParentCommits(cwd: string, range: string): Promise<string[]> {
  const parts = range.split('..');
  if (parts.length > 2 || range.includes('...')) {
    throw new GitError(
      'unknown-ref',
      `"${range}" is not a range this command takes`,
      'give <from>..<to> (what <to> has and <from> lacks) or one ref',
    );
  }
  const ends = await Promise.all(parts.map((p) => resolveCommit(cwd, p === '' ? 'HEAD' : p)));
  const spec = ends.length === 2 ? `${ends[0]}..${ends[1]}` : (ends[0] as string);
  return (await walk(cwd, spec)).map((c) => c.commit);
}

async function commitOf(cwd: string, ref: string): Promise<string> {
  const sha = await revParse(cwd, ref);
  if (sha === null) throw new GitError('unknown-ref', `"${ref}" does not name a commit`);
  return sha;
}

/**
 * `ancestor` is `descendant` or one of its ancestors: then, and only then, it is their best
 * common ancestor (`git merge-base --is-ancestor` says the same).
 */
export async function isAncestor(
  cwd: string,
  ancestor: string,
  descendant: string,
): Promise<boolean> {
  const sha = await commitOf(cwd, ancestor);
  return (await mergeBase(cwd, sha, descendant)) === sha;
}

/**
 * The commits of `from..to` along `to`'s first parents, oldest first, with their subjects:
 * the line `git rev-list --first-parent --reverse from..to` walks, so a merged branch counts
 * as its merge commit alone.
 */
export async function firstParentRange(
  cwd: string,
  from: string,
  to: string,
): Promise<Array<{ commit: string; subject: string }>> {
  const [a, b] = [await commitOf(cwd, from), await commitOf(cwd, to)];
  return walk(cwd, `${a}..${b}`);
}

/** `git log --first-parent --reverse` of a revision spec: commits and subjects, oldest first. */
async function walk(
  cwd: string,
  spec: string,
): Promise<Array<{ commit: string; subject: string }>> {
  // %x00 ends the sha: a subject can hold any other character but a newline.
  const out = await git(cwd, [
    'log',
    '--first-parent',
    '--reverse',
    '--format=%H%x00%s',
    spec,
    '--',
  ]);
  return out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const at = line.indexOf('\0');
      return { commit: line.slice(0, at), subject: line.slice(at + 1) };
    });
}
