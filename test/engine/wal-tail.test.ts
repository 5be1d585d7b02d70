/**
 * The WAL's tail: a run of zero bytes after the last whole record is space that was allocated
 * but never written (a filesystem after a power loss, or the strict log's preallocation), so
 * recovery cuts it; zeros with anything else after them, or a damaged record that is not a
 * write cut short by the zeros, stay CorruptionError. A strict log preallocates ahead of its
 * records, trims on close, and a SIGKILL inside preallocated space loses no acknowledged commit.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CorruptionError,
  Database,
  IoError,
  newRunId,
  type RunId,
  type Value,
} from '../../engine/src/index.ts';
import { FILE_HEADER_BYTES, RECORD_HEADER_BYTES, WAL_FILE } from '../../engine/src/wal.ts';
import { tempDir } from '../temp-dirs.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const writerScript = path.resolve(here, '../fixtures/commit-writer.ts');

const openDbs: Database[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const db of openDbs.splice(0)) if (db.isOpen) db.close();
});

/** Strict, with no automatic checkpoint: these tests need the whole history in one WAL. */
function open(dir: string): Database {
  const db = Database.builder().path(dir).strict().checkpointEvery(Infinity).open();
  openDbs.push(db);
  return db;
}

function walPath(dir: string): string {
  return path.join(dir, WAL_FILE);
}

interface Built {
  run: RunId;
  /** The closed log's bytes (trimmed: records only). */
  bytes: Buffer;
  /** Offset of the last record. */
  lastStart: number;
  state: Map<string, Value>;
}

/** A closed strict log of `commits` commits; the last record ends in a non-zero byte. */
function build(commits: number): Built {
  const dir = tempDir('inmem-tail-');
  const run = newRunId();
  const db = open(dir);
  let lastStart = 0;
  for (let i = 1; i <= commits; i++) {
    lastStart = db.stats().walBytes;
    db.transaction(run, (txn) => {
      txn.put(`k${i}`, { i, text: 'v'.repeat(i * 7) });
      if (i === commits) txn.delete('k1'); // the payload ends with "k1"
    });
  }
  const state = new Map(db.list(run));
  db.close();
  const bytes = fs.readFileSync(walPath(dir));
  expect(bytes[bytes.length - 1]).not.toBe(0);
  return { run, bytes, lastStart, state };
}

function withFile(bytes: Buffer): string {
  const dir = tempDir('inmem-tail-');
  fs.writeFileSync(walPath(dir), bytes);
  return dir;
}

function zeros(n: number): Buffer {
  return Buffer.alloc(n);
}

