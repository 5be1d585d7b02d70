/**
 * The write-ahead log: reopening restores everything, a torn tail is cut off (at every byte
 * offset of the last record), damage anywhere else is CorruptionError with the record's offset
 * and leaves the file untouched, and the directory LOCK keeps one opener at a time.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConflictError,
  CorruptionError,
  Database,
  InvalidArgumentError,
  LockedError,
  newRunId,
  type RunId,
  type Value,
} from '../../engine/src/index.ts';
import { encode } from '../../engine/src/codec.ts';
import {
  encodeRecord,
  FILE_HEADER_BYTES,
  RECORD_HEADER_BYTES,
  WAL_FILE,
} from '../../engine/src/wal.ts';

const dirs: string[] = [];
const openDbs: Database[] = [];

function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'inmem-wal-'));
  dirs.push(d);
  return d;
}

function open(dir: string): Database {
  const db = Database.open(dir);
  openDbs.push(db);
  return db;
}

afterEach(() => {
  for (const db of openDbs.splice(0)) db.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function walPath(dir: string): string {
  return path.join(dir, WAL_FILE);
}

type State = Map<RunId, Map<string, Value>>;

function dump(db: Database, runs: RunId[]): State {
  const out: State = new Map();
  for (const r of runs) out.set(r, new Map(db.list(r)));
  return out;
}

/** The pid a LOCK file names (see engine/src/lock.ts for its format). */
function lockPid(lock: string): number {
  return (JSON.parse(fs.readFileSync(lock, 'utf8')) as { pid: number }).pid;
}

