/**
 * The write-ahead log: one record per commit, so recovery replays whole transactions or nothing.
 *
 * File layout
 *   header  format 1, 16 bytes: "INMEMWAL" | u32 1 | u32 crc32(previous 12 bytes)
 *           format 2, 24 bytes: "INMEMWAL" | u32 2 | u64 base version | u32 crc32(previous 20 bytes)
 *   record  12 bytes: u32 payload length | u32 crc32(payload) | u32 crc32(previous 8 bytes)
 *           payload:  msgpack [version, runId, [[key, value] | [key], ...]]   ([key] = delete)
 *
 * The record header has its own checksum so a damaged length field is reported as corruption
 * instead of being mistaken for a torn tail (which would silently drop every later record).
 * A torn tail (a record cut short by a crash mid-write) was never acknowledged, so recovery
 * truncates it; any other damage raises CorruptionError with the offset and leaves the file as
 * it is. Checksums are zlib's crc32 (Node's built-in binding), not a hand-written table.
 *
 * The base version is the commit the log continues from: a checkpoint (checkpoint.ts) holds
 * everything up to it, and the first record is base + 1. A log that starts from version 0
 * keeps the format-1 header, so an engine that predates checkpoints still reads it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { decode, encode, reviveValue } from './codec.ts';
import { CorruptionError, IoError } from './errors.ts';
import type { RunId } from './keys.ts';
import type { WriteSet } from './storage.ts';
import type { Value } from './value.ts';

export const WAL_FILE = 'wal.log';
const MAGIC = Buffer.from('INMEMWAL', 'latin1');
const FORMAT_VERSION = 1;
const FORMAT_WITH_BASE = 2;
/** Size of the format-1 header (a log with base version 0). */
export const FILE_HEADER_BYTES = 16;
/** Size of the format-2 header, which carries a base version. */
export const BASED_HEADER_BYTES = 24;
export const RECORD_HEADER_BYTES = 12;

export interface WalRecord {
  version: number;
  runId: RunId;
  writes: WriteSet;
}

export interface RecoveryReport {
  records: number;
  /** Bytes of a torn final record that were cut off (0 when the log ended cleanly). */
  truncatedBytes: number;
  /** Offset where the valid log ends (= file size after recovery). */
  validBytes: number;
}

/** The file header of a log whose first record will be `baseVersion + 1`. */
export function fileHeader(baseVersion = 0): Buffer {
  if (baseVersion === 0) {
    const h = Buffer.alloc(FILE_HEADER_BYTES);
    MAGIC.copy(h, 0);
    h.writeUInt32LE(FORMAT_VERSION, 8);
    h.writeUInt32LE(crc32(h.subarray(0, 12)), 12);
    return h;
  }
  const h = Buffer.alloc(BASED_HEADER_BYTES);
  MAGIC.copy(h, 0);
  h.writeUInt32LE(FORMAT_WITH_BASE, 8);
  h.writeBigUInt64LE(BigInt(baseVersion), 12);
  h.writeUInt32LE(crc32(h.subarray(0, 20)), 20);
  return h;
}

interface WalHeader {
  bytes: number;
  baseVersion: number;
}

/** Parses a complete file header (`data` holds at least FILE_HEADER_BYTES). */
function parseHeader(data: Buffer, file: string): WalHeader {
  if (!data.subarray(0, 8).equals(MAGIC)) {
    throw new CorruptionError(`${file} is not an in-mem WAL (bad magic)`, file, 0);
  }
  const format = data.readUInt32LE(8);
  if (format !== FORMAT_VERSION && format !== FORMAT_WITH_BASE) {
    throw new CorruptionError(
      `${file} has WAL format ${format}; this engine reads formats ${FORMAT_VERSION} and ${FORMAT_WITH_BASE}`,
      file,
      8,
    );
  }
  const bytes = format === FORMAT_VERSION ? FILE_HEADER_BYTES : BASED_HEADER_BYTES;
  const crcAt = bytes - 4;
  if (data.length < bytes || data.readUInt32LE(crcAt) !== crc32(data.subarray(0, crcAt))) {
    throw new CorruptionError(
      `${file} is not an in-mem WAL (bad header checksum). Restore it from a backup, or move it aside to start empty.`,
      file,
      0,
    );
  }
  if (format === FORMAT_VERSION) return { bytes, baseVersion: 0 };
  const base = data.readBigUInt64LE(12);
  if (base > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new CorruptionError(`${file} has an impossible base version ${base}`, file, 12);
  }
  return { bytes, baseVersion: Number(base) };
}