/** Opening `dir` throws CorruptionError at `offset` and leaves the file as it was. */
function expectCorruption(dir: string, offset: number): void {
  const before = fs.readFileSync(walPath(dir));
  let caught: unknown;
  try {
    open(dir);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(CorruptionError);
  expect((caught as CorruptionError).offset).toBe(offset);
  expect(fs.readFileSync(walPath(dir)).equals(before)).toBe(true);
}

describe('a zero-filled tail', () => {
  it('is cut at any length, after records or right after the file header', () => {
    const b = build(4);
    const header = b.bytes.subarray(0, FILE_HEADER_BYTES);
    for (const n of [1, 2, 11, 12, 13, 100, 4095, 4096, 4097, 70_000]) {
      for (const [base, records] of [
        [b.bytes, 4],
        [header, 0],
      ] as const) {
        const dir = withFile(Buffer.concat([base, zeros(n)]));
        const db = open(dir);
        expect(db.recovery).toEqual({ records, truncatedBytes: n, validBytes: base.length });
        expect(fs.statSync(walPath(dir)).size).toBe(base.length);
        if (records === 4) expect(new Map(db.list(b.run))).toEqual(b.state);
        // New commits go right after the last record and survive a reopen.
        db.put(b.run, 'after', n);
        db.close();
        const again = open(dir);
        expect(again.recovery.truncatedBytes).toBe(0);
        expect(again.get(b.run, 'after')).toBe(n);
        again.close();
      }
    }
  });

  it('cuts a last record whose end is still zeros (a write into preallocated space cut short)', () => {
    const b = build(3);
    const earlier = new Map(b.state);
    earlier.delete('k3');
    earlier.set('k1', { i: 1, text: 'v'.repeat(7) });
    for (let cut = b.lastStart + 1; cut < b.bytes.length; cut++) {
      const dir = withFile(Buffer.concat([b.bytes.subarray(0, cut), zeros(4096)]));
      const db = open(dir);
      expect(db.recovery).toEqual({
        records: 2,
        truncatedBytes: cut + 4096 - b.lastStart,
        validBytes: b.lastStart,
      });
      expect(new Map(db.list(b.run))).toEqual(earlier);
      db.close();
    }
  });
});

describe('damage that is not an unwritten tail stays CorruptionError', () => {
  it('a zero run in the middle followed by a valid record', () => {
    const b = build(3);
    const last = b.bytes.subarray(b.lastStart);
    const dir = withFile(Buffer.concat([b.bytes.subarray(0, b.lastStart), zeros(64), last]));
    expectCorruption(dir, b.lastStart);
  });

  it('zeros followed by non-zero bytes', () => {
    const b = build(2);
    // (Fewer than 12 bytes in all would be a torn header: [0, 1] starts a 256-byte record.)
    for (const [gap, tail] of [
      [1, Buffer.alloc(12, 1)],
      [12, Buffer.from([0xff])],
      [4096, Buffer.from([0, 0, 7, 0])],
    ] as const) {
      const dir = withFile(Buffer.concat([b.bytes, zeros(gap), tail]));
      expectCorruption(dir, b.bytes.length);
    }
  });

  it('a non-zero header with a bad checksum, with zeros after it', () => {
    const b = build(2);
    const garbage = Buffer.alloc(RECORD_HEADER_BYTES, 0xab);
    expectCorruption(withFile(Buffer.concat([b.bytes, garbage, zeros(500)])), b.bytes.length);
  });

  it('a flipped byte anywhere in a whole last record followed by zeros', () => {
    const b = build(3);
    for (let pos = b.lastStart; pos < b.bytes.length; pos++) {
      const damaged = Buffer.from(b.bytes);
      damaged[pos] = (damaged[pos] as number) ^ 0xff;
      if (pos === b.bytes.length - 1 && damaged[pos] === 0) continue; // would be a cut write
      expectCorruption(withFile(Buffer.concat([damaged, zeros(1000)])), b.lastStart);
    }
  });
});

describe('strict preallocation', () => {
  it('writes zeros ahead of the records, keeps walBytes the data size, trims on close', () => {
    const dir = tempDir('inmem-tail-');
    const run = newRunId();
    const db = open(dir);
    const big = 'x'.repeat(20_000);
    for (let i = 0; i < 120; i++) db.put(run, `k${i}`, `${i}:${big}`); // crosses 1 MiB steps
    const walBytes = db.stats().walBytes;
    const file = fs.readFileSync(walPath(dir));
    expect(walBytes).toBeGreaterThan(2_400_000);
    expect(file.length).toBeGreaterThan(walBytes);
    expect(file.subarray(walBytes).every((byte) => byte === 0)).toBe(true);
    // Copied while open, the preallocated file recovers every commit and cuts the zeros.
    const copy = withFile(file);
    const fromCopy = open(copy);
    expect(fromCopy.recovery).toEqual({
      records: 120,
      truncatedBytes: file.length - walBytes,
      validBytes: walBytes,
    });
    expect(fromCopy.get(run, 'k119')).toBe(`119:${big}`);
    fromCopy.close();
    db.close();
    expect(fs.statSync(walPath(dir)).size).toBe(walBytes);
    const again = open(dir);
    expect(again.recovery).toEqual({ records: 120, truncatedBytes: 0, validBytes: walBytes });
  });

  it('damage inside or after preallocated space is still CorruptionError', () => {
    const dir = tempDir('inmem-tail-');
    const run = newRunId();
    const db = open(dir);
    const ends: number[] = [db.stats().walBytes];
    for (let i = 0; i < 5; i++) {
      db.put(run, `k${i}`, i + 1);
      ends.push(db.stats().walBytes);
    }
    const file = fs.readFileSync(walPath(dir));
    db.close();
    const valid = ends[5] as number;
    expect(file.length).toBeGreaterThan(valid + 1000);
    // A stray byte inside the zeros: the tail is not unwritten.
    const stray = Buffer.from(file);
    stray[valid + 1000] = 1;
    expectCorruption(withFile(stray), valid);
    // A flipped byte in a record before the zeros.
    const flipped = Buffer.from(file);
    const third = ends[2] as number;
    flipped[third + RECORD_HEADER_BYTES] = (flipped[third + RECORD_HEADER_BYTES] as number) ^ 0xff;
    expectCorruption(withFile(flipped), third);
  });

  it('a failed extension (full disk) turns preallocation off and the commit still lands', () => {
    const dir = tempDir('inmem-tail-');
    const run = newRunId();
    const db = open(dir);
    const real = fs.writeSync.bind(fs) as (...args: unknown[]) => number;
    let calls = 0;
    vi.spyOn(fs, 'writeSync').mockImplementation(((...args: unknown[]) => {
      calls++;
      if (calls === 1) {
        throw Object.assign(new Error('ENOSPC: injected write failure'), { code: 'ENOSPC' });
      }
      return real(...args);
    }) as typeof fs.writeSync);
    db.put(run, 'a', 1);
    db.put(run, 'b', 2);
    vi.restoreAllMocks();
    expect(fs.statSync(walPath(dir)).size).toBe(db.stats().walBytes);
    db.close();
    const again = open(dir);
    expect(again.recovery.truncatedBytes).toBe(0);
    expect(Object.fromEntries(again.list(run))).toEqual({ a: 1, b: 2 });
  });

  it('a failed record write inside preallocated space is zeroed back: nothing lands', () => {
    const dir = tempDir('inmem-tail-');
    const run = newRunId();
    const db = open(dir);
    db.put(run, 'a', 1);
    const before = fs.readFileSync(walPath(dir));
    const real = fs.writeSync.bind(fs) as (...args: unknown[]) => number;
    let calls = 0;
    vi.spyOn(fs, 'writeSync').mockImplementation(((...args: unknown[]) => {
      calls++;
      const [fd, buf, offset, length, position] = args as [number, Buffer, number, number, number];
      if (calls === 1) return real(fd, buf, offset, Math.max(1, Math.floor(length / 2)), position);
      if (calls === 2) throw Object.assign(new Error('EIO: injected'), { code: 'EIO' });
      return real(...args);
    }) as typeof fs.writeSync);
    expect(() => db.put(run, 'b', 'x'.repeat(100))).toThrow(IoError);
    vi.restoreAllMocks();
    expect(fs.readFileSync(walPath(dir)).equals(before)).toBe(true);
    db.put(run, 'c', 3);
    db.close();
    expect(Object.fromEntries(open(dir).list(run))).toEqual({ a: 1, c: 3 });
  });
});

interface Killed {
  acks: number[];
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs the strict commit writer until it has acknowledged `killAfter` commits, then SIGKILLs it. */
function runWriter(dir: string, runId: RunId, killAfter: number): Promise<Killed> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writerScript, dir, runId], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const result: Killed = { acks: [], signal: null, stderr: '' };
    let pending = '';
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer made no progress: ${result.acks.length} acks, ${result.stderr}`));
    }, 15_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const [kind, num] = pending.slice(0, nl).split(' ');
        pending = pending.slice(nl + 1);
        if (kind !== 'ack') continue;
        result.acks.push(Number(num));
        if (result.acks.length === killAfter) child.kill('SIGKILL');
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (result.stderr += chunk));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(guard);
      result.signal = signal;
      resolve(result);
    });
  });
}

describe('SIGKILL inside preallocated space', () => {
  it('loses no acknowledged strict commit and cuts the zeros', async () => {
    const dir = tempDir('inmem-tail-');
    const runId = newRunId();
    let maxAck = -1;
    for (const killAfter of [150, 220]) {
      const w = await runWriter(dir, runId, killAfter);
      expect(w.stderr).toBe('');
      expect(w.signal).toBe('SIGKILL');
      maxAck = Math.max(maxAck, ...w.acks);
      const sizeAtKill = fs.statSync(walPath(dir)).size;
      const db = open(dir);
      // The dead writer's file was longer than its records: the preallocated zeros.
      expect(db.recovery.truncatedBytes).toBeGreaterThan(0);
      expect(db.recovery.validBytes + db.recovery.truncatedBytes).toBe(sizeAtKill);
      expect(fs.statSync(walPath(dir)).size).toBe(db.recovery.validBytes);
      const last = db.get(runId, 'last') as number;
      expect(last === maxAck || last === maxAck + 1).toBe(true);
      for (let seq = 0; seq <= maxAck; seq++) {
        expect(db.get(runId, `s/${String(seq).padStart(8, '0')}/c`)).toMatchObject({ seq });
      }
      maxAck = last;
      db.close();
    }
  });
});
