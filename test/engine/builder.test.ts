/**
 * Database.builder() and the three durability modes in one process: builder defaults,
 * chaining and getters; open() / openTemp(); Database.open(path) keeping M3's strict behaviour;
 * in-memory writing no file or directory at all; what each mode does (and does not do) on the
 * commit path; shutdown(); transactionWithDurability refusals; and the same atomicity,
 * consistency and isolation in all three modes.
 *
 * Crash behaviour (SIGKILL) is in durability-crash.test.ts.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ClosedError,
  ConflictError,
  Database,
  DatabaseBuilder,
  DurabilityMode,
  EventLog,
  InvalidArgumentError,
  KVStore,
  RunIndex,
  StateCell,
  TraceStore,
  newRunId,
  type RunId,
} from '../../engine/src/index.ts';

const WAL_HEADER_BYTES = 16;

const dirs: string[] = [];
const dbs: Database[] = [];

afterEach(() => {
  vi.restoreAllMocks();
  for (const db of dbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'inmem-builder-'));
  dirs.push(d);
  return d;
}

/** A path under the temp dir that does not exist (and is cleaned up if something creates it). */
function missingDir(): string {
  const d = path.join(os.tmpdir(), `inmem-never-${randomUUID()}`);
  dirs.push(d);
  expect(fs.existsSync(d)).toBe(false);
  return d;
}

function track(db: Database): Database {
  dbs.push(db);
  return db;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw, but it returned');
}

function walSize(db: Database): number {
  if (db.path === undefined) throw new Error('no path');
  return fs.statSync(path.join(db.path, 'wal.log')).size;
}

/**
 * Where the records in the WAL file end (a strict log preallocates zeros past them), found by
 * walking the record headers' lengths from the 16-byte file header.
 */
function walRecordsEnd(db: Database): number {
  if (db.path === undefined) throw new Error('no path');
  const data = fs.readFileSync(path.join(db.path, 'wal.log'));
  let offset = 16;
  while (offset + 12 <= data.length && data.readUInt32LE(offset + 8) !== 0) {
    offset += 12 + data.readUInt32LE(offset);
  }
  return offset;
}

/** Open file descriptors of this process. */
function openFds(): number {
  return fs.readdirSync('/proc/self/fd').length;
}

/**
 * Exercises all five primitives plus the raw Database API. Returns the run it used and the
 * number of write commits it made, so callers can check the data afterwards.
 */
function fullWorkload(db: Database): { run: RunId; kvKey: string; eventCount: number } {
  const runs = new RunIndex(db);
  const run = runs.createRun({ name: 'workload', tags: ['t1'], metadata: { n: 1 } }).runId;
  runs.addTags(run, ['t2']);

  const kv = new KVStore(db);
  kv.put(run, 'k1', { a: 1 });
  kv.put(run, 'k2', 'two');
  expect(kv.get(run, 'k1')).toEqual({ a: 1 });
  expect(kv.delete(run, 'k2')).toBe(true);
  expect(kv.delete(run, 'k2')).toBe(false);
  kv.transaction(run, (t) => {
    t.put('k3', 3);
    t.put('k4', [4n, new Uint8Array([4])]);
  });
  expect(kv.getMany(run, ['k1', 'k3'])).toEqual([{ a: 1 }, 3]);
  expect(kv.list(run).map(([k]) => k)).toEqual(['k1', 'k3', 'k4']);

  const events = new EventLog(db);
  for (let i = 0; i < 5; i++) events.append(run, i % 2 === 0 ? 'even' : 'odd', { i });
  expect(events.len(run)).toBe(5);
  expect(events.verifyChain(run).valid).toBe(true);
  expect(events.readByType(run, 'odd')).toHaveLength(2);

  const cells = new StateCell(db);
  expect(cells.init(run, 'c', 0)).toBe(1);
  expect(cells.cas(run, 'c', 1, 10)).toBe(2);
  expect(cells.set(run, 'c', 20)).toBe(3);
  expect(() => cells.cas(run, 'c', 1, 99)).toThrow(ConflictError);

  const traces = new TraceStore(db);
  const root = traces.record(run, { type: 'thought', content: 'hi' }, { tags: ['x'] });
  traces.recordChild(run, root, { type: 'toolCall', content: { tool: 'search' } });
  expect(traces.getTree(run, root)?.children).toHaveLength(1);
  expect(traces.queryByTag(run, 'x')).toHaveLength(1);

  db.put(run, 'raw/1', { v: 1 });
  db.put(run, 'raw/2', { v: 2 });
  expect(db.delete(run, 'raw/2')).toBe(true);
  db.transaction(run, (txn) => {
    txn.put('raw/a', 'a');
    txn.put('raw/b', 'b');
  });
  db.transactionWithDurability(run, db.durabilityMode, (txn) => txn.put('raw/c', 'c'));
  const snap = db.snapshot();
  expect(snap.get(run, 'raw/a')).toBe('a');
  snap.release();
  db.flush();

  runs.completeRun(run);
  expect(runs.queryRuns({ status: 'completed' }).map((r) => r.runId)).toEqual([run]);
  return { run, kvKey: 'k1', eventCount: 5 };
}

