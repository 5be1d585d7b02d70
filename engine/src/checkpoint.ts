/**
 * Checkpoints: the live state (every run's newest non-deleted values with their versions) in
 * one file, so a reopen loads it and replays only the WAL written after it.
 *
 * File layout (checkpoint.bin)
 *   header  24 bytes: "INMEMCKP" | u32 format version | u64 commit version | u32 crc32(previous 20)
 *   chunk   framed like a WAL record: u32 payload length | u32 crc32(payload) | u32 crc32(previous 8)
 *           payload: msgpack [0, runId, [key, version, value], ...]   (one run per chunk, ~256 KB)
 *   end     one more framed record: msgpack [1, chunk count, entry count]; nothing may follow it
 *
 * Steps, each durable before the next, so a kill between any two leaves a state recovery reads:
 *   1. write checkpoint.bin.tmp, fdatasync          (a leftover temp file is removed at open)
 *   2. rename it to checkpoint.bin, fsync the dir    (replaces the previous checkpoint atomically)
 *   3. write wal.log.tmp: a header whose base version is the checkpoint's, fsync
 *   4. rename it over wal.log, fsync the dir
 * Between 2 and 4 the old WAL is still wal.log; its records up to the checkpoint's version are
 * skipped at open, the rest (none: the log was flushed first) replayed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { decode, encode, reviveValue } from './codec.ts';
import { CorruptionError, IoError } from './errors.ts';
import type { VersionedStore } from './storage.ts';
import type { Value } from './value.ts';
import { fileHeader, frame, syncPath, WAL_FILE, writeFileDurably } from './wal.ts';

export const CHECKPOINT_FILE = 'checkpoint.bin';
const TEMP_SUFFIX = '.tmp';
const MAGIC = Buffer.from('INMEMCKP', 'latin1');
const FORMAT_VERSION = 1;
const HEADER_BYTES = 24;
/** The frame's header: length, crc32 of the payload, crc32 of those 8 bytes (wal.ts frame). */
const FRAME_BYTES = 12;
/** A chunk is written once its payload passes this size (one value may make it larger). */
const CHUNK_BYTES = 256 * 1024;
const KIND_DATA = 0;
const KIND_END = 1;

/**
 * Test hook: the phase at which to SIGKILL this process, read once at load. Only the crash
 * tests set it.
 */
const KILL_AT = process.env.INMEM_TEST_CHECKPOINT_KILL_AT;

function phase(name: string): void {
  if (KILL_AT === name) process.kill(process.pid, 'SIGKILL');
}

export interface CheckpointInfo {
  /** Commit version the checkpoint holds everything up to (0: no checkpoint). */
  version: number;
  /** Size of checkpoint.bin. */
  bytes: number;
}

function writeAll(fd: number, buf: Buffer, at: number): void {
  let done = 0;
  while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done, at + done);
}

/**
 * Builds chunk payloads without one buffer for the whole state: each is a msgpack array32
 * whose element count is filled in when the chunk is closed.
 */
class ChunkWriter {
  private buf = Buffer.allocUnsafe(CHUNK_BYTES + 64 * 1024);
  private used = 0;
  private items = 0;
  offset = HEADER_BYTES;
  chunks = 0;
  entries = 0;

  constructor(private readonly fd: number) {}

  private append(bytes: Buffer): void {
    if (this.used + bytes.length > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + bytes.length));
      this.buf.copy(grown, 0, 0, this.used);
      this.buf = grown;
    }
    this.buf.set(bytes, this.used);
    this.used += bytes.length;
    this.items++;
  }

  begin(runId: string): void {
    this.used = 5; // 0xdd + u32 element count
    this.items = 0;
    this.append(encode(KIND_DATA));
    this.append(encode(runId));
  }

  add(key: string, version: number, value: Value): void {
    this.append(encode([key, version, value]));
    this.entries++;
  }

  get full(): boolean {
    return this.used >= CHUNK_BYTES;
  }

  /** Writes the open chunk, if it holds any entry. */
  end(): void {
    if (this.items <= 2) return;
    this.buf[0] = 0xdd;
    this.buf.writeUInt32BE(this.items, 1);
    this.writeRecord(this.buf.subarray(0, this.used));
    this.chunks++;
    if (this.chunks === 1) phase('temp-partial');
  }

  writeRecord(payload: Buffer): void {
    const rec = frame(payload);
    writeAll(this.fd, rec, this.offset);
    this.offset += rec.length;
  }
}

function header(version: number): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(h, 0);
  h.writeUInt32LE(FORMAT_VERSION, 8);
  h.writeBigUInt64LE(BigInt(version), 12);
  h.writeUInt32LE(crc32(h.subarray(0, 20)), 20);
  return h;
}

/**
 * Steps 1 and 2: writes the newest committed state of `store` (at `store.version`) as the
 * directory's checkpoint. Returns what was written.
 */
export function writeCheckpoint(dir: string, store: VersionedStore): CheckpointInfo {
  const version = store.version;
  const final = path.join(dir, CHECKPOINT_FILE);
  const tmp = final + TEMP_SUFFIX;
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'w');
    writeAll(fd, header(version), 0);
    const w = new ChunkWriter(fd);
    for (const [runId, shard] of store.shards) {
      w.begin(runId);
      for (const [key, head] of shard) {
        // The head is the newest committed entry; a tombstone head means deleted.
        if (head.value === undefined) continue;
        w.add(key, head.version, head.value);
        if (w.full) {
          w.end();
          w.begin(runId);
        }
      }
      w.end();
    }
    w.writeRecord(encode([KIND_END, w.chunks, w.entries]));
    phase('temp-written');
    fs.fdatasyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    phase('temp-synced');
    fs.renameSync(tmp, final);
    syncPath(dir);
    phase('renamed');
    return { version, bytes: w.offset };
  } catch (err) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw new IoError(`writing the checkpoint ${final} failed: ${String(err)}`, err);
  }
}

