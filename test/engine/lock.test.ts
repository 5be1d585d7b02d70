/**
 * One holder per database directory (engine/src/lock.ts): the lock is keyed on the real path,
 * holds across worker threads and processes, judges stale LOCKs by pid + start time, never
 * deletes a successor's LOCK, leaves no temp file, and odd paths get typed errors. The race
 * loop starts 2-3 child processes on one directory at once, SIGKILLs holders, and counts
 * holders: exactly one a round.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { threadId, Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Database, InvalidPathError, LockedError } from '../../engine/src/index.ts';
import { thisProcess } from '../../engine/src/lock.ts';
import { tempDir } from '../temp-dirs.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const fixtures = path.resolve(here, '../fixtures');
const ENGINE = pathToFileURL(path.resolve(repoRoot, 'engine/src/index.ts')).href;

const opened: Database[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

function open(dir: string): Database {
  const db = Database.open(dir);
  opened.push(db);
  return db;
}

/** The error `fn` throws (failing the test if it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

function locked(fn: () => unknown): LockedError {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(LockedError);
  expect((err as LockedError).code).toBe('LOCKED');
  return err as LockedError;
}

function invalidPath(fn: () => unknown): InvalidPathError {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(InvalidPathError);
  expect((err as InvalidPathError).code).toBe('INVALID_PATH');
  return err as InvalidPathError;
}

/** Files in `dir` other than the database's own: temp and reap files of the lock protocol. */
function strays(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n !== 'LOCK' && n !== 'wal.log');
}

interface LockContent {
  pid: number;
  start: string | null;
  boot: string | null;
  thread: number;
  token: string;
}

function readLock(dir: string): LockContent {
  return JSON.parse(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8')) as LockContent;
}

function writeLock(dir: string, content: Partial<LockContent>): void {
  const me = thisProcess();
  const full = { pid: me.pid, start: me.start, boot: me.boot, thread: 0, token: 'ab'.repeat(12) };
  fs.writeFileSync(path.join(dir, 'LOCK'), `${JSON.stringify({ ...full, ...content })}\n`);
}

/** Field 22 of /proc/<pid>/stat: the start time the engine records. */
function startTime(pid: number): string {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] as string;
}

function deadPid(): number {
  const dead = spawnSync(process.execPath, ['-e', '']);
  expect(dead.status).toBe(0);
  return dead.pid as number;
}

describe('the lock is keyed on the real path', () => {
  it('a symlink to an open directory is the same database, and so is a symlinked parent', () => {
    const base = tempDir('lock-');
    const real = path.join(base, 'real');
    fs.mkdirSync(real);
    fs.symlinkSync(real, path.join(base, 'link'));
    fs.symlinkSync(base, path.join(base, 'parent-link'));
    const db = open(path.join(base, 'link'));
    expect(db.path).toBe(path.join(base, 'link')); // the caller's spelling, resolved
    for (const spelling of [real, path.join(base, 'parent-link', 'real')]) {
      const err = locked(() => Database.open(spelling));
      expect(err.dir).toBe(fs.realpathSync(real));
      expect(err.holder).toEqual({ pid: process.pid, threadId, thisProcess: true });
      expect(err.message).toContain('this thread');
      expect(err.message).toContain('close that Database first');
    }
    db.close();
    // Closed through one spelling, free through every other.
    open(real).close();
    open(path.join(base, 'parent-link', 'real'));
  });

  it('a/../a and a trailing separator are the same directory too', () => {
    const base = tempDir('lock-');
    const a = path.join(base, 'a');
    fs.mkdirSync(a);
    fs.symlinkSync(a, path.join(base, 'b'));
    open(a);
    locked(() => Database.open(`${base}/a/../a`));
    locked(() => Database.open(`${base}/b/../b/`));
    locked(() => Database.open(`${a}${path.sep}`));
  });
});