/** Checks what fullWorkload left behind (after a reopen in WAL modes). */
function checkWorkload(db: Database, w: { run: RunId; eventCount: number }): void {
  expect(new KVStore(db).get(w.run, 'k1')).toEqual({ a: 1 });
  expect(new KVStore(db).get(w.run, 'k2')).toBeUndefined();
  expect(new EventLog(db).len(w.run)).toBe(w.eventCount);
  expect(new EventLog(db).verifyChain(w.run).valid).toBe(true);
  expect(new StateCell(db).read(w.run, 'c')?.version).toBe(3);
  expect(new TraceStore(db).count(w.run)).toBe(2);
  expect(new RunIndex(db).getRun(w.run)?.status).toBe('completed');
  expect(db.get(w.run, 'raw/1')).toEqual({ v: 1 });
  expect(db.get(w.run, 'raw/2')).toBeUndefined();
  expect(db.get(w.run, 'raw/c')).toBe('c');
}

describe('DatabaseBuilder', () => {
  it('defaults to strict with no path', () => {
    const b = Database.builder();
    expect(b).toBeInstanceOf(DatabaseBuilder);
    expect(b.getDurability()).toEqual(DurabilityMode.strict());
    expect(b.getPath()).toBeUndefined();
  });

  it('chains, and the last call wins', () => {
    const b = Database.builder();
    expect(b.path('/tmp/a')).toBe(b);
    expect(b.inMemory()).toBe(b);
    expect(b.getDurability()).toEqual(DurabilityMode.inMemory());
    b.buffered();
    expect(b.getDurability()).toEqual(DurabilityMode.bufferedDefault());
    b.bufferedWith(7, 70);
    expect(b.getDurability()).toEqual(
      DurabilityMode.buffered({ flushIntervalMs: 7, maxPendingWrites: 70 }),
    );
    b.strict();
    expect(b.getDurability()).toEqual(DurabilityMode.strict());
    b.durability(DurabilityMode.buffered({ flushIntervalMs: 3, maxPendingWrites: 4 }));
    expect(b.getDurability()).toEqual({
      kind: 'buffered',
      flushIntervalMs: 3,
      maxPendingWrites: 4,
    });
    b.durability(DurabilityMode.inMemory()).bufferedWith(20, 7).strict().inMemory();
    expect(b.getDurability()).toEqual(DurabilityMode.inMemory());
    b.path('/tmp/b').path('/tmp/c');
    expect(b.getPath()).toBe('/tmp/c');
  });

  it('bufferedWith validates its knobs, naming the bad one, and keeps the previous mode', () => {
    const b = Database.builder().inMemory();
    const e1 = thrown(() => b.bufferedWith(0, 10));
    expect(e1).toBeInstanceOf(InvalidArgumentError);
    expect((e1 as Error).message).toMatch(/flushIntervalMs/);
    const e2 = thrown(() => b.bufferedWith(10, -1));
    expect(e2).toBeInstanceOf(InvalidArgumentError);
    expect((e2 as Error).message).toMatch(/maxPendingWrites/);
    for (const [ms, n] of [
      [1.5, 10],
      [Number.NaN, 10],
      [10, Number.POSITIVE_INFINITY],
    ] as const) {
      expect(() => b.bufferedWith(ms, n)).toThrow(InvalidArgumentError);
    }
    expect(b.getDurability()).toEqual(DurabilityMode.inMemory());
  });

  it('durability() validates a hand-made mode object', () => {
    const b = Database.builder();
    expect(() => b.durability({ kind: 'turbo' } as unknown as DurabilityMode)).toThrow(
      InvalidArgumentError,
    );
    expect(() =>
      b.durability({ kind: 'buffered', flushIntervalMs: 0, maxPendingWrites: 1 }),
    ).toThrow(/flushIntervalMs/);
    expect(b.getDurability()).toEqual(DurabilityMode.strict());
  });

  it('path() refuses an empty or non-string path', () => {
    expect(() => Database.builder().path('')).toThrow(InvalidArgumentError);
    expect(() => Database.builder().path(42 as unknown as string)).toThrow(InvalidArgumentError);
  });

  it('open() of a WAL mode without a path is refused, pointing at path() and openTemp()', () => {
    for (const b of [
      Database.builder(),
      Database.builder().strict(),
      Database.builder().buffered(),
      Database.builder().bufferedWith(5, 5),
    ]) {
      const err = thrown(() => b.open());
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as Error).message).toMatch(/path/);
      expect((err as Error).message).toMatch(/openTemp/);
    }
  });

  it('open() with a path opens in the chosen mode', () => {
    const dir = tempDir();
    const db = track(Database.builder().path(dir).bufferedWith(50, 500).open());
    expect(db.durabilityMode).toEqual(
      DurabilityMode.buffered({ flushIntervalMs: 50, maxPendingWrites: 500 }),
    );
    expect(db.path).toBe(path.resolve(dir));
    expect(fs.existsSync(path.join(dir, 'wal.log'))).toBe(true);
  });

  it('open() creates a missing directory for a WAL mode', () => {
    const dir = path.join(missingDir(), 'nested');
    const db = track(Database.builder().path(dir).strict().open());
    expect(fs.existsSync(path.join(dir, 'wal.log'))).toBe(true);
    expect(db.durabilityMode).toEqual(DurabilityMode.strict());
  });

  it.each([
    ['strict', DurabilityMode.strict()],
    ['buffered', DurabilityMode.bufferedDefault()],
  ])('openTemp() in %s mode makes a unique temp dir that close() removes', (_name, mode) => {
    const a = Database.builder().durability(mode).openTemp();
    const b = Database.builder().durability(mode).openTemp();
    try {
      // fs.mkdtemp's six random characters after the engine's prefix.
      expect(path.basename(a.path ?? '')).toMatch(/^inmem-[A-Za-z0-9]{6}$/);
      expect(path.basename(b.path ?? '')).toMatch(/^inmem-[A-Za-z0-9]{6}$/);
      expect(a.path).not.toBe(b.path);
      for (const db of [a, b]) {
        const p = db.path as string;
        expect(path.dirname(p)).toBe(path.resolve(os.tmpdir()));
        expect(fs.existsSync(path.join(p, 'wal.log'))).toBe(true);
        expect(db.durabilityMode).toEqual(mode);
      }
      const run = newRunId();
      a.put(run, 'k', 1);
      expect(b.get(run, 'k')).toBeUndefined();
    } finally {
      a.close();
      b.close();
    }
    expect(fs.existsSync(a.path as string)).toBe(false);
    expect(fs.existsSync(b.path as string)).toBe(false);
    // close() is idempotent, also for the removal.
    a.close();
  });

  it('openTemp() after shutdown(): the dir stays until close()', () => {
    const db = Database.builder().openTemp();
    db.put(newRunId(), 'k', 1);
    db.shutdown();
    expect(fs.existsSync(db.path as string)).toBe(true);
    db.close();
    expect(fs.existsSync(db.path as string)).toBe(false);
  });

  it('openTemp() in memory creates no directory', () => {
    const mkdtemp = vi.spyOn(fs, 'mkdtempSync');
    const mkdir = vi.spyOn(fs, 'mkdirSync');
    const db = Database.builder().inMemory().openTemp();
    expect(db.path).toBeUndefined();
    db.put(newRunId(), 'k', 1);
    db.close();
    expect(mkdtemp).not.toHaveBeenCalled();
    expect(mkdir).not.toHaveBeenCalled();
  });
});

