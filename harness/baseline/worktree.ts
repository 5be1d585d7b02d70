/**
 * Checking out a baseline commit to measure its engine: a detached `git worktree` under
 * `.harness/worktrees/` (git-ignored scratch), with dependencies made available by a symlink
 * instead of an install whenever possible:
 *
 * - the checkout's package-lock.json hashes (sha256) the same as the installed one (this
 *   repository's): its node_modules -> this repository's node_modules, nothing installed;
 * - otherwise: `npm ci` once into `.harness/deps/<lockfile hash>/` (reused by every later run
 *   with that lockfile; a marker file says the install completed), and a symlink to it.
 *
 * The worktree is removed afterwards whatever happens: on success, on a thrown error, on
 * Ctrl-C / SIGTERM (handlers installed while a checkout is alive, which clean up and then exit
 * 130 / 143), and as a last resort synchronously at process exit. A run killed with SIGKILL
 * leaves its worktree behind; cleanStaleWorktrees(), called before every checkout, removes
 * those whose owning process is gone.
 *
 * One piece: a checkout's life (create, share or install dependencies, lock, release, clean up after a dead process) is one protocol whose steps depend on each other's files.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { UsageError } from '../support/errors.ts';
import { ownExit } from '../support/exit-cleanup.ts';
import {
  repoRoot,
  resolveCommit,
  worktreeAdd,
  worktreeList,
  worktreePrune,
  worktreePruneSync,
  worktreeRemove,
} from './git.ts';
import { REPO_ROOT } from '../support/paths.ts';
import { pidAlive } from '../support/pid.ts';

export const SCRATCH_DIRNAME = '.harness';
/** Written into a deps cache dir after `npm ci` succeeded; a dir without it is half made. */
export const DEPS_MARKER = '.install-complete.json';
const OWNER_SUFFIX = '.owner.json';

export interface CheckoutOptions {
  /** The repository to check out from (default: the one holding this harness). */
  repo?: string;
  /**
   * Where the dependencies already installed live: its package-lock.json is compared and its
   * node_modules linked (default: the harness's own repository).
   */
  installedRoot?: string;
  /** Scratch folder (default `<repo>/.harness`). */
  scratchDir?: string;
  /** Progress lines (checkout, install); default stderr. */
  log?: (line: string) => void;
}

export type DepsInfo =
  /** Same lockfile as the installed tree: node_modules linked to it. */
  | { kind: 'shared'; lockHash: string; nodeModules: string }
  /** Different lockfile: linked to the cache for that hash (`installed`: by this call). */
  | { kind: 'cache'; lockHash: string; nodeModules: string; installed: boolean }
  /** The commit has no package-lock.json: linked to the installed tree, with a warning. */
  | { kind: 'no-lockfile'; lockHash: null; nodeModules: string }
  /** The commit tracks node_modules itself: left alone. */
  | { kind: 'own'; lockHash: string | null; nodeModules: string };

export interface BaselineCheckout {
  /** Full sha checked out. */
  commit: string;
  /** The worktree root. */
  dir: string;
  /** `<dir>/engine`: what the runner loads. */
  engineDir: string;
  deps: DepsInfo;
}

export interface CheckoutHandle extends BaselineCheckout {
  /** Removes the worktree (idempotent). */
  release(): Promise<void>;
}

function defaultLog(line: string): void {
  process.stderr.write(`${line}\n`);
}

interface Paths {
  repo: string;
  installedRoot: string;
  scratch: string;
  worktrees: string;
  deps: string;
}

async function paths(opts: CheckoutOptions): Promise<Paths> {
  const repo = await repoRoot(opts.repo ?? REPO_ROOT);
  const scratch = path.resolve(opts.scratchDir ?? path.join(repo, SCRATCH_DIRNAME));
  return {
    repo,
    installedRoot: path.resolve(opts.installedRoot ?? REPO_ROOT),
    scratch,
    worktrees: path.join(scratch, 'worktrees'),
    deps: path.join(scratch, 'deps'),
  };
}

