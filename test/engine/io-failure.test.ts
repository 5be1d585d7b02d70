/**
 * What a commit does when the disk fails under it, per mode. The failures are injected by
 * replacing node:fs's writeSync / fdatasyncSync (the engine calls them through the same module
 * object), so each case is deterministic.
 *
 *   write() fails (ENOSPC)    the record is cut back off the file, the commit throws IoError and
 *                             changes nothing; a strict database goes on.
 *   fdatasync() fails (EIO)   the commit throws IoError and changes nothing, and the log is
 *                             poisoned: every later commit throws until the database is
 *                             reopened (after EIO nobody knows what reached the disk).
 *   buffered                  a failed foreground flush poisons too: the acknowledged commits of
 *                             that batch went with it.
 * Every case ends by reopening the directory and checking that recovery sees exactly the
 * commits that were acknowledged as durable, with no torn tail.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { InMemError } from '../../engine/src/index.ts';
import { Database, DurabilityMode, IoError, newRunId, type RunId } from '../../engine/src/index.ts';

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'inmem-iofail-'));
  dirs.push(d);
  return d;
}

function errno(code: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected ${syscall} failure`), { code, syscall });
}

/** The next fdatasync (only) fails with EIO. */
function failNextFsync(): void {
  vi.spyOn(fs, 'fdatasyncSync').mockImplementationOnce(() => {
    throw errno('EIO', 'fdatasync');
  });
}

/** The next write lands its first half, then the one after it fails with ENOSPC. */
function failNextWriteHalfway(): void {
  const real = fs.writeSync.bind(fs) as (...args: unknown[]) => number;
  let calls = 0;
  vi.spyOn(fs, 'writeSync').mockImplementation(((...args: unknown[]) => {
    calls++;
    const [fd, buf, offset, length, position] = args as [number, Buffer, number, number, number];
    if (calls === 1) return real(fd, buf, offset, Math.max(1, Math.floor(length / 2)), position);
    if (calls === 2) throw errno('ENOSPC', 'write');
    return real(...args);
  }) as typeof fs.writeSync);
}

/** What `fn` throws (undefined when it returns). */
function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  return undefined;
}

function walSize(dir: string): number {
  return fs.statSync(path.join(dir, 'wal.log')).size;
}

/** Reopens `dir` and returns key -> value for `runId`, checking the log ended cleanly. */
function reopen(dir: string, runId: RunId): Record<string, unknown> {
  const db = Database.open(dir);
  try {
    expect(db.recovery.truncatedBytes).toBe(0);
    return Object.fromEntries(db.list(runId, ''));
  } finally {
    db.close();
  }
}

describe('strict', () => {
  it('a failed write: IoError, nothing changed, the record cut back, the database goes on', () => {
    const dir = tempDir();
    const run = newRunId();
    const db = Database.builder().path(dir).strict().open();
    db.put(run, 'a', 1);
    const size = walSize(dir);
    failNextWriteHalfway();
    expect(() => db.put(run, 'a', 2)).toThrow(IoError);
    vi.restoreAllMocks();
    expect(db.get(run, 'a')).toBe(1);
    expect(db.stats().commits).toBe(1);
    expect(walSize(dir)).toBe(size);
    // ENOSPC left nothing half-written behind, so later commits are safe.
    db.put(run, 'b', 3);
    db.close();
    expect(reopen(dir, run)).toEqual({ a: 1, b: 3 });
  });

  it('a failed fsync: IoError with its code, nothing changed, then every commit refused', () => {
    const dir = tempDir();
    const run = newRunId();
    const db = Database.builder().path(dir).strict().open();
    db.put(run, 'a', 1);
    const size = walSize(dir);
    failNextFsync();
    const thrown = thrownBy(() =>
      db.transaction(run, (txn) => {
        txn.put('a', 2);
        txn.put('b', 2);
      }),
    );
    expect(thrown).toBeInstanceOf(IoError);
    expect((thrown as InMemError).code).toBe('IO');
    expect((thrown as Error).message).toMatch(/fsync of the WAL .* failed: .*EIO/);
    expect(db.get(run, 'a')).toBe(1);
    expect(db.get(run, 'b')).toBeUndefined();
    expect(walSize(dir)).toBe(size);
    // Poisoned: fsync works again, but the log can't know what the failed one lost.
    // The refusal carries the failed fsync's error, and that its system error.
    const refusal = thrownBy(() => db.put(run, 'c', 3));
    expect(refusal).toBeInstanceOf(IoError);
    expect((refusal as Error).message).toMatch(
      /accepts no more commits: an earlier fsync failed \(EIO: injected fdatasync failure\).*Reopen/,
    );
    expect((refusal as Error).cause).toBe(thrown);
    expect(() => db.flush()).toThrow(IoError);
    expect(((thrown as Error).cause as NodeJS.ErrnoException).code).toBe('EIO');
    expect(db.get(run, 'c')).toBeUndefined();
    // The failure was thrown already: close releases everything without throwing it again.
    db.close();
    expect(db.isOpen).toBe(false);
    expect(reopen(dir, run)).toEqual({ a: 1 });
    // Reopening is the way back.
    const again = Database.open(dir);
    again.put(run, 'c', 3);
    again.close();
    expect(reopen(dir, run)).toEqual({ a: 1, c: 3 });
  });

  it('a failed fsync of earlier buffered-override commits poisons too', () => {
    const dir = tempDir();
    const run = newRunId();
    const db = Database.builder().path(dir).strict().open();
    db.transactionWithDurability(run, DurabilityMode.bufferedDefault(), (txn) => txn.put('x', 1));
    expect(db.stats().pendingCommits).toBe(1);
    failNextFsync();
    expect(() => db.flush()).toThrow(IoError);
    expect(() => db.put(run, 'y', 2)).toThrow(IoError);
    db.close();
  });
});