/** Runs test/fixtures/lock-worker.mjs: a worker thread of this process opens `dir`. */
function startWorker(dir: string, hold: boolean) {
  const worker = new Worker(path.join(fixtures, 'lock-worker.mjs'), {
    workerData: { engine: ENGINE, dir, hold },
  });
  const messages: Array<Record<string, unknown>> = [];
  let wake: (() => void) | undefined;
  worker.on('message', (m: Record<string, unknown>) => {
    messages.push(m);
    wake?.();
  });
  let failure: unknown;
  worker.on('error', (err) => {
    failure = err;
    wake?.();
  });
  const exited = new Promise<number>((resolve) => worker.on('exit', resolve));
  const next = async (): Promise<Record<string, unknown>> => {
    while (messages.length === 0) {
      if (failure !== undefined) throw failure;
      await new Promise<void>((resolve) => (wake = resolve));
    }
    return messages.shift() as Record<string, unknown>;
  };
  return { worker, next, exited };
}

describe('worker threads of one process', () => {
  it('a worker thread is refused a directory the main thread holds', async () => {
    const dir = tempDir('lock-');
    open(dir);
    const w = startWorker(dir, false);
    const reply = await w.next();
    expect(reply.error).toMatchObject({
      name: 'LockedError',
      code: 'LOCKED',
      holder: { pid: process.pid, threadId, thisProcess: true },
    });
    const message = (reply.error as { message: string }).message;
    expect(message).toContain(`pid ${process.pid}`);
    expect(message).toContain('another worker thread');
    expect(await w.exited).toBe(0);
    expect(readLock(dir).pid).toBe(process.pid); // ours, untouched
  });

  it('the main thread is refused a directory a worker holds, and gets it once the worker closes', async () => {
    const dir = tempDir('lock-');
    const w = startWorker(dir, true);
    expect(await w.next()).toEqual({ ok: true });
    const err = locked(() => Database.open(dir));
    expect(err.holder).toEqual({
      pid: process.pid,
      threadId: w.worker.threadId,
      thisProcess: true,
    });
    expect(err.message).toContain(`thread ${w.worker.threadId}, another worker thread`);
    w.worker.postMessage('close');
    expect(await w.next()).toEqual({ closed: true });
    await w.exited;
    open(dir);
  });
});