/** sha256 of a file's bytes, or null when it does not exist. */
export function lockfileHash(file: string): string | null {
  try {
    return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

// ---- cleanup on exit and signals -----------------------------------------------------------

/** Something to undo if the process is interrupted: async normally, sync from 'exit'. */
interface Pending {
  cleanup(): Promise<void>;
  cleanupSync(): void;
}

const pending = new Map<number, Pending>();
/** This process's checkouts still in use: never stale, whatever their owner file says. */
const liveDirs = new Set<string>();
let nextPendingId = 0;
let interrupted = false;

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function onSignal(signal: NodeJS.Signals): void {
  const code = 128 + (os.constants.signals[signal] ?? 2);
  if (interrupted) {
    // A second Ctrl-C while cleaning up: the user wants out now; leftovers are removed by
    // the next run's cleanStaleWorktrees().
    process.exit(code);
  }
  interrupted = true;
  process.stderr.write(`\n${signal}: removing baseline checkouts before exiting...\n`);
  const all = [...pending.values()];
  void Promise.allSettled(all.map((p) => p.cleanup())).then(() => process.exit(code));
}

/** process 'exit' can't await: last-resort synchronous cleanup for anything still pending. */
function onExit(): void {
  for (const p of pending.values()) p.cleanupSync();
  pending.clear();
}

let releaseExit: (() => void) | null = null;

function register(p: Pending): () => void {
  if (pending.size === 0) {
    for (const s of SIGNALS) process.on(s, onSignal);
    process.on('exit', onExit);
    releaseExit = ownExit();
  }
  const id = nextPendingId++;
  pending.set(id, p);
  return () => {
    pending.delete(id);
    if (pending.size === 0) {
      for (const s of SIGNALS) process.removeListener(s, onSignal);
      process.removeListener('exit', onExit);
      releaseExit?.();
      releaseExit = null;
    }
  };
}

// ---- dependencies --------------------------------------------------------------------------

/** Removes a node_modules symlink without following it (never the tree it points to). */
function unlinkIfSymlink(p: string): void {
  try {
    if (fs.lstatSync(p).isSymbolicLink()) fs.unlinkSync(p);
  } catch {
    // Not there: nothing to unlink.
  }
}

function removeWorktreeDirSync(dir: string): void {
  unlinkIfSymlink(path.join(dir, 'node_modules'));
  // fs.rm does not follow symlinks; the unlink above is belt and braces for node_modules.
  fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * The environment for `npm ci`. When the harness itself runs under `npm run`, npm exports its
 * project's settings (npm_config_local_prefix, npm_package_*, ...) to children; an `npm ci`
 * inheriting them could act on this repository instead of the cache dir.
 */
function npmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      /^npm_(package_|lifecycle_|command$|config_(local_prefix|prefix|global)$)/.test(k) ||
      k === 'INIT_CWD'
    ) {
      continue;
    }
    env[k] = v;
  }
  return env;
}

/**
 * What to show of npm's output when it fails. npm puts the reason right after its
 * `npm error code ...` line and may follow it with a page of usage text, so show the reason
 * plus the last lines (the debug-log path), else simply the tail.
 */
export function npmFailureExcerpt(output: string, lines = 20): string {
  const all = output.trim().split('\n');
  const start = all.findIndex((l) => /^npm (error|ERR!) code /.test(l));
  let picked: string[];
  if (start === -1 || all.length - start <= lines) {
    picked = all.slice(-lines);
  } else {
    const head = all.slice(start, start + 10);
    const tail = all.slice(-3);
    picked = [...head, '...', ...tail];
  }
  return picked.map((l) => `    ${l}`).join('\n');
}

/**
 * `.harness/deps/<hash>/node_modules`, installing it first when no completed install exists.
 * The install happens in a temporary sibling renamed into place at the end, so a killed or
 * failed install never leaves a directory that looks usable, and two concurrent runs never
 * share a half-written one.
 */