describe('Database.open(path) keeps the M3 behaviour', () => {
  it('is strict, and M3-style code with the primitives works across a reopen', () => {
    const dir = tempDir();
    let db = Database.open(dir);
    expect(db.durabilityMode).toEqual(DurabilityMode.strict());
    expect(db.path).toBe(path.resolve(dir));
    const w = fullWorkload(db);
    checkWorkload(db, w);
    expect(db.stats().pendingCommits).toBe(0);
    db.close();
    db = Database.open(dir);
    try {
      checkWorkload(db, w);
      expect(db.recovery.records).toBeGreaterThan(10);
    } finally {
      db.close();
    }
  });

  it('fsyncs every commit before it returns', () => {
    const dir = tempDir();
    const db = track(Database.open(dir));
    const run = newRunId();
    const fsync = vi.spyOn(fs, 'fdatasyncSync');
    for (let i = 1; i <= 5; i++) {
      db.transaction(run, (txn) => txn.put(`k${i}`, i));
      expect(fsync).toHaveBeenCalledTimes(2 * i - 1);
      db.put(run, `p${i}`, i);
      expect(fsync).toHaveBeenCalledTimes(2 * i);
      expect(walRecordsEnd(db)).toBe(db.stats().walBytes);
      expect(db.stats().pendingCommits).toBe(0);
    }
  });

  it('a database written by one mode opens in another (same WAL)', () => {
    const dir = tempDir();
    const run = newRunId();
    let db = Database.builder().path(dir).bufferedWith(3_600_000, 1_000_000).open();
    db.put(run, 'a', 1);
    db.close();
    db = Database.open(dir);
    expect(db.get(run, 'a')).toBe(1);
    db.put(run, 'b', 2);
    db.close();
    db = Database.builder().path(dir).buffered().open();
    expect(db.get(run, 'b')).toBe(2);
    db.close();
  });

  it('does not leak file descriptors across open/close cycles', async () => {
    const dir = tempDir();
    const run = newRunId();
    // Warm up lazily opened handles (e.g. the worker machinery) once.
    let db = Database.builder().path(dir).bufferedWith(5, 2).open();
    db.put(run, 'warm', 1);
    db.put(run, 'warm', 2);
    db.close();
    await new Promise((r) => setTimeout(r, 100));
    const before = openFds();
    for (let i = 0; i < 10; i++) {
      db = Database.open(dir);
      db.put(run, `s${i}`, i);
      db.close();
      db = Database.builder().path(dir).bufferedWith(5, 2).open();
      db.put(run, `b${i}`, i);
      db.put(run, `c${i}`, i); // reaches maxPendingWrites: the flusher thread starts
      db.close();
    }
    // The flusher thread closes its own descriptor asynchronously after shutdown.
    await vi.waitFor(() => expect(openFds()).toBeLessThanOrEqual(before), {
      timeout: 5_000,
      interval: 50,
    });
  });
});

