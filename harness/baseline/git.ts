/**
 * Small typed helpers over `git` (through execa), each taking the directory to run in. The
 * baseline machinery (baselines.ts, worktree.ts) and the gate use these instead of spawning git
 * themselves, so every git failure a user can fix surfaces the same way: a GitError (a
 * UsageError, exit 2) that says what was wrong and which git command fixes it.
 */
import { execa, execaSync } from 'execa';
import { UsageError } from '../support/errors.ts';

export type GitErrorKind =
  /** git itself could not be run (not installed, or the directory does not exist). */
  | 'no-git'
  | 'not-a-repo'
  /** A ref (or sha) that names no commit in this clone. */
  | 'unknown-ref'
  /** A shallow clone that lacks the commit asked for. */
  | 'shallow'
  /** Several commits match where one was expected (e.g. two carry the same trailer). */
  | 'ambiguous'
  /** A name git refuses as a tag name. */
  | 'invalid-name'
  /** Any other failing git command; the message carries git's own stderr. */
  | 'failed';

/** A git problem the user fixes (fetch, unshallow, spelling): exit 2 like every UsageError. */
export class GitError extends UsageError {
  constructor(
    readonly kind: GitErrorKind,
    message: string,
    hint?: string,
  ) {
    super(message, hint);
  }
}