async function ensureDepsCache(
  p: Paths,
  worktree: string,
  lockHash: string,
  commit: string,
  log: (line: string) => void,
): Promise<{ nodeModules: string; installed: boolean }> {
  const final = path.join(p.deps, lockHash);
  if (fs.existsSync(path.join(final, DEPS_MARKER))) {
    log(`dependencies: lockfile ${lockHash.slice(0, 12)} already installed in ${final}`);
    return { nodeModules: path.join(final, 'node_modules'), installed: false };
  }
  // A directory without the marker is a leftover from an older, interrupted layout: redo it.
  fs.rmSync(final, { recursive: true, force: true });

  if (!fs.existsSync(path.join(worktree, 'package.json'))) {
    throw new UsageError(
      `baseline commit ${commit.slice(0, 12)} has a package-lock.json but no package.json: npm ci can't install it`,
      'record or compare against a commit with a complete npm project',
    );
  }
  fs.mkdirSync(p.deps, { recursive: true });
  const tmp = path.join(p.deps, `${lockHash}.tmp-${process.pid}-${randomBytes(3).toString('hex')}`);
  fs.mkdirSync(tmp);
  const unregister = register({
    cleanup: () => fs.promises.rm(tmp, { recursive: true, force: true }),
    cleanupSync: () => fs.rmSync(tmp, { recursive: true, force: true }),
  });
  try {
    for (const f of ['package.json', 'package-lock.json', '.npmrc']) {
      const from = path.join(worktree, f);
      if (fs.existsSync(from)) fs.copyFileSync(from, path.join(tmp, f));
    }
    log(
      `dependencies: ${commit.slice(0, 12)}'s package-lock.json differs from the installed one; npm ci into ${final} (once per lockfile)`,
    );
    const started = performance.now();
    const r = await execa('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts=false'], {
      cwd: tmp,
      all: true,
      reject: false,
      env: npmEnv(),
      extendEnv: false,
      timeout: 15 * 60_000,
    });
    if (r.exitCode !== 0) {
      const why =
        r.exitCode === undefined
          ? (r.shortMessage ?? 'could not start npm')
          : r.timedOut
            ? 'timed out'
            : `exit ${r.exitCode}`;
      throw new UsageError(
        `npm ci failed (${why}) installing the dependencies of baseline commit ${commit.slice(0, 12)} (package-lock.json sha256 ${lockHash.slice(0, 12)}); the half-made install was removed. npm said:\n${npmFailureExcerpt(r.all ?? '')}`,
        "check that commit's package.json / package-lock.json and the network or registry access",
      );
    }
    // A project with no dependencies gets no node_modules from npm; the symlink needs a target.
    fs.mkdirSync(path.join(tmp, 'node_modules'), { recursive: true });
    fs.writeFileSync(
      path.join(tmp, DEPS_MARKER),
      `${JSON.stringify(
        {
          lockHash,
          commit,
          installedAt: new Date().toISOString(),
          node: process.version,
          seconds: Math.round((performance.now() - started) / 100) / 10,
        },
        null,
        2,
      )}\n`,
    );
    try {
      fs.renameSync(tmp, final);
    } catch (err) {
      // Another run finished the same install first: use theirs.
      if (!fs.existsSync(path.join(final, DEPS_MARKER))) throw err;
    }
    log(`dependencies: installed in ${Math.round(performance.now() - started)} ms`);
    return { nodeModules: path.join(final, 'node_modules'), installed: true };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    unregister();
  }
}

/** Gives the worktree a node_modules (see the module comment). */
async function prepareDependencies(
  p: Paths,
  worktree: string,
  commit: string,
  log: (line: string) => void,
): Promise<DepsInfo> {
  const link = path.join(worktree, 'node_modules');
  const lockHash = lockfileHash(path.join(worktree, 'package-lock.json'));
  if (fs.existsSync(link)) return { kind: 'own', lockHash, nodeModules: link };

  const installedModules = path.join(p.installedRoot, 'node_modules');
  let deps: DepsInfo;
  if (lockHash === null) {
    log(
      `warning: baseline commit ${commit.slice(0, 12)} has no package-lock.json; using the installed dependencies of ${p.installedRoot}`,
    );
    deps = { kind: 'no-lockfile', lockHash: null, nodeModules: installedModules };
  } else if (lockHash === lockfileHash(path.join(p.installedRoot, 'package-lock.json'))) {
    deps = { kind: 'shared', lockHash, nodeModules: installedModules };
  } else {
    const cache = await ensureDepsCache(p, worktree, lockHash, commit, log);
    deps = { kind: 'cache', lockHash, ...cache };
  }
  if (!fs.existsSync(deps.nodeModules)) {
    throw new UsageError(
      `${deps.nodeModules} does not exist, so the baseline checkout has no dependencies`,
      `run npm ci in ${p.installedRoot}`,
    );
  }
  // 'junction' is what Windows needs for a directory link without privileges; ignored elsewhere.
  fs.symlinkSync(deps.nodeModules, link, 'junction');
  return deps;
}

// ---- checkouts -----------------------------------------------------------------------------

function ownerFile(dir: string): string {
  return `${dir}${OWNER_SUFFIX}`;
}