/**
 * The version the log at `file` continues from (0 for a format-1 log), or undefined when there
 * is no file or it is too short to say (recoverWal handles those).
 */
export function walBaseVersion(file: string): number | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const buf = Buffer.alloc(BASED_HEADER_BYTES);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    if (n < FILE_HEADER_BYTES) return undefined;
    return parseHeader(buf.subarray(0, n), file).baseVersion;
  } finally {
    fs.closeSync(fd);
  }
}

/** Encodes one commit as a complete framed record. */
export function encodeRecord(version: number, runId: RunId, writes: WriteSet): Buffer {
  const ops: Array<[string, Value] | [string]> = [];
  for (const [key, value] of writes) ops.push(value === undefined ? [key] : [key, value]);
  return frame(encode([version, runId, ops]));
}

/** Encodes a one-key commit (db.put / db.delete) without building a write set. */
export function encodeRecordOne(
  version: number,
  runId: RunId,
  key: string,
  value: Value | undefined,
): Buffer {
  return frame(encode([version, runId, [value === undefined ? [key] : [key, value]]]));
}

/** Scratch for the record header's own checksum (crc32 of length + payload crc). */
const headerScratch = Buffer.alloc(8);

/**
 * Header + payload in one buffer: two allocations per record rather than four. The checkpoint
 * file frames its chunks the same way.
 */
export function frame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  const payloadCrc = crc32(payload);
  headerScratch.writeUInt32LE(payload.length, 0);
  headerScratch.writeUInt32LE(payloadCrc, 4);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(payloadCrc, 4);
  out.writeUInt32LE(crc32(headerScratch), 8);
  out.set(payload, RECORD_HEADER_BYTES); // TypedArray.set: far cheaper than Buffer.copy for small records
  return out;
}

function decodePayload(payload: Buffer, file: string, offset: number): WalRecord {
  let raw: unknown;
  try {
    raw = decode(payload);
  } catch (err) {
    throw new CorruptionError(
      `WAL record at offset ${offset} of ${file} passed its checksum but could not be decoded (${String(err)})`,
      file,
      offset,
    );
  }
  if (
    !Array.isArray(raw) ||
    raw.length !== 3 ||
    typeof raw[0] !== 'number' ||
    typeof raw[1] !== 'string' ||
    !Array.isArray(raw[2])
  ) {
    throw new CorruptionError(
      `WAL record at offset ${offset} of ${file} has an unknown shape`,
      file,
      offset,
    );
  }
  const writes: WriteSet = new Map();
  for (const op of raw[2] as unknown[]) {
    if (!Array.isArray(op) || typeof op[0] !== 'string' || (op.length !== 1 && op.length !== 2)) {
      throw new CorruptionError(
        `WAL record at offset ${offset} of ${file} has a malformed write`,
        file,
        offset,
      );
    }
    writes.set(op[0], op.length === 1 ? undefined : reviveValue(op[1]));
  }
  return { version: raw[0], runId: raw[1], writes };
}

/**
 * Reads every complete record of the log at `file`, calling `onRecord` for each in order.
 * Truncates a torn tail. Creates the file (with its header) when it does not exist, continuing
 * from `createBase` (the checkpoint's version, if there is one).
 */
