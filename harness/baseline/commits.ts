/**
 * The commits a command walks: one commit's date, subject and first parent, and a range's
 * commits along first parents, oldest first (history backfill, find).
 */
import { GitError, git, resolveCommit } from './git.ts';

/** A commit as history records it: its place in time and its first parent. */
export interface CommitInfo {
  sha: string;
  /** Committer date, ISO 8601 with offset. */
  committedAt: string;
  subject: string;
  /** The first parent, or null for a root commit. */
  parent: string | null;
}

export async function commitInfo(cwd: string, ref: string): Promise<CommitInfo> {
  const sha = await resolveCommit(cwd, ref);
  const out = await git(cwd, ['log', '-1', '--format=%H%x00%cI%x00%P%x00%s', sha, '--']);
  const [full, committedAt, parents, ...subject] = out.split('\0');
  return {
    sha: full ?? sha,
    committedAt: committedAt ?? '',
    subject: subject.join('\0'),
    parent: (parents ?? '').split(' ').find((p) => p !== '') ?? null,
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
  const out = await git(cwd, ['rev-list', '--first-parent', '--reverse', spec, '--']);
  return out.split('\n').filter((l) => l !== '');
}