describe('stale and live LOCKs', () => {
  it('a LOCK left by a dead process is taken over, in the old pid-only format too', () => {
    const dir = tempDir('lock-');
    writeLock(dir, { pid: deadPid(), start: '1' });
    const db = open(dir);
    expect(readLock(dir)).toMatchObject({ pid: process.pid, start: thisProcess().start });
    expect(readLock(dir).token).not.toBe('ab'.repeat(12));
    db.close();
    expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
    fs.writeFileSync(path.join(dir, 'LOCK'), String(deadPid()));
    open(dir);
    expect(readLock(dir).pid).toBe(process.pid);
    expect(strays(dir)).toEqual([]);
  });

  it('a LOCK with our pid but another start time is an earlier process: stale', () => {
    const dir = tempDir('lock-');
    const start = thisProcess().start;
    expect(start).not.toBeNull();
    writeLock(dir, { start: String(Number(start) + 1) });
    open(dir);
    expect(readLock(dir).start).toBe(start);
  });

  it('a LOCK with our pid and our start time is this process: refused, never stale', () => {
    const dir = tempDir('lock-');
    writeLock(dir, { thread: 7 });
    const err = locked(() => Database.open(dir));
    expect(err.holder).toEqual({ pid: process.pid, threadId: 7, thisProcess: true });
    expect(err.message).toContain('close the Database in that thread first');
    expect(readLock(dir).token).toBe('ab'.repeat(12));
    expect(strays(dir)).toEqual([]);
  });

  it('a live process holds its LOCK; the same pid with another start time or boot does not', () => {
    const dir = tempDir('lock-');
    const ppid = process.ppid;
    writeLock(dir, { pid: ppid, start: startTime(ppid), thread: 0 });
    const err = locked(() => Database.open(dir));
    expect(err.holder).toEqual({ pid: ppid, threadId: 0, thisProcess: false });
    expect(err.message).toContain(`in another process (pid ${ppid}, thread 0)`);
    expect(err.message).toContain('close the Database there, or stop that process');
    expect(fs.existsSync(path.join(dir, 'wal.log'))).toBe(false);
    expect(strays(dir)).toEqual([]);
    // The pid now belongs to another process (pids are reused): stale.
    writeLock(dir, { pid: ppid, start: String(Number(startTime(ppid)) + 1) });
    open(dir).close();
    // Written before a reboot: stale.
    writeLock(dir, { pid: ppid, start: startTime(ppid), boot: 'another-boot' });
    open(dir);
  });

  it('a zombie (killed, not yet reaped) holds nothing', async () => {
    const dir = tempDir('lock-');
    // sh starts the holder in the background, then becomes `sleep`, which never reaps it.
    const sh = spawn(
      'sh',
      [
        '-c',
        '"$0" --import tsx "$1" "$2" & exec sleep 60',
        process.execPath,
        path.join(fixtures, 'lock-holder.ts'),
        dir,
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const [line] = await lines(sh, 1);
      const pid = Number(/^held (\d+)$/.exec(line ?? '')?.[1]);
      expect(readLock(dir).pid).toBe(pid);
      locked(() => Database.open(dir));
      process.kill(pid, 'SIGKILL');
      await until(() => fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z '));
      open(dir);
      expect(readLock(dir).pid).toBe(process.pid);
    } finally {
      sh.kill('SIGKILL');
    }
  });

  it('close deletes the LOCK only while it is still ours', () => {
    const dir = tempDir('lock-');
    const db = open(dir);
    // A successor's LOCK (say, after someone removed ours by hand): close must leave it.
    writeLock(dir, { pid: process.ppid, start: startTime(process.ppid), token: 'cd'.repeat(12) });
    db.close();
    expect(readLock(dir).token).toBe('cd'.repeat(12));
  });

  it('reap files and dead temp files are swept by the next holder', () => {
    const dir = tempDir('lock-');
    const dead = deadPid();
    fs.writeFileSync(path.join(dir, `LOCK.${dead}.0123456789abcdef`), '{"half":');
    fs.writeFileSync(path.join(dir, 'LOCK.reap.0123456789abcdef01234567'), '');
    // A live process's temp file may be mid-link: left alone.
    const live = path.join(dir, `LOCK.${process.ppid}.fedcba9876543210`);
    fs.writeFileSync(live, '');
    open(dir);
    expect(strays(dir)).toEqual([path.basename(live)]);
  });

  it('a reaper killed mid-takeover passes the right on; a live one is waited for', () => {
    const dir = tempDir('lock-');
    const stale = 'ab'.repeat(12);
    writeLock(dir, { pid: deadPid(), token: stale });
    // A reaper that died holding the right to remove the stale LOCK.
    const reaper = { pid: deadPid(), start: '1', boot: null, thread: 0, token: 'ef'.repeat(12) };
    fs.writeFileSync(
      path.join(dir, `LOCK.reap.${stale}`),
      JSON.stringify({ ...reaper, reaps: stale }),
    );
    open(dir).close();
    expect(strays(dir)).toEqual([]);
    // A live reaper (our parent, say) is given time to finish; then the open gives up.
    writeLock(dir, { pid: deadPid(), token: stale });
    const live = { ...reaper, pid: process.ppid, start: startTime(process.ppid) };
    fs.writeFileSync(
      path.join(dir, `LOCK.reap.${stale}`),
      JSON.stringify({ ...live, reaps: stale }),
    );
    const t0 = Date.now();
    const err = locked(() => Database.open(dir));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
    expect(err.message).toContain(`another opener (pid ${process.ppid})`);
    expect(err.message).toContain('try again');
    expect(readLock(dir).token).toBe(stale);
    expect(strays(dir)).toEqual([`LOCK.reap.${stale}`]);
  });
});

describe('odd paths are typed errors', () => {
  it('the database path is a file', () => {
    const file = path.join(tempDir('lock-'), 'db');
    fs.writeFileSync(file, 'not a database');
    const err = invalidPath(() => Database.open(file));
    expect(err.path).toBe(file);
    expect(err.message).toBe(
      `${file} is a file, not a directory: a database is a directory (it holds wal.log and ` +
        `LOCK). Pass a directory path, or move that file away.`,
    );
    expect(fs.readFileSync(file, 'utf8')).toBe('not a database');
  });

  it('a parent of the database path is a file', () => {
    const file = path.join(tempDir('lock-'), 'f');
    fs.writeFileSync(file, '');
    const dir = path.join(file, 'sub', 'db');
    const err = invalidPath(() => Database.builder().path(dir).buffered().open());
    expect(err.path).toBe(file);
    expect(err.message).toContain(`can't create the database directory ${dir}: ${file} is a file`);
    expect(err.message).toContain(`move ${file} away`);
  });

  it('the database path is a dangling symlink', () => {
    const base = tempDir('lock-');
    const link = path.join(base, 'db');
    fs.symlinkSync(path.join(base, 'nowhere'), link);
    const err = invalidPath(() => Database.open(link));
    expect(err.path).toBe(link);
    expect(err.message).toContain('which does not exist. Create its target, or remove the link.');
  });

  it('wal.log is a directory: typed, the LOCK released, and the open works once it is moved', () => {
    const dir = tempDir('lock-');
    const wal = path.join(dir, 'wal.log');
    fs.mkdirSync(wal);
    const err = invalidPath(() => Database.open(dir));
    expect(err.path).toBe(wal);
    expect(err.message).toContain(
      `${wal} is a directory, but a database keeps its write-ahead log`,
    );
    expect(err.message).toContain('move that directory away and open again');
    expect(fs.readdirSync(dir)).toEqual(['wal.log']);
    fs.rmdirSync(wal);
    open(dir);
  });

  it('LOCK is a directory, or a symlink: typed, and no temp file left behind', () => {
    const dir = tempDir('lock-');
    const lock = path.join(dir, 'LOCK');
    fs.mkdirSync(lock);
    const err = invalidPath(() => Database.open(dir));
    expect(err.path).toBe(lock);
    expect(err.message).toBe(
      `${lock} is a directory, but a database's LOCK must be a file the engine creates; no ` +
        `Database uses it. Remove it (rmdir "${lock}") and open again.`,
    );
    expect(fs.readdirSync(dir)).toEqual(['LOCK']);
    fs.rmdirSync(lock);
    fs.symlinkSync(path.join(dir, 'elsewhere'), lock);
    expect(invalidPath(() => Database.open(dir)).message).toContain('is a symbolic link');
    expect(fs.readdirSync(dir)).toEqual(['LOCK']);
    fs.unlinkSync(lock);
    open(dir);
  });
});

// ---------------------------------------------------------------------------------------------
// The race loop

/** Resolves with the child's next `n` stdout lines. */
const readers = new WeakMap<ChildProcess, { queue: string[]; wake?: () => void; ended: boolean }>();
function lines(child: ChildProcess, n: number): Promise<string[]> {
  let r = readers.get(child);
  if (r === undefined) {
    const state: { queue: string[]; wake?: () => void; ended: boolean } = {
      queue: [],
      ended: false,
    };
    const rl = readline.createInterface({ input: child.stdout as NodeJS.ReadableStream });
    rl.on('line', (l) => {
      state.queue.push(l);
      state.wake?.();
    });
    rl.on('close', () => {
      state.ended = true;
      state.wake?.();
    });
    readers.set(child, state);
    r = state;
  }
  const reader = r;
  return (async () => {
    while (reader.queue.length < n) {
      if (reader.ended)
        throw new Error(`child ${child.pid} ended; got ${reader.queue.join(' | ')}`);
      await new Promise<void>((resolve) => (reader.wake = resolve));
    }
    return reader.queue.splice(0, n);
  })();
}

async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

interface Racer {
  child: ChildProcess;
  exited: Promise<unknown>;
}

const racers: Racer[] = [];
afterAll(() => {
  for (const r of racers) r.child.kill('SIGKILL');
});

/**
 * The racer, bundled with the engine into one self-contained file: a child started through tsx
 * takes over a second to boot on a 2-core box, a bundled one a few hundred ms, and the loop
 * starts one per SIGKILL.
 */
let racerBundle: string;
beforeAll(async () => {
  racerBundle = path.join(tempDir('lock-racer-'), 'lock-racer.mjs');
  await build({
    entryPoints: [path.join(fixtures, 'lock-racer.ts')],
    outfile: racerBundle,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'silent',
    // Bundled CommonJS dependencies (msgpackr) call require.
    banner: {
      js: "import { createRequire as lockTestRequire } from 'node:module'; const require = lockTestRequire(import.meta.url);",
    },
  });
});

async function startRacer(): Promise<Racer> {
  // fd 3 is the start line: a racer blocks reading it (see lock-racer.ts).
  const child = spawn(process.execPath, [racerBundle], {
    stdio: ['pipe', 'pipe', 'inherit', 'pipe'],
  });
  const racer = { child, exited: new Promise((resolve) => child.once('exit', resolve)) };
  racers.push(racer);
  expect(await lines(child, 1)).toEqual(['up']);
  return racer;
}

function send(r: Racer, cmd: object): void {
  (r.child.stdin as NodeJS.WritableStream).write(`${JSON.stringify(cmd)}\n`);
}

/**
 * The racers all open `dir` at once (released together through their fd 3); returns the holders. Checks that each answered held or
 * LOCKED, and that the marker files agree with the answers.
 */
async function race(contenders: Racer[], dir: string, scratch: string, round: string) {
  const markers = path.join(scratch, `held-${round}`);
  fs.mkdirSync(markers);
  for (const r of contenders) send(r, { op: 'race', dir, markers });
  for (const r of contenders) expect(await lines(r.child, 1)).toEqual(['ready']);
  for (const r of contenders) (r.child.stdio[3] as NodeJS.WritableStream).write('g');
  const holders: Racer[] = [];
  for (const r of contenders) {
    const [answer] = await lines(r.child, 1);
    if (answer === 'held') holders.push(r);
    else expect(answer).toBe('refused LOCKED');
  }
  expect(fs.readdirSync(markers).sort()).toEqual(holders.map((h) => String(h.child.pid)).sort());
  return holders;
}

describe('racing processes', () => {
  it('2-3 processes opening one directory at once: exactly one holds, also after SIGKILL', async () => {
    const ROUNDS = 150;
    const KILL_EVERY = 10;
    const scratch = tempDir('lock-race-');
    const pool = await Promise.all([startRacer(), startRacer(), startRacer()]);
    const counts: number[] = [];
    const takeovers: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const dir = path.join(scratch, `db-${round}`);
      const holders = await race(pool, dir, scratch, `${round}`);
      counts.push(holders.length);
      const holder = holders[0];
      if (holder === undefined || holders.length > 1) continue; // reported below
      expect(readLock(dir).pid).toBe(holder.child.pid);
      if (round % KILL_EVERY === KILL_EVERY - 1) {
        // The holder dies holding the LOCK; the other two race to take the stale lock over.
        holder.child.kill('SIGKILL');
        const replacement = startRacer();
        await holder.exited;
        const rivals = pool.filter((r) => r !== holder);
        const heirs = await race(rivals, dir, scratch, `${round}-stale`);
        takeovers.push(heirs.length);
        pool.splice(pool.indexOf(holder), 1, await replacement);
        const heir = heirs[0];
        if (heir === undefined || heirs.length > 1) continue;
        expect(readLock(dir).pid).toBe(heir.child.pid);
        send(heir, { op: 'close' });
        expect(await lines(heir.child, 1)).toEqual(['closed']);
      } else {
        send(holder, { op: 'close' });
        expect(await lines(holder.child, 1)).toEqual(['closed']);
      }
      expect(fs.readdirSync(dir)).toEqual(['wal.log']); // no LOCK, temp or reap file left
    }
    expect({ counts, takeovers }).toEqual({
      counts: counts.map(() => 1),
      takeovers: takeovers.map(() => 1),
    });
  });
});