async function removeWorktree(repo: string, dir: string): Promise<void> {
  unlinkIfSymlink(path.join(dir, 'node_modules'));
  try {
    await worktreeRemove(repo, dir);
  } catch {
    // Not registered (add failed half way) or already partly gone: delete what is left;
    // the prune below drops git's record of it.
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(ownerFile(dir), { force: true });
  await worktreePrune(repo);
}

/**
 * Checks out `commit` (any ref git resolves) into a fresh worktree with its dependencies
 * ready. The caller must `release()` it; withBaselineCheckout does that for you.
 */
export async function acquireCheckout(
  commit: string,
  opts: CheckoutOptions = {},
): Promise<CheckoutHandle> {
  const log = opts.log ?? defaultLog;
  const p = await paths(opts);
  const sha = await resolveCommit(p.repo, commit);
  await cleanStaleWorktrees(opts);

  fs.mkdirSync(p.worktrees, { recursive: true });
  const dir = path.join(p.worktrees, `${sha.slice(0, 12)}-${randomBytes(3).toString('hex')}`);
  liveDirs.add(dir);
  let released = false;
  const release = async (): Promise<void> => {
    if (released) return;
    released = true;
    try {
      await removeWorktree(p.repo, dir);
    } finally {
      liveDirs.delete(dir);
      unregister();
    }
  };
  const unregister = register({
    cleanup: release,
    cleanupSync: () => {
      removeWorktreeDirSync(dir);
      fs.rmSync(ownerFile(dir), { force: true });
      worktreePruneSync(p.repo);
    },
  });
  try {
    // The owner file goes first: a run killed at any later point leaves a worktree that
    // cleanStaleWorktrees() can attribute to a dead process.
    fs.writeFileSync(
      ownerFile(dir),
      `${JSON.stringify({ pid: process.pid, commit: sha, createdAt: new Date().toISOString() })}\n`,
    );
    log(`checking out ${sha.slice(0, 12)} into ${path.relative(p.repo, dir) || dir}`);
    await worktreeAdd(p.repo, dir, sha);
    const deps = await prepareDependencies(p, dir, sha, log);
    return { commit: sha, dir, engineDir: path.join(dir, 'engine'), deps, release };
  } catch (err) {
    await release().catch(() => undefined);
    throw err;
  }
}

/** Runs `fn` on a checkout of `commit` and removes the checkout afterwards, whatever happens. */
export async function withBaselineCheckout<T>(
  commit: string,
  fn: (checkout: BaselineCheckout) => Promise<T> | T,
  opts: CheckoutOptions = {},
): Promise<T> {
  const handle = await acquireCheckout(commit, opts);
  try {
    return await fn(handle);
  } finally {
    await handle.release();
  }
}

function readOwnerPid(file: string): number | null {
  try {
    const data = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid?: unknown };
    return typeof data.pid === 'number' ? data.pid : null;
  } catch {
    return null;
  }
}

/**
 * Removes what killed runs left in `.harness/`: worktrees (and git's records of them) and
 * half-made dependency installs whose owning process is gone. Checkouts of live runs,
 * including concurrent ones, are left alone. Returns the paths removed.
 */
export async function cleanStaleWorktrees(opts: CheckoutOptions = {}): Promise<string[]> {
  const p = await paths(opts);
  const removed: string[] = [];
  const isStale = (pid: number | null): boolean =>
    pid === null || pid === process.pid || !pidAlive(pid);

  if (fs.existsSync(p.worktrees)) {
    const entries = fs.readdirSync(p.worktrees);
    for (const entry of entries) {
      const full = path.join(p.worktrees, entry);
      if (entry.endsWith(OWNER_SUFFIX)) {
        // An owner file whose worktree is gone (killed between the two writes).
        const dir = full.slice(0, -OWNER_SUFFIX.length);
        if (!fs.existsSync(dir) && !liveDirs.has(dir) && isStale(readOwnerPid(full))) {
          fs.rmSync(full, { force: true });
        }
        continue;
      }
      if (liveDirs.has(full)) continue;
      // Our own pid without a live handle counts as stale: leaked by an earlier checkout.
      if (!isStale(readOwnerPid(ownerFile(full)))) continue;
      await removeWorktree(p.repo, full);
      removed.push(full);
    }
  }
  // Worktrees git still lists under our folder whose directory is gone.
  const listed = await worktreeList(p.repo);
  if (listed.some((w) => w.startsWith(p.worktrees) && !fs.existsSync(w))) {
    await worktreePrune(p.repo);
  }

  if (fs.existsSync(p.deps)) {
    for (const entry of fs.readdirSync(p.deps)) {
      const m = /\.tmp-(\d+)-[0-9a-f]+$/.exec(entry);
      if (m === null) continue;
      const pid = Number(m[1]);
      if (pid !== process.pid && !pidAlive(pid)) {
        const full = path.join(p.deps, entry);
        fs.rmSync(full, { recursive: true, force: true });
        removed.push(full);
      }
    }
  }
  return removed;
}