describe('InMemory writes no file or directory at all', () => {
  it('builder().path(missing).inMemory().open() + a full workload leaves the dir absent', () => {
    const dir = missingDir();
    const b = Database.builder().path(dir).inMemory();
    expect(b.getPath()).toBe(dir);
    const db = b.open();
    expect(db.path).toBeUndefined();
    expect(db.durabilityMode).toEqual(DurabilityMode.inMemory());
    const w = fullWorkload(db);
    checkWorkload(db, w);
    expect(db.stats().walBytes).toBe(0);
    expect(db.stats().pendingCommits).toBe(0);
    expect(db.recovery.records).toBe(0);
    db.shutdown();
    db.close();
    expect(fs.existsSync(dir)).toBe(false);
    // A second in-memory open of the same "path" starts empty: nothing was kept anywhere.
    const again = Database.builder().path(dir).inMemory().open();
    expect(again.runIds()).toEqual([]);
    again.close();
    expect(fs.existsSync(dir)).toBe(false);
  });

  const FS_WRITERS = [
    'openSync',
    'writeSync',
    'writeFileSync',
    'appendFileSync',
    'mkdirSync',
    'mkdtempSync',
    'fdatasyncSync',
    'fsyncSync',
    'ftruncateSync',
    'truncateSync',
    'rmSync',
    'renameSync',
  ] as const;

  function spyAll(): Array<{ name: string; calls: () => number }> {
    return FS_WRITERS.map((name) => {
      const spy = vi.spyOn(fs, name);
      return { name, calls: () => spy.mock.calls.length };
    });
  }

  it('the fs spies see a strict database (positive control)', () => {
    const dir = tempDir();
    const spies = spyAll();
    const db = Database.builder().path(dir).strict().open();
    db.put(newRunId(), 'k', 1);
    db.close();
    const called = spies.filter((s) => s.calls() > 0).map((s) => s.name);
    expect(called).toEqual(expect.arrayContaining(['openSync', 'writeSync', 'fdatasyncSync']));
  });

  it('no fs write call at all during an in-memory open + workload + close', () => {
    const dir = missingDir();
    const spies = spyAll();
    const db = Database.builder().path(dir).inMemory().open();
    const w = fullWorkload(db);
    db.transactionWithDurability(w.run, DurabilityMode.inMemory(), (txn) => txn.put('x', 1));
    db.close();
    const mem = Database.builder().inMemory().openTemp();
    mem.put(w.run, 'k', 1);
    mem.close();
    const called = spies.filter((s) => s.calls() > 0).map((s) => `${s.name} x${s.calls()}`);
    expect(called).toEqual([]);
    expect(fs.existsSync(dir)).toBe(false);
  });
});