export function recoverWal(
  file: string,
  onRecord: (r: WalRecord) => void,
  createBase = 0,
): RecoveryReport {
  if (!fs.existsSync(file)) {
    const header = fileHeader(createBase);
    if (createBase === 0) {
      fs.writeFileSync(file, header);
      syncPath(file);
    } else {
      // Only a format-1 header may be found torn (see below), so a based one lands whole.
      writeFileDurably(file, header);
    }
    syncPath(path.dirname(file));
    return { records: 0, truncatedBytes: 0, validBytes: header.length };
  }
  const data = fs.readFileSync(file);
  const expected = fileHeader();
  if (data.length < FILE_HEADER_BYTES) {
    // A crash while the header itself was being written: only a prefix of our header is legal.
    if (data.equals(expected.subarray(0, data.length))) {
      fs.writeFileSync(file, expected);
      syncPath(file);
      return { records: 0, truncatedBytes: data.length, validBytes: FILE_HEADER_BYTES };
    }
    throw new CorruptionError(`${file} is not an in-mem WAL (bad header)`, file, 0);
  }
  const header = parseHeader(data, file);
  let offset = header.bytes;
  let records = 0;
  let lastVersion = header.baseVersion;
  // Bytes from here to the end are all zero: space that was allocated (by a filesystem after a
  // power loss, or by the writer's preallocation) but never written.
  const zeroTail = zeroRunStart(data, offset);
  while (offset < zeroTail) {
    const remaining = data.length - offset;
    if (remaining < RECORD_HEADER_BYTES) break; // torn header
    const len = data.readUInt32LE(offset);
    const payloadCrc = data.readUInt32LE(offset + 4);
    if (data.readUInt32LE(offset + 8) !== crc32(data.subarray(offset, offset + 8))) {
      // A header whose bytes turn into the zero tail was cut short by a crash mid-write.
      if (zeroTail < offset + RECORD_HEADER_BYTES) break;
      throw new CorruptionError(
        `WAL record header at offset ${offset} of ${file} failed its checksum; the file was left untouched. Restore it from a backup, or move it aside to start empty.`,
        file,
        offset,
      );
    }
    if (len > remaining - RECORD_HEADER_BYTES) break; // torn payload
    const end = offset + RECORD_HEADER_BYTES + len;
    const payload = data.subarray(offset + RECORD_HEADER_BYTES, end);
    if (crc32(payload) !== payloadCrc) {
      // The last record, its end still zeros: a write into preallocated space that a crash cut.
      if (zeroTail < end) break;
      throw new CorruptionError(
        `WAL record at offset ${offset} of ${file} failed its checksum; the file was left untouched. Restore it from a backup, or move it aside to start empty.`,
        file,
        offset,
      );
    }
    const record = decodePayload(payload, file, offset);
    if (record.version !== lastVersion + 1) {
      throw new CorruptionError(
        `WAL record at offset ${offset} of ${file} has commit version ${record.version}, expected ${lastVersion + 1}`,
        file,
        offset,
      );
    }
    lastVersion = record.version;
    onRecord(record);
    records++;
    offset = end;
  }
  const truncatedBytes = data.length - offset;
  if (truncatedBytes > 0) {
    fs.truncateSync(file, offset);
    syncPath(file);
  }
  return { records, truncatedBytes, validBytes: offset };
}

/**
 * Writes `data` to `file` via `<file>.tmp`, fsynced, renamed over it, the directory fsynced:
 * `file` holds the old bytes or the new ones, never a part. `beforeRename` runs between the
 * temp file's fsync and the rename (the checkpoint's crash tests stop there). A failure
 * removes the temp file.
 */
