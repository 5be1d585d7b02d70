/**
 * Where a commit's WAL record goes, per durability mode.
 *
 *   StrictLog    write + fdatasync before the commit returns (into preallocated space).
 *   BufferedLog  append to a memory buffer; hand full (maxPendingWrites) or old (flushIntervalMs)
 *                buffers to a flusher thread that writes and fdatasyncs them.
 *
 * The flusher is a worker thread so fsync never runs on the commit path, and so flushing
 * goes on while the main thread is busy in a long synchronous loop. At most one batch is in
 * flight: handing off the next one first waits for the previous (Atomics.wait), which bounds
 * the loss window to the in-flight batch plus the current buffer, i.e. to what was pending
 * since the last completed flush. A kill during the flusher's write() may leave part of the
 * in-flight batch in the file (Linux stops a write at a page boundary on a fatal signal);
 * recovery keeps its whole, checksummed records and drops the torn one, so a transaction is
 * never recovered in part.
 *
 * File offsets are owned by the main thread (WalWriter.bytes); the flusher writes each batch
 * at the offset it is given, and the main thread only writes itself after the flusher is idle.
 *
 * A failed fsync poisons the log: every later commit throws IoError until the database is
 * reopened. After fsync reports EIO nobody can tell what reached the disk (Linux may already
 * have dropped the dirty pages and report the next fsync as a success), so going on would
 * acknowledge commits on top of a hole; PostgreSQL draws the same line ("fsyncgate", 2018) and
 * crash-recovers. A failed write() whose bytes were cut back off the file is different: nothing
 * acknowledged is lost, so a strict log goes on. A buffered log is poisoned by either, since
 * the bytes of the commits it had acknowledged went with the failed batch.
 */
import { Worker } from 'node:worker_threads';
import type { DurabilityMode } from './durability.ts';
import { IoError } from './errors.ts';
import type { PerfTrace } from './perf-trace.ts';
import type { WalWriter } from './wal.ts';

export interface CommitLog {
  readonly mode: DurabilityMode;
  /** Logs one encoded record. `strict` forces it (and everything before it) to disk now. */
  append(record: Buffer, strict: boolean, trace?: PerfTrace): void;
  /** Writes and fsyncs everything pending. */
  flush(): void;
  /** Flushes and releases threads, timers and hooks. Idempotent. */
  shutdown(): void;
  /**
   * Goes on in `wal` (a new, empty log: a checkpoint's) and closes the old writer. Call it
   * right after flush(), with nothing pending.
   */
  switchTo(wal: WalWriter): void;
  readonly bytes: number;
  /** Commits logged but not yet known to be on disk. */
  readonly pendingCommits: number;
}

function now(): number {
  return performance.now() * 1e6;
}

export class StrictLog implements CommitLog {
  readonly mode: DurabilityMode = { kind: 'strict' };
  /** Set by a buffered-override commit: written but not yet fsynced. */
  private unsynced = 0;
  private closed = false;
  /** The failed fsync's error, once the log is poisoned. */
  private failure: unknown;

  constructor(private wal: WalWriter) {
    // Each commit's fdatasync then flushes its record only, not also a new file size.
    wal.enablePreallocation();
  }

  switchTo(wal: WalWriter): void {
    const old = this.wal;
    wal.enablePreallocation();
    this.wal = wal;
    this.unsynced = 0;
    old.close();
  }

  get bytes(): number {
    return this.wal.bytes;
  }

  get pendingCommits(): number {
    return this.unsynced;
  }

  private checkUsable(): void {
    if (this.failure !== undefined) throw poisoned(this.wal.file, this.failure, 'an earlier fsync');
  }

  private syncOrPoison(): void {
    try {
      this.wal.sync();
    } catch (err) {
      this.failure = err;
      throw err;
    }
  }