describe('the modes on the commit path (in process)', () => {
  it('buffered: a commit touches no file until a knob fires; flush() writes and fsyncs', () => {
    const dir = tempDir();
    const db = track(Database.builder().path(dir).bufferedWith(3_600_000, 1_000_000).open());
    const run = newRunId();
    const write = vi.spyOn(fs, 'writeSync');
    const fsync = vi.spyOn(fs, 'fdatasyncSync');
    for (let i = 0; i < 20; i++) db.put(run, `k${i}`, i);
    db.transaction(run, (txn) => {
      txn.put('a', 1);
      txn.put('b', 2);
    });
    expect(write).not.toHaveBeenCalled();
    expect(fsync).not.toHaveBeenCalled();
    expect(walSize(db)).toBe(WAL_HEADER_BYTES);
    expect(db.stats().pendingCommits).toBe(21);
    expect(db.stats().walBytes).toBeGreaterThan(WAL_HEADER_BYTES);
    db.flush();
    expect(fsync).toHaveBeenCalledTimes(1);
    expect(db.stats().pendingCommits).toBe(0);
    expect(walSize(db)).toBe(db.stats().walBytes);
  });

  it('buffered: graceful close flushes everything', () => {
    const dir = tempDir();
    const run = newRunId();
    let db = Database.builder().path(dir).bufferedWith(3_600_000, 1_000_000).open();
    for (let i = 0; i < 50; i++) db.put(run, `k${i}`, i);
    expect(walSize(db)).toBe(WAL_HEADER_BYTES);
    db.close();
    db = Database.open(dir);
    try {
      expect(db.list(run)).toHaveLength(50);
      expect(db.recovery.records).toBe(50);
    } finally {
      db.close();
    }
  });

  it('buffered: maxPendingWrites hands a batch to the flusher, which writes it off-thread', async () => {
    const dir = tempDir();
    const db = track(Database.builder().path(dir).bufferedWith(3_600_000, 10).open());
    const run = newRunId();
    for (let i = 0; i < 9; i++) db.put(run, `k${i}`, i);
    expect(db.stats().pendingCommits).toBe(9);
    const sizeAt9 = db.stats().walBytes;
    db.put(run, 'k9', 9); // the 10th pending commit
    const sizeAt10 = db.stats().walBytes;
    await vi.waitFor(() => expect(walSize(db)).toBe(sizeAt10), { timeout: 5_000, interval: 10 });
    expect(sizeAt10).toBeGreaterThan(sizeAt9);
    await vi.waitFor(() => expect(db.stats().pendingCommits).toBe(0), { timeout: 5_000 });
    db.put(run, 'k10', 10);
    expect(db.stats().pendingCommits).toBe(1);
  });

  it('buffered: the interval timer flushes an idle buffer', async () => {
    const dir = tempDir();
    const db = track(Database.builder().path(dir).bufferedWith(20, 1_000_000).open());
    const run = newRunId();
    db.put(run, 'a', 1);
    db.put(run, 'b', 2);
    expect(walSize(db)).toBe(WAL_HEADER_BYTES);
    const target = db.stats().walBytes;
    await vi.waitFor(() => expect(walSize(db)).toBe(target), { timeout: 5_000, interval: 10 });
    await vi.waitFor(() => expect(db.stats().pendingCommits).toBe(0), { timeout: 5_000 });
  });

  it('buffered: a strict commit is on disk when it returns, with everything before it', () => {
    const dir = tempDir();
    const db = track(Database.builder().path(dir).bufferedWith(3_600_000, 1_000_000).open());
    const run = newRunId();
    for (let i = 0; i < 10; i++) db.put(run, `k${i}`, i);
    expect(walSize(db)).toBe(WAL_HEADER_BYTES);
    const fsync = vi.spyOn(fs, 'fdatasyncSync');
    const out = db.transactionWithDurability(run, DurabilityMode.strict(), (txn) => {
      txn.put('strict', true);
      return 'done';
    });
    expect(out).toBe('done');
    expect(fsync).toHaveBeenCalledTimes(1);
    expect(db.stats().pendingCommits).toBe(0);
    expect(walSize(db)).toBe(db.stats().walBytes);
    // Later buffered commits are buffered again.
    db.put(run, 'after', 1);
    expect(db.stats().pendingCommits).toBe(1);
    expect(walSize(db)).toBeLessThan(db.stats().walBytes);
  });

  it('strict: a buffered override is written but fsynced only at the next flush', () => {
    const dir = tempDir();
    const db = track(Database.open(dir));
    const run = newRunId();
    const fsync = vi.spyOn(fs, 'fdatasyncSync');
    db.transactionWithDurability(run, DurabilityMode.bufferedDefault(), (txn) => txn.put('a', 1));
    expect(fsync).not.toHaveBeenCalled();
    expect(walRecordsEnd(db)).toBe(db.stats().walBytes);
    expect(db.stats().pendingCommits).toBe(1);
    db.flush();
    expect(fsync).toHaveBeenCalledTimes(1);
    expect(db.stats().pendingCommits).toBe(0);
    db.transactionWithDurability(run, DurabilityMode.bufferedDefault(), (txn) => txn.put('b', 1));
    db.put(run, 'c', 1); // a strict commit syncs the earlier buffered one too
    expect(fsync).toHaveBeenCalledTimes(2);
    expect(db.stats().pendingCommits).toBe(0);
  });
});

