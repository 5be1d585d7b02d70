/**
 * The database directory: creating it, and one holder at a time, across processes and across
 * the worker threads of one process (JS state is per isolate, so the lock lives in the file).
 *
 * A LOCK file names its holder, one JSON line: `pid`, the process's `start` time (field 22 of
 * /proc/<pid>/stat, clock ticks since boot), the `boot` id, the worker `thread` and a random
 * `token`. pid + start + boot name one process even where pids are reused (containers); the
 * token names one open. Pure Node: the kernel's flock would need a native addon.
 *
 * 1. Create. Write the identity to a private temp file `LOCK.<pid>.<random>`, link(temp, LOCK),
 *    unlink the temp. link is atomic and fails with EEXIST when LOCK exists, so a LOCK appears
 *    with its whole content or not at all. (Creating LOCK with writeFile(wx) and then writing
 *    it would let a rival read it still empty, call it stale and delete it: two holders.)
 * 2. Judge. On EEXIST, read LOCK. Held: its process is alive (same pid and start time, same
 *    boot). Our own pid and start time is another thread of ours, or a Database not yet
 *    closed: refused, never stale. Stale: that process is gone or a zombie, its pid now belongs
 *    to a process with another start time, the boot id differs, or the content is garbage.
 * 3. Reap. Removing a stale LOCK (token T) must not remove a successor's LOCK that replaced T
 *    after we judged, and a name has no compare-and-delete. So the right to remove T is an
 *    exclusive file of its own, `LOCK.reap.<T>`, created as in 1. Its one creator re-reads
 *    LOCK and unlinks it only if it is still T (token and inode). That check-then-unlink is
 *    safe: T is removed only by its holder (dead) or by the holder of the right, and nobody can
 *    link a successor while T is there. A token is never reused, so once LOCK is not T it never
 *    is again and any later reaper of T finds nothing to do; that is also why every reap file
 *    may be deleted once LOCK is not T (the reaper does so; the next holder sweeps the rest).
 *    A reaper killed mid-reap leaves its reap file; the right then passes to
 *    `LOCK.reap.<that file's token>`, and so on: each link is taken only once its
 *    predecessor's creator is seen dead, so at most one live process holds the right to T.
 *    A live reaper elsewhere means wait a moment. Then everyone competes again with link (1).
 *    Not rename-away-and-check-inode: with three contenders, A judges T stale, B reaps T and
 *    links its own LOCK, A renames B's LOCK away (wrong inode), C links in the gap, and A can't
 *    put B's back: B and C both hold.
 * 4. Release. Unlink LOCK only if it still holds our token. Nobody removes a live holder's LOCK,
 *    so it can't change between that check and the unlink.
 *
 * Limits: the judgement reads pids, so a holder alive in another pid namespace (a container
 * sharing the volume) or on another host (NFS) looks dead. Without /proc there is no start
 * time: a LOCK with our pid counts as ours, another pid is judged by process.kill(pid, 0).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { InvalidPathError, LockedError, type LockHolder } from './errors.ts';

export const LOCK_FILE = 'LOCK';
const REAP_PREFIX = `${LOCK_FILE}.reap.`;
/** `LOCK.<pid>.<random>`: a temp file of step 1. */
const TEMP_NAME = /^LOCK\.(\d+)\.[0-9a-f]{16}$/;
/** How long to wait for another process that is taking over a stale lock. */
const TAKEOVER_WAIT_MS = 2000;
/** Reapers killed in a row before we give up (each one is a process killed mid-reap). */
const MAX_REAP_DEPTH = 16;
/** A LOCK is a short JSON line; read no more of whatever else sits there. */
const MAX_LOCK_BYTES = 4096;

/** Real paths held by Databases of this isolate: the fast path, with a precise message. */
const heldHere = new Set<string>();

/** A held directory: what release needs to delete exactly our LOCK. */
export interface DirLock {
  /** The real path (symlinks resolved): the key of the lock. */
  readonly dir: string;
  readonly file: string;
  readonly token: string;
}

interface Identity {
  pid: number;
  start: string | null;
  boot: string | null;
  thread: number | undefined;
  /** Absent in a LOCK of the old format, which held only a pid. */
  token: string | undefined;
}