/**
 * Steps 3 and 4: replaces wal.log with an empty log that continues from `version`. Returns its
 * size (the header). The old log's writer must not write after this.
 */
export function startNewWal(dir: string, version: number): number {
  const final = path.join(dir, WAL_FILE);
  const head = fileHeader(version);
  try {
    writeFileDurably(final, head, () => phase('wal-temp'));
  } catch (err) {
    throw new IoError(`starting a new WAL ${final} failed: ${String(err)}`, err);
  }
  phase('wal-renamed');
  return head.length;
}

/** Called once the database goes on in the new log. */
export function checkpointDone(): void {
  phase('done');
}

function corrupt(file: string, offset: number, what: string): CorruptionError {
  return new CorruptionError(
    `checkpoint ${file} ${what} at offset ${offset}; the file was left untouched. Restore the directory from a backup.`,
    file,
    offset,
  );
}

function readExactly(fd: number, len: number, at: number): Buffer {
  const buf = Buffer.allocUnsafe(len);
  let done = 0;
  while (done < len) {
    const n = fs.readSync(fd, buf, done, len - done, at + done);
    if (n === 0) break;
    done += n;
  }
  return done === len ? buf : buf.subarray(0, done);
}

/**
 * Removes temp files a killed checkpoint left, then loads checkpoint.bin (if any) into the
 * empty `store`. A damaged or cut checkpoint is CorruptionError: it was committed by its
 * rename, so its data is nowhere else.
 */
export function loadCheckpoint(dir: string, store: VersionedStore): CheckpointInfo {
  const file = path.join(dir, CHECKPOINT_FILE);
  for (const leftover of [file + TEMP_SUFFIX, path.join(dir, WAL_FILE) + TEMP_SUFFIX]) {
    fs.rmSync(leftover, { force: true });
  }
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 0, bytes: 0 };
    throw err;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const h = readExactly(fd, HEADER_BYTES, 0);
    if (h.length < HEADER_BYTES || !h.subarray(0, 8).equals(MAGIC)) {
      throw corrupt(file, 0, 'has no valid header');
    }
    if (h.readUInt32LE(20) !== crc32(h.subarray(0, 20))) {
      throw corrupt(file, 0, 'failed its header checksum');
    }
    const format = h.readUInt32LE(8);
    if (format !== FORMAT_VERSION) {
      throw corrupt(file, 8, `has format ${format}; this engine reads format ${FORMAT_VERSION}`);
    }
    const version = Number(h.readBigUInt64LE(12));
    let offset = HEADER_BYTES;
    let chunks = 0;
    let entries = 0;
    for (;;) {
      if (size - offset < FRAME_BYTES) throw corrupt(file, offset, 'ends before its end record');
      const fh = readExactly(fd, FRAME_BYTES, offset);
      if (fh.readUInt32LE(8) !== crc32(fh.subarray(0, 8))) {
        throw corrupt(file, offset, 'has a chunk header that failed its checksum');
      }
      const len = fh.readUInt32LE(0);
      if (len > size - offset - FRAME_BYTES) throw corrupt(file, offset, 'has a chunk cut short');
      const payload = readExactly(fd, len, offset + FRAME_BYTES);
      if (crc32(payload) !== fh.readUInt32LE(4)) {
        throw corrupt(file, offset, 'has a chunk that failed its checksum');
      }
      let raw: unknown;
      try {
        raw = decode(payload);
      } catch {
        throw corrupt(file, offset, 'has a chunk that could not be decoded');
      }
      if (!Array.isArray(raw) || raw.length < 1) throw corrupt(file, offset, 'has a bad chunk');
      if (raw[0] === KIND_END) {
        if (raw.length !== 3 || raw[1] !== chunks || raw[2] !== entries) {
          throw corrupt(file, offset, 'has an end record that does not match its chunks');
        }
        offset += FRAME_BYTES + len;
        if (offset !== size) throw corrupt(file, offset, 'has bytes after its end record');
        break;
      }
      if (raw[0] !== KIND_DATA || typeof raw[1] !== 'string') {
        throw corrupt(file, offset, 'has a chunk of unknown shape');
      }
      const runId = raw[1];
      let shard = store.shards.get(runId);
      if (shard === undefined) {
        shard = new Map();
        store.shards.set(runId, shard);
      }
      for (let i = 2; i < raw.length; i++) {
        const e: unknown = raw[i];
        if (
          !Array.isArray(e) ||
          e.length !== 3 ||
          typeof e[0] !== 'string' ||
          typeof e[1] !== 'number' ||
          e[1] < 1 ||
          e[1] > version
        ) {
          throw corrupt(file, offset, 'has a malformed entry');
        }
        shard.set(e[0], { version: e[1], value: reviveValue(e[2]), prev: undefined });
      }
      entries += raw.length - 2;
      chunks++;
      offset += FRAME_BYTES + len;
    }
    store.version = version;
    return { version, bytes: size };
  } finally {
    fs.closeSync(fd);
  }
}