describe('shutdown()', () => {
  it.each([
    ['strict', DurabilityMode.strict()],
    ['buffered', DurabilityMode.bufferedDefault()],
    ['inMemory', DurabilityMode.inMemory()],
  ])('%s: is idempotent, close() calls it, and use afterwards is ClosedError', (_n, mode) => {
    const db = Database.builder().durability(mode).openTemp();
    const run = newRunId();
    db.put(run, 'k', 1);
    const open = db.begin(run);
    open.put('x', 1);
    db.shutdown();
    db.shutdown();
    expect(db.isOpen).toBe(false);
    expect(open.state).toBe('aborted');
    expect(() => open.commit()).toThrow(ClosedError);
    const uses: Array<() => unknown> = [
      () => db.put(run, 'k', 2),
      () => db.delete(run, 'k'),
      () => db.get(run, 'k'),
      () => db.list(run),
      () => db.begin(run),
      () => db.transaction(run, (t) => t.put('y', 1)),
      () => db.transactionWithDurability(run, mode, (t) => t.put('y', 1)),
      () => db.snapshot(),
      () => db.flush(),
      () => new KVStore(db).put(run, 'z', 1),
    ];
    for (const use of uses) expect(thrown(use)).toBeInstanceOf(ClosedError);
    db.close();
    db.close();
    db.shutdown();
    if (db.path !== undefined) expect(fs.existsSync(db.path)).toBe(false);
  });

  it('waits for the batch in flight before it returns', () => {
    const dir = tempDir();
    const run = newRunId();
    const db = Database.builder().path(dir).bufferedWith(3_600_000, 50).open();
    for (let i = 0; i < 50; i++) db.put(run, `k${i}`, i);
    // The 50th commit handed the batch to a flusher thread that is only now starting up.
    expect(db.stats().pendingCommits).toBe(50);
    const expected = db.stats().walBytes;
    db.shutdown();
    expect(walSize(db)).toBe(expected);
    expect(db.stats().pendingCommits).toBe(0);
    db.close();
  });

  it('close() flushes through shutdown(), and shutdown() releases the directory lock', () => {
    const dir = tempDir();
    const run = newRunId();
    const db = Database.builder().path(dir).bufferedWith(3_600_000, 1_000_000).open();
    db.put(run, 'k', 1);
    db.shutdown();
    expect(walSize(db)).toBe(db.stats().walBytes);
    const again = Database.open(dir); // the lock is free
    expect(again.get(run, 'k')).toBe(1);
    again.close();
    db.close();
  });
});