describe('buffered', () => {
  const NEVER = DurabilityMode.buffered({ flushIntervalMs: 3_600_000, maxPendingWrites: 1e6 });

  it('a failed fsync of a strict commit: IoError, the database refuses further commits', () => {
    const dir = tempDir();
    const run = newRunId();
    const db = Database.builder().path(dir).durability(NEVER).open();
    db.put(run, 'durable', 0);
    db.flush();
    const size = walSize(dir);
    db.put(run, 'pending', 1); // acknowledged, buffered
    failNextFsync();
    expect(() =>
      db.transactionWithDurability(run, DurabilityMode.strict(), (txn) => txn.put('s', 2)),
    ).toThrow(IoError);
    vi.restoreAllMocks();
    expect(db.get(run, 's')).toBeUndefined();
    // The batch (the buffered commit with it) was cut back off the file.
    expect(walSize(dir)).toBe(size);
    expect(() => db.put(run, 'later', 3)).toThrow(
      /accepts no more commits: a flush .* failed \(EIO: injected fdatasync failure\).*Reopen/,
    );
    db.close();
    expect(reopen(dir, run)).toEqual({ durable: 0 });
  });

  it('a failed write during flush(): IoError, poisoned, close does not throw it twice', () => {
    const dir = tempDir();
    const run = newRunId();
    const db = Database.builder().path(dir).durability(NEVER).open();
    db.put(run, 'durable', 0);
    db.flush();
    const size = walSize(dir);
    for (let i = 0; i < 5; i++) db.put(run, `p${i}`, i);
    failNextWriteHalfway();
    expect(() => db.flush()).toThrow(/writing the WAL .* failed: .*ENOSPC/);
    vi.restoreAllMocks();
    expect(walSize(dir)).toBe(size);
    expect(() => db.put(run, 'later', 1)).toThrow(IoError);
    db.close();
    expect(db.isOpen).toBe(false);
    expect(reopen(dir, run)).toEqual({ durable: 0 });
  });
});

/**
 * The flusher thread hangs: the previous batch never lands. Simulated by making this log's
 * "last flushed batch" slot read 0 and Atomics.wait move a fake clock past the 30 s deadline
 * (only for the commit log's 2-slot shared state array; everything else reaches the real ones).
 */
function hangFlusher(): void {
  const realLoad = Atomics.load.bind(Atomics) as (a: Int32Array, i: number) => number;
  const realWait = Atomics.wait.bind(Atomics) as (
    a: Int32Array,
    i: number,
    v: number,
    t?: number,
  ) => string;
  const realNow = Date.now.bind(Date);
  const isLogState = (a: unknown): boolean =>
    a instanceof Int32Array && a.length === 2 && a.buffer instanceof SharedArrayBuffer;
  let skew = 0;
  vi.spyOn(Date, 'now').mockImplementation(() => realNow() + skew);
  vi.spyOn(Atomics, 'load').mockImplementation(((a: Int32Array, i: number) =>
    isLogState(a) && i === 0 ? 0 : realLoad(a, i)) as typeof Atomics.load);
  vi.spyOn(Atomics, 'wait').mockImplementation(((
    a: Int32Array,
    i: number,
    v: number,
    t?: number,
  ) => {
    if (!isLogState(a)) return realWait(a, i, v, t);
    skew += 40_000;
    return 'timed-out';
  }) as typeof Atomics.wait);
}

describe('buffered: the flusher does not finish in time', () => {
  it('the commit that waited throws IoError and leaves no record behind', () => {
    const dir = tempDir();
    const run = newRunId();
    const mode = DurabilityMode.buffered({ flushIntervalMs: 3_600_000, maxPendingWrites: 2 });
    const db = Database.builder().path(dir).durability(mode).open();
    db.put(run, 'a', 1);
    db.put(run, 'b', 2); // batch 1 handed off
    hangFlusher();
    db.put(run, 'c', 3); // pending
    expect(() => db.put(run, 'd', 4)).toThrow(/flusher did not finish within/);
    vi.restoreAllMocks();
    expect(db.get(run, 'd')).toBeUndefined();
    // Not poisoned: the next commit, with the flusher back, goes through.
    db.put(run, 'e', 5);
    db.close();
    // Without taking d's record back, e would be logged with d's version: CorruptionError here.
    expect(reopen(dir, run)).toEqual({ a: 1, b: 2, c: 3, e: 5 });
  });

  it('the interval timer neither blocks on it nor throws; it hands off once the flusher is back', async () => {
    const dir = tempDir();
    const run = newRunId();
    const mode = DurabilityMode.buffered({ flushIntervalMs: 20, maxPendingWrites: 1e6 });
    const db = Database.builder().path(dir).durability(mode).open();
    db.put(run, 'x', 1);
    await vi.waitFor(() => expect(db.stats().pendingCommits).toBe(0), { timeout: 5_000 });
    const size = walSize(dir);
    hangFlusher();
    db.put(run, 'y', 2);
    // Several timer ticks while the previous batch "hangs": no wait, no hand-off behind it.
    await new Promise((r) => setTimeout(r, 150));
    expect(vi.mocked(Atomics.wait).mock.calls.length).toBe(0);
    expect(walSize(dir)).toBe(size);
    vi.restoreAllMocks();
    // The flusher is back: the timer hands y off by itself, no commit needed.
    await vi.waitFor(() => expect(db.stats().pendingCommits).toBe(0), { timeout: 5_000 });
    expect(walSize(dir)).toBeGreaterThan(size);
    db.put(run, 'z', 3);
    db.close();
    expect(reopen(dir, run)).toEqual({ x: 1, y: 2, z: 3 });
  });
});