export function writeFileDurably(file: string, data: Buffer, beforeRename?: () => void): void {
  const tmp = `${file}.tmp`;
  try {
    fs.writeFileSync(tmp, data);
    syncPath(tmp);
    beforeRename?.();
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  syncPath(path.dirname(file));
}

/** Where the run of zero bytes that ends `data` starts (data.length if its last byte is not 0). */
function zeroRunStart(data: Buffer, from: number): number {
  let i = data.length;
  while (i > from && data[i - 1] === 0) i--;
  return i;
}

/** fsync of a file or a directory by path. */
export function syncPath(p: string): void {
  const fd = fs.openSync(p, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Preallocation steps: the first extension, and the most one extension adds. */
const PREALLOC_MIN_BYTES = 64 * 1024;
const PREALLOC_MAX_BYTES = 1024 * 1024;
let zeros: Buffer | undefined;

/** Writes zero bytes over [from, to) of `fd`. */
function writeZeros(fd: number, from: number, to: number): void {
  zeros ??= Buffer.alloc(PREALLOC_MAX_BYTES);
  for (let pos = from; pos < to;) {
    pos += fs.writeSync(fd, zeros, 0, Math.min(zeros.length, to - pos), pos);
  }
}

/**
 * Appends records at the end of a recovered log.
 *
 * With preallocation on (strict mode), the file is extended with zeros ahead of the write
 * position, in steps that double up to 1 MiB. A record then overwrites blocks that already
 * exist, so its fdatasync flushes only data: on a file that grows, every fdatasync would also
 * commit the new size (an ext4 journal commit). The zeros past the last record are what
 * recovery cuts as the unwritten tail; close() trims them.
 */
export class WalWriter {
  private readonly fd: number;
  /** End of the last record written. */
  private size: number;
  /** The file's length as this writer made it: `size` plus any zeros written ahead. */
  private allocated: number;
  private preallocate = false;

  constructor(
    readonly file: string,
    validBytes: number,
  ) {
    this.fd = fs.openSync(file, 'r+');
    this.size = validBytes;
    this.allocated = validBytes;
  }

  /** The valid log's size, never counting preallocated zeros. */
  get bytes(): number {
    return this.size;
  }

  /** Lets write() extend the file with zeros ahead of its records (see the class comment). */
  enablePreallocation(): void {
    this.preallocate = true;
  }

  /**
   * Writes `buf` at the end of the log, in one pwrite when it fits the preallocated space. On
   * failure the record's bytes are taken back (zeroed inside preallocated space, cut off past
   * it), so a half-written record can't sit in front of later ones.
   */
  write(buf: Buffer): void {
    const end = this.size + buf.length;
    if (this.preallocate && end > this.allocated) this.extend(end);
    try {
      let done = 0;
      while (done < buf.length) {
        done += fs.writeSync(this.fd, buf, done, buf.length - done, this.size + done);
      }
    } catch (err) {
      this.rollback(end);
      throw new IoError(`writing the WAL ${this.file} failed: ${String(err)}`, err);
    }
    this.size = end;
    if (end > this.allocated) this.allocated = end;
  }

  /**
   * Zero-fills from the allocated end to past `end`. The next fdatasync makes the new length
   * and blocks durable once; the commits after it only overwrite. A failure (a full disk) turns
   * preallocation off and leaves the write to report what the disk says.
   */
  private extend(end: number): void {
    const step = Math.min(Math.max(this.allocated, PREALLOC_MIN_BYTES), PREALLOC_MAX_BYTES);
    const target = Math.ceil((end + step) / 4096) * 4096;
    try {
      writeZeros(this.fd, this.allocated, target);
      this.allocated = target;
    } catch {
      this.preallocate = false;
      try {
        fs.ftruncateSync(this.fd, this.allocated);
      } catch {
        // Zeros past the records are harmless: recovery cuts them.
      }
    }
  }

  /** Accounts for `n` bytes written at the end by someone else (the buffered-mode flusher). */
  advance(n: number): void {
    this.size += n;
    if (this.size > this.allocated) this.allocated = this.size;
  }

  /** fdatasync: the data (and any size change) reach the disk before this returns. */
  sync(): void {
    try {
      fs.fdatasyncSync(this.fd);
    } catch (err) {
      throw new IoError(`fsync of the WAL ${this.file} failed: ${String(err)}`, err);
    }
  }

  /** Takes back everything after `size`, the end of the last complete record kept. */
  rollbackTo(size: number): void {
    const end = this.size;
    this.size = size;
    this.rollback(end);
  }

  /** Undoes bytes in [size, end): zeros inside preallocated space, a cut past it. */
  private rollback(end: number): void {
    try {
      if (this.preallocate && end <= this.allocated) {
        writeZeros(this.fd, this.size, end);
        return;
      }
    } catch {
      // Fall back to cutting the file.
    }
    try {
      fs.ftruncateSync(this.fd, this.size);
      this.allocated = this.size;
    } catch {
      // The original error is what the caller needs to see; recovery handles any torn tail.
    }
  }

  /** Trims preallocated zeros, so a closed log's file holds exactly its records. */
  close(): void {
    try {
      if (this.allocated > this.size) fs.ftruncateSync(this.fd, this.size);
    } catch {
      // Harmless: the next open cuts the zero tail.
    } finally {
      fs.closeSync(this.fd);
    }
  }
}