interface GitOutput {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The last few lines of git's stderr, on one line, for error messages. */
function tail(text: string, lines = 4): string {
  return text.trim().split('\n').slice(-lines).join(' | ');
}

/**
 * Runs git and returns its output whatever the exit code; throws only when git could not be
 * started at all. GIT_TERMINAL_PROMPT=0 so a fetch needing credentials fails instead of
 * hanging a CI job on a prompt nobody answers.
 */
async function run(
  cwd: string,
  args: readonly string[],
  env?: Record<string, string>,
): Promise<GitOutput> {
  const r = await execa('git', args, {
    cwd,
    reject: false,
    env: { GIT_TERMINAL_PROMPT: '0', ...env },
  });
  if (r.exitCode === undefined) {
    throw new GitError(
      'no-git',
      `could not run git in ${cwd}: ${r.shortMessage ?? r.message ?? 'unknown error'}`,
      'install git and run the harness from inside a clone of the repository',
    );
  }
  return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

/** Runs git and returns its trimmed stdout; a non-zero exit is a GitError quoting git. */
export async function git(
  cwd: string,
  args: readonly string[],
  env?: Record<string, string>,
): Promise<string> {
  const r = await run(cwd, args, env);
  if (r.exitCode !== 0) {
    throw new GitError(
      'failed',
      `git ${args.join(' ')} failed (exit ${r.exitCode}) in ${cwd}: ${tail(r.stderr) || tail(r.stdout)}`,
    );
  }
  return r.stdout.trim();
}

/** Refs starting with "-" would be read as options; no real ref or baseline name does. */
function checkRefArg(ref: string): void {
  if (ref === '' || ref.startsWith('-') || /[\0\n]/.test(ref)) {
    throw new GitError(
      'unknown-ref',
      `"${ref}" is not a usable git ref`,
      'pass a tag, branch or commit sha',
    );
  }
}

/** The top of the working tree containing `cwd`. */
export async function repoRoot(cwd: string): Promise<string> {
  const r = await run(cwd, ['rev-parse', '--show-toplevel']);
  if (r.exitCode !== 0) {
    throw new GitError(
      'not-a-repo',
      `${cwd} is not inside a git repository`,
      'run the harness from a git clone of the project (baselines are git commits)',
    );
  }
  return r.stdout.trim();
}

/** The full sha of the commit `ref` names, or null when it names none (here). */
export async function revParse(cwd: string, ref: string): Promise<string | null> {
  checkRefArg(ref);
  // ^{commit} peels annotated tags and refuses trees/blobs; --quiet makes "no such ref" a
  // plain exit 1 rather than a fatal message.
  const r = await run(cwd, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  return r.exitCode === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : null;
}

export async function isShallow(cwd: string): Promise<boolean> {
  return (await git(cwd, ['rev-parse', '--is-shallow-repository'])) === 'true';
}

/** An abbreviated or full object name (sha-1 or sha-256), as opposed to a ref name. */
export function looksLikeSha(ref: string): boolean {
  return /^[0-9a-f]{4,64}$/i.test(ref);
}

/**
 * The full sha of the commit `ref` names, or a GitError saying why there is none: a shallow
 * clone that lacks it (fixed by `git fetch --unshallow`), or an unknown ref (fetch or spelling).
 */
export async function resolveCommit(cwd: string, ref: string): Promise<string> {
  const sha = await revParse(cwd, ref);
  if (sha !== null) return sha;
  await repoRoot(cwd); // "not a git repository" beats "unknown ref"
  const shallow = await isShallow(cwd);
  if (shallow && looksLikeSha(ref)) {
    throw new GitError(
      'shallow',
      `the clone is shallow and lacks ${ref}: run git fetch --unshallow`,
      'git fetch --unshallow (CI: actions/checkout with fetch-depth: 0)',
    );
  }
  throw new GitError(
    'unknown-ref',
    `"${ref}" does not name a commit; fetch it (git fetch --tags) or check the spelling`,
    shallow
      ? 'git fetch --tags; the clone is also shallow, so git fetch --unshallow may be needed'
      : 'git fetch --tags, or `npm run harness -- baseline list` for the known baselines',
  );
}

/** A local tag of that name exists (whatever it points at). */
export async function tagExists(cwd: string, name: string): Promise<boolean> {
  checkRefArg(name);
  const r = await run(cwd, ['rev-parse', '--verify', '--quiet', `refs/tags/${name}`]);
  return r.exitCode === 0;
}

/** The commit a local tag points at (peeled), or null when there is no such tag. */
export async function tagCommit(cwd: string, name: string): Promise<string | null> {
  checkRefArg(name);
  const r = await run(cwd, ['rev-parse', '--verify', '--quiet', `refs/tags/${name}^{commit}`]);
  return r.exitCode === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : null;
}

/** Git accepts `name` as a tag name. */
export async function isValidTagName(cwd: string, name: string): Promise<boolean> {
  if (name === '' || name.startsWith('-')) return false;
  return (await run(cwd, ['check-ref-format', `refs/tags/${name}`])).exitCode === 0;
}

/**
 * An annotated tag needs a tagger identity. A CI runner often has none configured, and
 * recreating a baseline tag must not fail for that, so fall back to a fixed harness identity
 * only when git has none.
 */
async function identityEnv(cwd: string): Promise<Record<string, string>> {
  const r = await run(cwd, ['var', 'GIT_COMMITTER_IDENT']);
  if (r.exitCode === 0) return {};
  return {
    GIT_COMMITTER_NAME: 'in-mem perf harness',
    GIT_COMMITTER_EMAIL: 'harness@localhost',
  };
}

export async function createAnnotatedTag(
  cwd: string,
  name: string,
  commit: string,
  message: string,
  opts: { force?: boolean } = {},
): Promise<void> {
  checkRefArg(name);
  checkRefArg(commit);
  const args = ['tag', '-a', ...(opts.force === true ? ['-f'] : []), '-m', message, name, commit];
  await git(cwd, args, await identityEnv(cwd));
}

/** Commit -> the values of its `<key>:` trailers, over every commit reachable from any ref. */
async function trailerValues(
  cwd: string,
  key: string,
  grep?: string,
): Promise<Array<{ commit: string; values: string[] }>> {
  // %x00 separates the sha from the trailer block, %x1e ends a record: trailer values are
  // one per line and can't contain either. `unfold` joins values folded over several lines.
  // --grep (fixed string, any case) only narrows the search cheaply; the trailer parse decides.
  const args = [
    'log',
    '--all',
    `--format=%H%x00%(trailers:key=${key},valueonly,unfold)%x1e`,
    ...(grep === undefined ? [] : ['-i', '-F', `--grep=${grep}`]),
  ];
  const out = await git(cwd, args);
  const rows: Array<{ commit: string; values: string[] }> = [];
  for (const record of out.split('\x1e')) {
    const [sha, block] = record.replace(/^\n+/, '').split('\0');
    if (sha === undefined || sha === '' || block === undefined) continue;
    const values = block
      .split('\n')
      .map((v) => v.trim())
      .filter((v) => v !== '');
    if (values.length > 0) rows.push({ commit: sha, values });
  }
  return rows;
}

/**
 * The commit whose message carries the trailer `<key>: <name>` exactly (git's trailer rules:
 * the last paragraph of the message), or null. Two different commits carrying it (a rebase
 * left the old one reachable, say) is an error: a baseline must name one commit.
 */
export async function findCommitByTrailer(
  cwd: string,
  name: string,
  key = 'Baseline',
): Promise<string | null> {
  const matches = (await trailerValues(cwd, key, name))
    .filter((r) => r.values.includes(name))
    .map((r) => r.commit);
  const unique = [...new Set(matches)];
  if (unique.length > 1) {
    throw new GitError(
      'ambiguous',
      `${unique.length} commits carry the trailer "${key}: ${name}": ${unique.map((c) => c.slice(0, 12)).join(', ')}`,
      `pin one: npm run harness -- baseline tag ${name} <sha>`,
    );
  }
  return unique[0] ?? null;
}

/** Every `<key>: <value>` trailer value in the history, with the commits carrying it. */
export async function listTrailers(cwd: string, key = 'Baseline'): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const row of await trailerValues(cwd, key, `${key}:`)) {
    for (const v of row.values) {
      const commits = out.get(v) ?? [];
      if (!commits.includes(row.commit)) commits.push(row.commit);
      out.set(v, commits);
    }
  }
  return out;
}

/** The best common ancestor of two refs, or null when they share no history. */
export async function mergeBase(cwd: string, a: string, b: string): Promise<string | null> {
  checkRefArg(a);
  checkRefArg(b);
  const r = await run(cwd, ['merge-base', a, b]);
  if (r.exitCode === 0) return r.stdout.trim();
  if (r.exitCode === 1) return null; // no common ancestor
  throw new GitError('failed', `git merge-base ${a} ${b} failed: ${tail(r.stderr)}`);
}

/** `ref` resolves to some object (e.g. `origin/main` after a fetch). */
export async function refExists(cwd: string, ref: string): Promise<boolean> {
  checkRefArg(ref);
  return (await run(cwd, ['rev-parse', '--verify', '--quiet', ref])).exitCode === 0;
}

/** Uncommitted changes (untracked files included), optionally only under `paths`. */
export async function isDirty(cwd: string, paths: readonly string[] = []): Promise<boolean> {
  const out = await git(cwd, [
    'status',
    '--porcelain',
    ...(paths.length > 0 ? ['--', ...paths] : []),
  ]);
  return out !== '';
}

export async function headCommit(cwd: string): Promise<string> {
  const sha = await revParse(cwd, 'HEAD');
  if (sha === null) {
    await repoRoot(cwd);
    throw new GitError('unknown-ref', `the repository at ${cwd} has no commit yet`, 'commit first');
  }
  return sha;
}

/** The first line of a commit's message. */
export async function commitSubject(cwd: string, ref: string): Promise<string> {
  checkRefArg(ref);
  return git(cwd, ['log', '-1', '--format=%s', ref, '--']);
}

/** A detached checkout of `commit` at `dir` sharing this repository's objects. */
export async function worktreeAdd(cwd: string, dir: string, commit: string): Promise<void> {
  checkRefArg(commit);
  await git(cwd, ['worktree', 'add', '--detach', dir, commit]);
}

/** Removes a worktree even with untracked or modified files in it. */
export async function worktreeRemove(cwd: string, dir: string): Promise<void> {
  await git(cwd, ['worktree', 'remove', '--force', dir]);
}

/** Forgets worktrees whose directories are gone. */
export async function worktreePrune(cwd: string): Promise<void> {
  await git(cwd, ['worktree', 'prune']);
}

/** The synchronous prune, for process 'exit' handlers (which can't await). Never throws. */
export function worktreePruneSync(cwd: string): void {
  try {
    execaSync('git', ['worktree', 'prune'], { cwd, reject: false });
  } catch {
    // Best effort at exit: the next run's cleanStaleWorktrees() prunes again.
  }
}

/** Paths of the worktrees git knows (the main one first). */
export async function worktreeList(cwd: string): Promise<string[]> {
  const out = await git(cwd, ['worktree', 'list', '--porcelain']);
  return out
    .split('\n')
    .filter((l) => l.startsWith('worktree '))
    .map((l) => l.slice('worktree '.length));
}

/**
 * The object ids of `paths` at `commit` (tree or blob hashes; null for a path the commit
 * lacks). Two commits with the same ids have byte-identical contents there.
 */
export async function pathHashes(
  cwd: string,
  commit: string,
  paths: readonly string[],
): Promise<Map<string, string | null>> {
  checkRefArg(commit);
  const out = new Map<string, string | null>();
  for (const p of paths) {
    const r = await run(cwd, ['rev-parse', '--verify', '--quiet', `${commit}:${p}`]);
    out.set(p, r.exitCode === 0 && r.stdout.trim() !== '' ? r.stdout.trim() : null);
  }
  return out;
}