  append(record: Buffer, strict: boolean, trace?: PerfTrace): void {
    this.checkUsable();
    const before = this.wal.bytes;
    let t0 = trace === undefined ? 0 : now();
    this.wal.write(record);
    if (!strict) {
      // transactionWithDurability(buffered) in a strict database: written, fsynced later.
      this.unsynced++;
      if (trace !== undefined) trace.walAppendNs += now() - t0;
      return;
    }
    if (trace !== undefined) {
      const t1 = now();
      trace.walAppendNs += t1 - t0;
      t0 = t1;
    }
    try {
      this.syncOrPoison();
    } catch (err) {
      // Not durable, so not committed: take the record back out of the file.
      this.wal.rollbackTo(before);
      throw err;
    }
    this.unsynced = 0;
    if (trace !== undefined) trace.fsyncNs += now() - t0;
  }

  flush(): void {
    this.checkUsable();
    if (this.unsynced > 0) {
      this.syncOrPoison();
      this.unsynced = 0;
    }
  }

  shutdown(): void {
    if (this.closed) return;
    try {
      // A poisoned log has nothing it could still make durable; its failure was already
      // thrown to the commit or flush that hit it.
      if (this.failure === undefined) this.flush();
    } finally {
      // Release the descriptor even when the final fsync failed (M3's close() did too).
      this.closed = true;
      this.wal.close();
    }
  }
}

/** The error a poisoned log throws; `failure` (the original error) becomes its cause. */
function poisoned(file: string, failure: unknown, what: string): IoError {
  // Name the system error (EIO, ENOSPC, ...) rather than repeat the wrapper's message.
  const root = failure instanceof Error && failure.cause !== undefined ? failure.cause : failure;
  const reason = root instanceof Error ? root.message : String(root);
  return new IoError(
    `the WAL ${file} accepts no more commits: ${what} failed (${reason}), so what reached the disk is unknown. Reopen the database to recover from the file.`,
    failure,
  );
}