describe('transactionWithDurability refusals', () => {
  it('inMemory override in a WAL database is refused, with nothing written', () => {
    for (const mode of [DurabilityMode.strict(), DurabilityMode.bufferedDefault()]) {
      const db = track(Database.builder().durability(mode).openTemp());
      const run = newRunId();
      db.put(run, 'before', 1);
      db.flush();
      const size = walSize(db);
      const stats = db.stats();
      const body = vi.fn(() => undefined);
      const err = thrown(() => db.transactionWithDurability(run, DurabilityMode.inMemory(), body));
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as Error).message).toMatch(/inMemory/);
      expect(body).not.toHaveBeenCalled();
      expect(db.stats()).toEqual(stats);
      expect(walSize(db)).toBe(size);
      expect(db.list(run)).toEqual([['before', 1]]);
    }
  });

  it('a WAL override in an in-memory database is refused, with nothing written', () => {
    const dir = missingDir();
    const db = track(Database.builder().path(dir).inMemory().open());
    const run = newRunId();
    db.put(run, 'before', 1);
    const stats = db.stats();
    for (const mode of [DurabilityMode.strict(), DurabilityMode.bufferedDefault()]) {
      const body = vi.fn(() => undefined);
      const err = thrown(() => db.transactionWithDurability(run, mode, body));
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as Error).message).toMatch(/in-memory|inMemory/);
      expect(body).not.toHaveBeenCalled();
    }
    expect(db.stats()).toEqual(stats);
    expect(db.list(run)).toEqual([['before', 1]]);
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('a malformed override is refused before the body runs', () => {
    const db = track(Database.builder().inMemory().open());
    const body = vi.fn(() => undefined);
    expect(() =>
      db.transactionWithDurability(newRunId(), { kind: 'nope' } as unknown as DurabilityMode, body),
    ).toThrow(InvalidArgumentError);
    expect(body).not.toHaveBeenCalled();
  });
});

const MODES: Array<[string, DurabilityMode]> = [
  ['inMemory', DurabilityMode.inMemory()],
  ['buffered', DurabilityMode.buffered({ flushIntervalMs: 5, maxPendingWrites: 3 })],
  ['strict', DurabilityMode.strict()],
];