/** Expects Database.open(dir) to throw CorruptionError at `offset`, leaving the WAL as it was. */
function expectCorruption(dir: string, offset: number): CorruptionError {
  const before = fs.readFileSync(walPath(dir));
  let caught: unknown;
  try {
    open(dir);
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(CorruptionError);
  const err = caught as CorruptionError;
  expect(err.code).toBe('CORRUPTION');
  expect(err.offset).toBe(offset);
  expect(err.file).toBe(walPath(dir));
  expect(fs.readFileSync(walPath(dir)).equals(before)).toBe(true);
  // The failed open released the directory: no LOCK left, and trying again fails the same way.
  expect(fs.existsSync(path.join(dir, 'LOCK'))).toBe(false);
  expect(() => open(dir)).toThrow(CorruptionError);
  return err;
}

describe('reopen', () => {
  it('a fresh database reports an empty recovery', () => {
    const dir = tempDir();
    const db = open(dir);
    expect(db.recovery).toEqual({ records: 0, truncatedBytes: 0, validBytes: FILE_HEADER_BYTES });
    expect(fs.statSync(walPath(dir)).size).toBe(FILE_HEADER_BYTES);
    expect(db.version).toBe(0);
    expect(db.stats().walBytes).toBe(FILE_HEADER_BYTES);
  });

  it('restores every value type, overwrites and deletes, across runs', () => {
    const dir = tempDir();
    const r1 = newRunId();
    const r2 = newRunId();
    let db = open(dir);
    const values: Record<string, unknown> = {
      null: null,
      true: true,
      false: false,
      int: 7,
      neg: -123456789,
      float: Math.PI,
      big: 2n ** 62n,
      bigneg: -(2n ** 63n),
      str: 'unicode ✓ 😀',
      empty: '',
      bytes: new Uint8Array([0, 255, 1, 254]),
      buffer: Buffer.from('buffer bytes'),
      array: [1, 'two', [3n], null],
      nested: { a: { b: { c: [{ d: new Uint8Array([9]) }] } }, list: [] },
      proto: JSON.parse('{"__proto__": "data", "__proto_": "other"}') as unknown,
    };
    db.transaction(r1, (txn) => {
      for (const [k, v] of Object.entries(values)) txn.put(k, v);
    });
    db.transaction(r2, (txn) => {
      txn.put('only-in-r2', 1);
      txn.put('to-delete', 'x');
    });
    db.transaction(r1, (txn) => {
      txn.put('int', 8); // overwrite
      txn.delete('false'); // delete
      txn.delete('never-there'); // delete of an absent key
    });
    db.transaction(r2, (txn) => txn.delete('to-delete'));
    // Aborted and conflicted transactions leave no trace in the log.
    const aborted = db.begin(r1);
    aborted.put('aborted', 1);
    aborted.abort();
    const loser = db.begin(r1);
    loser.put('str', 'loser');
    db.transaction(r1, (txn) => txn.put('str', 'winner'));
    expect(() => loser.commit()).toThrow(ConflictError);

    const expected = dump(db, [r1, r2]);
    const versions = new Map(Object.keys(values).map((k) => [k, db.getVersion(r1, k)]));
    const version = db.version;
    const walBytes = db.stats().walBytes;
    db.close();
    // Closing trims the preallocated zeros: the file holds exactly the records.
    expect(fs.statSync(walPath(dir)).size).toBe(walBytes);

    db = open(dir);
    expect(db.recovery).toEqual({ records: 5, truncatedBytes: 0, validBytes: walBytes });
    expect(db.version).toBe(version);
    expect(dump(db, [r1, r2])).toEqual(expected);
    expect(db.get(r1, 'false')).toBeUndefined();
    expect(db.get(r1, 'int')).toBe(8);
    expect(db.get(r1, 'str')).toBe('winner');
    expect(db.get(r1, 'aborted')).toBeUndefined();
    expect(db.get(r2, 'to-delete')).toBeUndefined();
    expect(typeof db.get(r1, 'big')).toBe('bigint');
    expect(Object.getPrototypeOf(db.get(r1, 'bytes'))).toBe(Uint8Array.prototype);
    expect(Object.keys(db.get(r1, 'proto') as object).sort()).toEqual(['__proto_', '__proto__']);
    for (const [k, v] of versions) expect(db.getVersion(r1, k)).toBe(v);
    expect(new Set(db.runIds())).toEqual(new Set([r1, r2]));

    // New commits continue the version sequence and survive the next reopen too.
    db.transaction(r2, (txn) => txn.put('after-reopen', { v: 1n }));
    expect(db.version).toBe(version + 1);
    db.close();
    db = open(dir);
    expect(db.recovery.records).toBe(6);
    expect(db.get(r2, 'after-reopen')).toEqual({ v: 1n });
    expect(db.get(r1, 'int')).toBe(8);
  });

  it('recovered state keeps snapshot isolation working (versions are real)', () => {
    const dir = tempDir();
    const r = newRunId();
    let db = open(dir);
    db.transaction(r, (txn) => txn.put('k', 1));
    const v = db.getVersion(r, 'k');
    db.close();
    db = open(dir);
    const stale = db.begin(r);
    stale.get('k');
    db.transaction(r, (txn) => txn.cas('k', v, 2));
    stale.put('j', 1);
    expect(() => stale.commit()).toThrow(ConflictError);
    expect(db.get(r, 'k')).toBe(2);
  });
});

interface Built {
  dir: string;
  run: RunId;
  /** File size after each commit; ends[0] is the header. */
  ends: number[];
  /** State after each commit; states[0] is empty. */
  states: Array<Map<string, Value>>;
  bytes: Buffer;
}

/** A database with `commits` commits, the last one a multi-key transaction. */
function build(commits: number): Built {
  const dir = tempDir();
  const run = newRunId();
  const db = Database.open(dir);
  const ends = [db.stats().walBytes];
  const states: Array<Map<string, Value>> = [new Map()];
  for (let i = 1; i <= commits; i++) {
    db.transaction(run, (txn) => {
      txn.put(`k${i}`, { i, big: BigInt(i) * 1000n, bytes: new Uint8Array([i, i]) });
      if (i === commits) {
        txn.put('last/a', 'a');
        txn.put('last/b', [1, 2, 3]);
        txn.delete('k1');
      }
    });
    ends.push(db.stats().walBytes);
    states.push(new Map(db.list(run)));
  }
  db.close();
  const bytes = fs.readFileSync(walPath(dir));
  expect(bytes.length).toBe(ends[commits]);
  return { dir, run, ends, states, bytes };
}

describe('torn tail', () => {
  it('a WAL cut at every byte offset inside its last record recovers exactly the earlier commits', () => {
    const n = 4;
    const b = build(n);
    const start = b.ends[n - 1] as number;
    const end = b.ends[n] as number;
    expect(end - start).toBeGreaterThan(RECORD_HEADER_BYTES + 20);
    const earlier = b.states[n - 1] as Map<string, Value>;
    for (let cut = start; cut < end; cut++) {
      const dir = tempDir();
      fs.writeFileSync(walPath(dir), b.bytes.subarray(0, cut));
      let db = open(dir);
      expect(db.recovery).toEqual({
        records: n - 1,
        truncatedBytes: cut - start,
        validBytes: start,
      });
      expect(fs.statSync(walPath(dir)).size).toBe(start);
      expect(db.version).toBe(n - 1);
      expect(new Map(db.list(b.run))).toEqual(earlier);
      expect(db.get(b.run, 'last/a')).toBeUndefined();
      // The torn record's delete of k1 was not applied: k1 keeps the first commit's value.
      expect(db.get(b.run, 'k1')).toEqual({ i: 1, big: 1000n, bytes: new Uint8Array([1, 1]) });
      // New commits land right after the last whole record and survive a reopen.
      db.transaction(b.run, (txn) => txn.put('after', cut));
      expect(db.version).toBe(n);
      db.close();
      db = open(dir);
      expect(db.recovery).toEqual({
        records: n,
        truncatedBytes: 0,
        validBytes: fs.statSync(walPath(dir)).size,
      });
      expect(db.get(b.run, 'after')).toBe(cut);
      expect(db.get(b.run, 'k3')).toEqual(earlier.get('k3'));
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a WAL cut inside its file header is recreated empty', () => {
    const b = build(1);
    for (let cut = 0; cut < FILE_HEADER_BYTES; cut++) {
      const dir = tempDir();
      fs.writeFileSync(walPath(dir), b.bytes.subarray(0, cut));
      const db = open(dir);
      expect(db.recovery.records).toBe(0);
      expect(db.recovery.validBytes).toBe(FILE_HEADER_BYTES);
      expect(db.version).toBe(0);
      expect(fs.readFileSync(walPath(dir)).equals(b.bytes.subarray(0, FILE_HEADER_BYTES))).toBe(
        true,
      );
      db.transaction(b.run, (txn) => txn.put('x', 1));
      db.close();
      expect(open(dir).get(b.run, 'x')).toBe(1);
    }
  });
});

describe('corruption', () => {
  it('a flipped byte anywhere in an earlier record (header or payload) is CorruptionError at its start', () => {
    const b = build(4);
    for (const rec of [1, 2, 3]) {
      const start = b.ends[rec - 1] as number;
      const end = b.ends[rec] as number;
      for (let pos = start; pos < end; pos++) {
        const dir = tempDir();
        const damaged = Buffer.from(b.bytes);
        damaged[pos] = (damaged[pos] as number) ^ 0xff;
        fs.writeFileSync(walPath(dir), damaged);
        expectCorruption(dir, start);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('a single flipped bit in a payload is caught too', () => {
    const b = build(3);
    const start = b.ends[1] as number;
    const end = b.ends[2] as number;
    for (let pos = start + RECORD_HEADER_BYTES; pos < end; pos++) {
      for (const bit of [0x01, 0x80]) {
        const dir = tempDir();
        const damaged = Buffer.from(b.bytes);
        damaged[pos] = (damaged[pos] as number) ^ bit;
        fs.writeFileSync(walPath(dir), damaged);
        expectCorruption(dir, start);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('a damaged length field is corruption, not a torn tail, even in the last record', () => {
    const b = build(3);
    for (const rec of [2, 3]) {
      const start = b.ends[rec - 1] as number;
      for (const newLen of [0, 1, 0xffffffff, b.bytes.readUInt32LE(start) + 1]) {
        const dir = tempDir();
        const damaged = Buffer.from(b.bytes);
        damaged.writeUInt32LE(newLen, start);
        fs.writeFileSync(walPath(dir), damaged);
        expectCorruption(dir, start);
        fs.rmSync(dir, { recursive: true, force: true });
      }
    }
  });

  it('garbage appended after whole records is corruption when it has a full record header', () => {
    const b = build(2);
    const dir = tempDir();
    const junk = Buffer.alloc(RECORD_HEADER_BYTES + 8, 0xab);
    fs.writeFileSync(walPath(dir), Buffer.concat([b.bytes, junk]));
    expectCorruption(dir, b.bytes.length);
  });

  it('a well-framed record with a version gap is corruption', () => {
    const b = build(2);
    const dir = tempDir();
    const gap = encodeRecord(5, b.run, new Map([['x', 1]]));
    const after = encodeRecord(3, b.run, new Map([['y', 1]]));
    fs.writeFileSync(walPath(dir), Buffer.concat([b.bytes, gap, after]));
    const err = expectCorruption(dir, b.bytes.length);
    expect(err.message).toContain('version');
  });

  it('a well-framed record whose payload has the wrong shape is corruption', () => {
    const b = build(1);
    const frame = (payload: Buffer): Buffer => {
      const h = Buffer.alloc(RECORD_HEADER_BYTES);
      h.writeUInt32LE(payload.length, 0);
      h.writeUInt32LE(crc32(payload), 4);
      h.writeUInt32LE(crc32(h.subarray(0, 8)), 8);
      return Buffer.concat([h, payload]);
    };
    const payloads = [
      encode({ not: 'an array' }),
      encode([2, b.run]),
      encode([2, b.run, [['k', 1, 'extra']]]),
      encode([2, b.run, [[42, 1]]]),
      encode(['2', b.run, []]),
      Buffer.from([0xc1]), // never-used msgpack byte: fails to decode
    ];
    for (const payload of payloads) {
      const dir = tempDir();
      fs.writeFileSync(walPath(dir), Buffer.concat([b.bytes, frame(payload)]));
      expectCorruption(dir, b.bytes.length);
    }
  });

  it('a file that is not a WAL, or has a bad header, is CorruptionError and is left untouched', () => {
    const header = build(1).bytes.subarray(0, FILE_HEADER_BYTES);
    const cases: Array<[string, Buffer, number]> = [
      ['text', Buffer.from('hello, this is certainly not a write-ahead log\n'), 0],
      ['short garbage', Buffer.from('XYZ'), 0],
      ['zeros', Buffer.alloc(64), 0],
      ['bad magic', Buffer.concat([Buffer.from('NOTAWAL!'), header.subarray(8)]), 0],
    ];
    const badCrc = Buffer.from(header);
    badCrc[13] = (badCrc[13] as number) ^ 0x01;
    cases.push(['bad header checksum', badCrc, 0]);
    const future = Buffer.from(header);
    future.writeUInt32LE(99, 8);
    future.writeUInt32LE(crc32(future.subarray(0, 12)), 12);
    cases.push(['unknown format version', future, 8]);
    for (const [, bytes, offset] of cases) {
      const dir = tempDir();
      fs.writeFileSync(walPath(dir), bytes);
      expectCorruption(dir, offset);
    }
  });
});

describe('LOCK', () => {
  it('the same directory cannot be opened twice in one process; it can after close', () => {
    const dir = tempDir();
    const db = open(dir);
    const lock = path.join(dir, 'LOCK');
    expect(lockPid(lock)).toBe(process.pid);
    expect(() => Database.open(dir)).toThrow(LockedError);
    // Other spellings of the same path are the same directory.
    expect(() => Database.open(dir + path.sep)).toThrow(LockedError);
    expect(() => Database.open(path.join(dir, '.', 'sub', '..'))).toThrow(LockedError);
    const rel = path.relative(process.cwd(), dir);
    expect(() => Database.open(rel)).toThrow(LockedError);
    // The failed attempts did not disturb the open database or its lock.
    const r = newRunId();
    db.transaction(r, (txn) => txn.put('k', 1));
    expect(lockPid(lock)).toBe(process.pid);
    db.close();
    expect(fs.existsSync(lock)).toBe(false);
    const again = open(dir);
    expect(again.get(r, 'k')).toBe(1);
    expect(fs.existsSync(lock)).toBe(true);
  });

  it('a LOCK held by another live process refuses the open', () => {
    const dir = tempDir();
    const lock = path.join(dir, 'LOCK');
    fs.writeFileSync(lock, String(process.ppid)); // our parent: alive, not us
    expect(() => Database.open(dir)).toThrow(LockedError);
    expect(fs.readFileSync(lock, 'utf8')).toBe(String(process.ppid));
    expect(fs.existsSync(walPath(dir))).toBe(false);
  });

  it('a LOCK left by a dead process (a crash) is taken over', () => {
    const dead = spawnSync(process.execPath, ['-e', '']);
    expect(dead.status).toBe(0);
    const dir = tempDir();
    const lock = path.join(dir, 'LOCK');
    fs.writeFileSync(lock, String(dead.pid));
    const db = open(dir);
    expect(lockPid(lock)).toBe(process.pid);
    db.close();
    // A lock file that holds no pid at all is stale too.
    fs.writeFileSync(lock, 'garbage');
    open(dir);
    expect(lockPid(lock)).toBe(process.pid);
  });

  it('an empty directory path is refused', () => {
    expect(() => Database.open('')).toThrow(InvalidArgumentError);
  });
});