/** Runs in the flusher thread (plain JS: it must load without the TypeScript loader). */
const FLUSHER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const state = new Int32Array(workerData.state);
let fd = fs.openSync(workerData.file, 'r+');
let failed = false;
const fail = (err, offset) => {
  failed = true;
  if (offset !== undefined) { try { fs.ftruncateSync(fd, offset); } catch {} }
  parentPort.postMessage({ type: 'error', message: String(err && err.message || err) });
  Atomics.store(state, 1, 1);
};
parentPort.on('message', (msg) => {
  if (msg.type === 'close') { try { fs.closeSync(fd); } catch {} parentPort.close(); return; }
  if (failed) return;
  if (msg.type === 'switch') {
    try { fs.closeSync(fd); fd = fs.openSync(msg.file, 'r+'); } catch (err) { fail(err); }
    return;
  }
  try {
    const buf = Buffer.from(msg.bytes.buffer, msg.bytes.byteOffset, msg.bytes.byteLength);
    let done = 0;
    while (done < buf.length) done += fs.writeSync(fd, buf, done, buf.length - done, msg.offset + done);
    fs.fdatasyncSync(fd);
  } catch (err) {
    fail(err, msg.offset);
  }
  Atomics.store(state, 0, msg.seq);
  Atomics.notify(state, 0);
});
`;

/** Buffered logs not yet shut down: one exit hook flushes them all on a normal exit. */
const liveBufferedLogs = new Set<BufferedLog>();
process.on('exit', () => {
  for (const log of liveBufferedLogs) {
    try {
      log.flush();
    } catch {
      // Nothing can be reported from an exit hook; recovery handles a torn tail.
    }
  }
});

/** How long shutdown and strict commits wait for an in-flight flush before giving up. */
const FLUSH_WAIT_MS = 30_000;

export class BufferedLog implements CommitLog {
  readonly mode: DurabilityMode;
  private readonly maxPending: number;
  private readonly intervalMs: number;
  /**
   * Pending records, back to back in one growable buffer: appending copies bytes, and no
   * per-record Buffer object stays alive until the flush.
   */
  private chunk = Buffer.allocUnsafeSlow(64 * 1024);
  private pendingBytes = 0;
  private pendingCount = 0;
  /** Date.now() when the oldest pending record was appended. */
  private oldestPendingAt = 0;
  /** [0] = last flushed batch seq, [1] = error flag. */
  private readonly state = new Int32Array(new SharedArrayBuffer(8));
  private posted = 0;
  private inFlightCommits = 0;
  private worker: Worker | undefined;
  /** What failed: a foreground flush's error, or the flusher's message (it arrives after the flag). */
  private failure: unknown;
  /** Whether some call has already thrown the failure to the application. */
  private failureReported = false;
  private readonly timer: NodeJS.Timeout;
  private closed = false;

  constructor(
    private wal: WalWriter,
    mode: Extract<DurabilityMode, { kind: 'buffered' }>,
  ) {
    this.mode = mode;
    this.maxPending = mode.maxPendingWrites;
    this.intervalMs = mode.flushIntervalMs;
    // The timer covers idle periods; busy commit loops check the age on every commit.
    this.timer = setInterval(() => {
      // Hands off only to an idle, healthy flusher, so the timer never blocks the event loop
      // and never throws (an uncaught exception could reach nobody): a failure stays recorded
      // for the next commit, flush or close. The flusher stores the error flag before its
      // batch's seq, so reading seq first makes a failed batch's flag visible here.
      if (this.flushedSeq() < this.posted || Atomics.load(this.state, 1) !== 0) return;
      if (this.pendingCount > 0 && Date.now() - this.oldestPendingAt >= this.intervalMs) {
        this.handOff();
      }
    }, this.intervalMs);
    this.timer.unref();
    liveBufferedLogs.add(this);
  }

  get bytes(): number {
    return this.wal.bytes + this.pendingBytes;
  }

  get pendingCommits(): number {
    return this.pendingCount + (this.flushedSeq() < this.posted ? this.inFlightCommits : 0);
  }

  private flushedSeq(): number {
    return Atomics.load(this.state, 0);
  }

  private startWorker(): Worker {
    const w = new Worker(FLUSHER_SOURCE, {
      eval: true,
      workerData: { file: this.wal.file, state: this.state.buffer },
    });
    w.on('message', (msg: { type: string; message: string }) => {
      if (msg.type === 'error') this.failure ??= new Error(msg.message);
    });
    // Never keep the process alive for the flusher; the exit hook flushes what is left.
    w.unref();
    this.worker = w;
    return w;
  }

  private checkHealthy(): void {
    if (Atomics.load(this.state, 1) !== 0) {
      this.failureReported = true;
      throw poisoned(
        this.wal.file,
        this.failure ?? 'the flusher thread reported an error',
        'a flush (commits since the last good flush may be lost)',
      );
    }
  }

  /** A foreground flush failed: the batch's bytes are gone from the file, so stop here. */
  private poison(err: unknown): void {
    this.failure ??= err;
    this.failureReported = true; // the caller rethrows err
    Atomics.store(this.state, 1, 1);
  }

  /** Blocks until every handed-off batch is on disk. */
  private waitIdle(): void {
    const deadline = Date.now() + FLUSH_WAIT_MS;
    for (;;) {
      const seq = this.flushedSeq();
      if (seq >= this.posted) break;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new IoError(`the WAL flusher did not finish within ${FLUSH_WAIT_MS} ms`, undefined);
      Atomics.wait(this.state, 0, seq, left);
    }
    this.inFlightCommits = 0;
    this.checkHealthy();
  }

  /**
   * Moves the pending bytes into a buffer that owns its memory, so it can be transferred to
   * the flusher thread (a slice of the chunk, or of Node's Buffer pool, must never be).
   */
  private takePending(): Buffer {
    const batch = Buffer.from(new ArrayBuffer(this.pendingBytes));
    this.chunk.copy(batch, 0, 0, this.pendingBytes);
    this.pendingBytes = 0;
    this.pendingCount = 0;
    return batch;
  }

  /** Gives the pending buffer to the flusher (after the previous batch has landed). */
  private handOff(): void {
    if (this.pendingCount === 0) return;
    this.waitIdle();
    const commits = this.pendingCount;
    const batch = this.takePending();
    const offset = this.wal.bytes;
    this.wal.advance(batch.length);
    this.posted++;
    this.inFlightCommits = commits;
    (this.worker ?? this.startWorker()).postMessage(
      { type: 'batch', bytes: batch, offset, seq: this.posted },
      [batch.buffer as ArrayBuffer],
    );
  }

  append(record: Buffer, strict: boolean, trace?: PerfTrace): void {
    this.checkHealthy();
    const t0 = trace === undefined ? 0 : now();
    if (this.pendingCount === 0) this.oldestPendingAt = Date.now();
    if (this.pendingBytes + record.length > this.chunk.length) {
      const grown = Buffer.allocUnsafeSlow(
        Math.max(this.chunk.length * 2, this.pendingBytes + record.length),
      );
      this.chunk.copy(grown, 0, 0, this.pendingBytes);
      this.chunk = grown;
    }
    this.chunk.set(record, this.pendingBytes);
    this.pendingBytes += record.length;
    this.pendingCount++;
    if (strict) {
      // A strict commit in a buffered database: it, and everything before it, durable now.
      try {
        this.flushTimed(trace, t0);
      } catch (err) {
        this.takeBack(record.length);
        throw err;
      }
      return;
    }
    if (trace !== undefined) trace.walAppendNs += now() - t0;
    if (
      this.pendingCount >= this.maxPending ||
      Date.now() - this.oldestPendingAt >= this.intervalMs
    ) {
      try {
        this.handOff();
      } catch (err) {
        this.takeBack(record.length);
        throw err;
      }
    }
  }

  /**
   * The commit whose record was just appended throws (the previous batch did not land in
   * time, or the log is poisoned): its record must not stay pending, or it would be flushed
   * later for a commit memory never applied, and the next commit would log the same version.
   * Still pending means still last in the buffer; once taken, the failure poisoned the log.
   */
  private takeBack(bytes: number): void {
    if (this.pendingCount === 0) return;
    this.pendingBytes -= bytes;
    this.pendingCount--;
  }

  private flushTimed(trace: PerfTrace | undefined, t0: number): void {
    this.waitIdle();
    if (this.pendingCount === 0) return;
    const before = this.wal.bytes;
    try {
      this.wal.write(this.takePending());
    } catch (err) {
      this.poison(err);
      throw err;
    }
    const t1 = trace === undefined ? 0 : now();
    if (trace !== undefined) trace.walAppendNs += t1 - t0;
    try {
      this.wal.sync();
    } catch (err) {
      this.wal.rollbackTo(before);
      this.poison(err);
      throw err;
    }
    if (trace !== undefined) trace.fsyncNs += now() - t1;
  }

  /** Synchronously writes and fsyncs everything: waits for the flusher, then writes the rest. */
  flush(): void {
    if (this.closed) return;
    this.flushTimed(undefined, 0);
  }

  switchTo(wal: WalWriter): void {
    if (this.pendingCount > 0 || this.flushedSeq() < this.posted) {
      throw new IoError('switching the WAL with commits still pending: flush first', undefined);
    }
    // The flusher holds its own descriptor on the old file: it reopens before the next batch
    // (messages arrive in order). Restarting the thread instead costs a new isolate per
    // checkpoint, which at buffered commit rates is several per second.
    this.worker?.postMessage({ type: 'switch', file: wal.file });
    const old = this.wal;
    this.wal = wal;
    old.close();
  }

  shutdown(): void {
    if (this.closed) return;
    try {
      // A background failure nobody has heard of yet is thrown here (by waitIdle); one already
      // thrown to a commit is not thrown again.
      if (!this.failureReported) this.flush();
    } finally {
      this.closed = true;
      clearInterval(this.timer);
      liveBufferedLogs.delete(this);
      if (this.worker !== undefined) {
        this.worker.postMessage({ type: 'close' });
        this.worker = undefined;
      }
      this.wal.close();
    }
  }
}