describe.each(MODES)('ACI semantics in %s mode', (name, mode) => {
  function open(): Database {
    return track(Database.builder().durability(mode).openTemp());
  }

  it('first committer wins on a read-write conflict', () => {
    const db = open();
    const run = newRunId();
    db.put(run, 'x', 0);
    const t1 = db.begin(run);
    const t2 = db.begin(run);
    t1.put('x', (t1.get('x') as number) + 1);
    t2.put('x', (t2.get('x') as number) + 10);
    t1.commit();
    expect(thrown(() => t2.commit())).toBeInstanceOf(ConflictError);
    expect(t2.state).toBe('aborted');
    expect(db.get(run, 'x')).toBe(1);
    expect(db.stats().conflicts).toBe(1);
  });

  it('first committer wins on blind writes, and against db.put', () => {
    const db = open();
    const run = newRunId();
    const t1 = db.begin(run);
    const t2 = db.begin(run);
    t1.put('y', 'one');
    t2.put('y', 'two');
    t2.commit();
    expect(() => t1.commit()).toThrow(ConflictError);
    expect(db.get(run, 'y')).toBe('two');

    const t3 = db.begin(run);
    t3.put('z', 'txn');
    db.put(run, 'z', 'fast path');
    expect(() => t3.commit()).toThrow(ConflictError);
    expect(db.get(run, 'z')).toBe('fast path');
  });

  it('a multi-key commit is atomic: all keys or none', () => {
    const db = open();
    const run = newRunId();
    const v0 = db.version;
    db.transaction(run, (txn) => {
      for (const k of ['a', 'b', 'c']) txn.put(k, k.toUpperCase());
    });
    expect(db.version).toBe(v0 + 1);
    expect(['a', 'b', 'c'].map((k) => db.getVersion(run, k))).toEqual([v0 + 1, v0 + 1, v0 + 1]);

    // A body that throws midway writes nothing.
    expect(() =>
      db.transaction(run, (txn) => {
        txn.put('d', 1);
        txn.put('a', 'changed');
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(db.get(run, 'd')).toBeUndefined();
    expect(db.get(run, 'a')).toBe('A');

    // A conflicting multi-key commit writes none of its keys.
    const t = db.begin(run);
    t.put('e', 1);
    t.put('f', 2);
    t.put('b', 'mine');
    db.put(run, 'b', 'theirs');
    expect(() => t.commit()).toThrow(ConflictError);
    expect(db.get(run, 'e')).toBeUndefined();
    expect(db.get(run, 'f')).toBeUndefined();
    expect(db.get(run, 'b')).toBe('theirs');
    expect(db.version).toBe(v0 + 2);
  });

  it('reads come from the snapshot taken at begin', () => {
    const db = open();
    const run = newRunId();
    db.transaction(run, (txn) => {
      txn.put('p/1', 1);
      txn.put('p/2', 2);
    });
    const reader = db.begin(run);
    const snap = db.snapshot();
    db.transaction(run, (txn) => {
      txn.put('p/1', 100);
      txn.put('p/3', 3);
      txn.delete('p/2');
    });
    expect(reader.get('p/1')).toBe(1);
    expect(reader.get('p/2')).toBe(2);
    expect(reader.get('p/3')).toBeUndefined();
    expect(reader.list('p/')).toEqual([
      ['p/1', 1],
      ['p/2', 2],
    ]);
    expect(snap.list(run, 'p/')).toEqual([
      ['p/1', 1],
      ['p/2', 2],
    ]);
    expect(db.list(run, 'p/')).toEqual([
      ['p/1', 100],
      ['p/3', 3],
    ]);
    reader.commit(); // read-only: nothing to conflict with
    expect(db.stats().readOnlyCommits).toBe(1);
    snap.release();
  });

  it('survives a graceful close and reopen as its mode promises', () => {
    const dir = path.join(tempDir(), 'db');
    const run = newRunId();
    let db = Database.builder().path(dir).durability(mode).open();
    for (let i = 0; i < 10; i++) {
      db.transaction(run, (txn) => {
        txn.put(`k${i}/a`, i);
        txn.put(`k${i}/b`, i);
      });
    }
    db.close();
    db = Database.builder().path(dir).durability(mode).open();
    try {
      expect(db.list(run)).toHaveLength(name === 'inMemory' ? 0 : 20);
      expect(fs.existsSync(dir)).toBe(name !== 'inMemory');
    } finally {
      db.close();
    }
  });
});