/** What was read from a LOCK (or reap) file, and the key that names this one file for ever. */
interface Entry {
  dev: number;
  ino: number;
  identity: Identity | undefined;
  key: string;
}

interface ProcessInfo {
  pid: number;
  start: string | null;
  boot: string | null;
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function readProcStat(
  pid: number | 'self',
): { start: string; zombie: boolean } | 'gone' | 'unknown' {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    return errno(err) === 'ENOENT' || errno(err) === 'ESRCH' ? 'gone' : 'unknown';
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const start = fields[19];
  if (state === undefined || start === undefined || !/^\d+$/.test(start)) return 'unknown';
  return { start, zombie: state === 'Z' || state === 'X' };
}

let self: ProcessInfo | undefined;

/** This process: pid, start time and boot id (null where /proc is missing). */
export function thisProcess(): ProcessInfo {
  if (self === undefined) {
    const stat = readProcStat('self');
    let boot: string | null = null;
    try {
      boot = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
    } catch {
      boot = null;
    }
    self = { pid: process.pid, start: typeof stat === 'object' ? stat.start : null, boot };
  }
  return self;
}

function identityLine(token: string, reaps?: string): string {
  const me = thisProcess();
  const record = { pid: me.pid, start: me.start, boot: me.boot, thread: threadId, token, reaps };
  return `${JSON.stringify(record)}\n`;
}

function newToken(): string {
  return crypto.randomBytes(12).toString('hex');
}

function parseIdentity(text: string): Identity | undefined {
  const legacy = /^\s*(\d+)\s*$/.exec(text);
  if (legacy !== null) {
    return { pid: Number(legacy[1]), start: null, boot: null, thread: undefined, token: undefined };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (raw === null || typeof raw !== 'object') return undefined;
  const r = raw as Record<string, unknown>;
  const ok =
    Number.isSafeInteger(r.pid) &&
    (r.pid as number) > 0 &&
    (r.start === null || (typeof r.start === 'string' && /^\d+$/.test(r.start))) &&
    (r.boot === null || typeof r.boot === 'string') &&
    (r.thread === undefined || Number.isSafeInteger(r.thread)) &&
    typeof r.token === 'string' &&
    /^[0-9a-f]{16,64}$/.test(r.token);
  if (!ok) return undefined;
  return {
    pid: r.pid as number,
    start: r.start as string | null,
    boot: r.boot as string | null,
    thread: r.thread as number | undefined,
    token: r.token as string,
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errno(err) === 'EPERM';
  }
}

/** The live holder a LOCK names, or undefined when it is stale (step 2). */
function judge(id: Identity | undefined): LockHolder | undefined {
  if (id === undefined) return undefined; // garbage: no LOCK of ours
  const me = thisProcess();
  if (id.boot !== null && me.boot !== null && id.boot !== me.boot) return undefined;
  const holder: LockHolder = { pid: id.pid, threadId: id.thread, thisProcess: false };
  if (id.pid === me.pid) {
    // This engine never writes a pid-only LOCK: one with our pid is an earlier process's.
    if (id.token === undefined) return undefined;
    if (id.start !== null && me.start !== null && id.start !== me.start) return undefined;
    return { ...holder, thisProcess: true };
  }
  if (me.start !== null) {
    const stat = readProcStat(id.pid);
    if (stat === 'gone') return undefined;
    if (stat !== 'unknown') {
      if (stat.zombie) return undefined;
      if (id.start !== null && stat.start !== id.start) return undefined; // the pid was reused
      return holder;
    }
  }
  return processAlive(id.pid) ? holder : undefined;
}

/** Creates `name` in `dir` holding `content`, all at once (step 1); false when it exists. */
function createExclusive(dir: string, name: string, content: string): boolean {
  const temp = path.join(
    dir,
    `${LOCK_FILE}.${process.pid}.${crypto.randomBytes(8).toString('hex')}`,
  );
  const fd = fs.openSync(temp, 'wx');
  try {
    try {
      fs.writeSync(fd, content);
    } finally {
      fs.closeSync(fd);
    }
    fs.linkSync(temp, path.join(dir, name));
    return true;
  } catch (err) {
    if (errno(err) === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

function notAFile(file: string, what: string): InvalidPathError {
  const remove = what === 'a directory' ? `rmdir "${file}"` : `rm "${file}"`;
  return new InvalidPathError(
    `${file} is ${what}, but a database's ${path.basename(file)} must be a file the engine ` +
      `creates; no Database uses it. Remove it (${remove}) and open again.`,
    file,
  );
}

/** Reads a LOCK or reap file; undefined when there is none. */
function readEntry(file: string): Entry | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined;
    if (errno(err) === 'ELOOP') throw notAFile(file, 'a symbolic link');
    if (errno(err) === 'EISDIR') throw notAFile(file, 'a directory');
    throw err;
  }
  try {
    const st = fs.fstatSync(fd);
    if (st.isDirectory()) throw notAFile(file, 'a directory');
    if (!st.isFile()) throw notAFile(file, 'not a regular file');
    const buf = Buffer.alloc(MAX_LOCK_BYTES);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const text = buf.toString('utf8', 0, n);
    const identity = parseIdentity(text);
    // A token names one file for ever; anything else is named by its inode, time and bytes.
    const key =
      identity?.token ??
      `x${crypto.createHash('sha256').update(`${st.dev}:${st.ino}:${st.mtimeMs}:${text}`).digest('hex').slice(0, 32)}`;
    return { dev: st.dev, ino: st.ino, identity, key };
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Removes the stale LOCK `stale` if this process wins the right to (step 3). Returns undefined
 * when it is done (removed, or found already gone), or the live reaper to wait for.
 */
function reap(dir: string, stale: Entry): LockHolder | undefined {
  const lockFile = path.join(dir, LOCK_FILE);
  const chain: string[] = [];
  let key = stale.key;
  for (let depth = 0; depth < MAX_REAP_DEPTH; depth++) {
    const name = REAP_PREFIX + key;
    if (createExclusive(dir, name, identityLine(newToken(), stale.key))) {
      chain.push(name);
      const now = readEntry(lockFile);
      if (
        now !== undefined &&
        now.key === stale.key &&
        now.ino === stale.ino &&
        now.dev === stale.dev
      ) {
        unlinkIfThere(lockFile);
      }
      // LOCK is not the stale one now, and never will be again: the reap files may go.
      for (const n of chain) unlinkIfThere(path.join(dir, n));
      return undefined;
    }
    const marker = readEntry(path.join(dir, name));
    // Removed meanwhile: reap files go only once the stale LOCK is gone, so nothing to do.
    if (marker === undefined) return undefined;
    const reaper = judge(marker.identity);
    if (reaper !== undefined) return reaper;
    chain.push(name);
    key = marker.key;
  }
  throw new LockedError(
    `could not take over the stale lock in ${dir}: ${MAX_REAP_DEPTH} processes were killed while ` +
      `taking it over. If no process has the database open, remove ${dir}/${LOCK_FILE}* and open again.`,
    dir,
    { pid: stale.identity?.pid ?? 0, threadId: stale.identity?.thread, thisProcess: false },
  );
}

function unlinkIfThere(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (err) {
    if (errno(err) !== 'ENOENT') throw err;
  }
}

/** The new holder removes reap files (all moot now) and temp files of dead processes. */
function sweep(dir: string): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const temp = TEMP_NAME.exec(name);
    const stray =
      name.startsWith(REAP_PREFIX) ||
      (temp !== null && Number(temp[1]) !== process.pid && !processAlive(Number(temp[1])));
    if (!stray) continue;
    try {
      unlinkIfThere(path.join(dir, name));
    } catch {
      // Only tidying: a file we may not remove does no harm.
    }
  }
}

const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

function lockedError(dir: string, holder: LockHolder): LockedError {
  const thread = holder.threadId === undefined ? '' : `, thread ${holder.threadId}`;
  let where: string;
  let fix: string;
  if (!holder.thisProcess) {
    where = `in another process (pid ${holder.pid}${thread})`;
    fix =
      `close the Database there, or stop that process (a lock left by a process that ` +
      `has exited is taken over by the next open)`;
  } else if (holder.threadId === threadId) {
    where = `in this process (pid ${holder.pid}${thread}, this thread)`;
    fix = 'close that Database first, or keep using it';
  } else {
    where = `in this process (pid ${holder.pid}${thread}, another worker thread)`;
    fix =
      `close the Database in that thread first (a thread that ended without closing it ` +
      `keeps the directory until this process exits)`;
  }
  return new LockedError(
    `${dir} is already open ${where}: ${fix}. A directory has one open Database at a time.`,
    dir,
    holder,
  );
}

/**
 * Takes the LOCK of the directory `dir` (which exists). Throws LockedError naming the holder
 * when it is held; a stale LOCK is taken over.
 */
export function acquireLock(dir: string): DirLock {
  const real = fs.realpathSync(dir);
  const me = { pid: process.pid, threadId, thisProcess: true };
  if (heldHere.has(real)) throw lockedError(real, me);
  const file = path.join(real, LOCK_FILE);
  const deadline = Date.now() + TAKEOVER_WAIT_MS;
  for (;;) {
    const token = newToken();
    if (createExclusive(real, LOCK_FILE, identityLine(token))) {
      heldHere.add(real);
      sweep(real);
      return { dir: real, file, token };
    }
    const seen = readEntry(file);
    if (seen === undefined) continue; // released or reaped meanwhile: compete again
    const holder = judge(seen.identity);
    if (holder !== undefined) throw lockedError(real, holder);
    const reaper = reap(real, seen);
    if (reaper === undefined) continue;
    if (Date.now() > deadline) {
      throw new LockedError(
        `${real} has a stale lock that another opener (pid ${reaper.pid}) has been taking ` +
          `over for ${TAKEOVER_WAIT_MS} ms; try again.`,
        real,
        reaper,
      );
    }
    Atomics.wait(SLEEPER, 0, 0, 1);
  }
}

/** Releases a lock taken by acquireLock: deletes the LOCK only if it is still ours (step 4). */
export function releaseLock(lock: DirLock): void {
  heldHere.delete(lock.dir);
  let entry: Entry | undefined;
  try {
    entry = readEntry(lock.file);
  } catch (err) {
    // Gone with its directory, or replaced by something that is not a LOCK: nothing of ours.
    if (err instanceof InvalidPathError || errno(err) === 'ENOTDIR') return;
    throw err;
  }
  if (entry?.identity?.token === lock.token) unlinkIfThere(lock.file);
}

/**
 * Creates the database directory `dir` (an absolute path) and its parents. A file in the way
 * is an InvalidPathError that names it.
 */
export function ensureDirectory(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    const code = errno(err);
    if (code === 'EEXIST' || code === 'ENOTDIR' || code === 'ENOENT')
      throw pathInTheWay(dir) ?? err;
    throw err;
  }
}

/** The nearest component of `dir` (itself or a parent) that exists and is not a directory. */
function pathInTheWay(dir: string): InvalidPathError | undefined {
  for (let p = dir; ; p = path.dirname(p)) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(p);
    } catch (err) {
      if (errno(err) !== 'ENOENT' && errno(err) !== 'ENOTDIR') return undefined;
      if (isSymlink(p)) {
        return new InvalidPathError(
          `can't create the database directory ${dir}: ${p} is a symbolic link to ` +
            `${fs.readlinkSync(p)}, which does not exist. Create its target, or remove the link.`,
          p,
        );
      }
    }
    if (st?.isDirectory() === true) return undefined;
    if (st !== undefined) {
      return p === dir
        ? new InvalidPathError(
            `${dir} is a file, not a directory: a database is a directory (it holds wal.log ` +
              `and LOCK). Pass a directory path, or move that file away.`,
            dir,
          )
        : new InvalidPathError(
            `can't create the database directory ${dir}: ${p} is a file, not a directory. ` +
              `Pass a path whose parents are directories, or move ${p} away.`,
            p,
          );
    }
    if (path.dirname(p) === p) return undefined;
  }
}

function isSymlink(p: string): boolean {
  try {
    return fs.lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The error to throw when opening the WAL failed because `walFile` is a directory. */
export function walPathError(
  dir: string,
  walFile: string,
  err: unknown,
): InvalidPathError | undefined {
  if (errno(err) !== 'EISDIR') return undefined;
  if (fs.statSync(walFile, { throwIfNoEntry: false })?.isDirectory() !== true) return undefined;
  return new InvalidPathError(
    `${walFile} is a directory, but a database keeps its write-ahead log in a file of that ` +
      `name. Is ${dir} the database directory you meant? If so, move that directory away and ` +
      `open again.`,
    walFile,
  );
}
