/**
 * The history between two commits, as `find` searches it: whether one descends from the
 * other, and the commits between them along the later one's first parents.
 */
import { GitError, git, mergeBase, revParse } from './git.ts';

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
  // %x00 ends the sha: a subject can hold any other character but a newline.
  const out = await git(cwd, [
    'log',
    '--first-parent',
    '--reverse',
    '--format=%H%x00%s',
    `${a}..${b}`,
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
