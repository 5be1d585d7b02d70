/**
 * The database: versioned storage, optimistic transactions, and a commit log whose behaviour
 * is the durability mode chosen at open (see durability.ts). `Database.open(path)` keeps the
 * M3 behaviour: strict, every commit fsynced before it returns.
 *
 * Synchronous like better-sqlite3: an operation returns when it is committed (and, in strict
 * mode, on disk). The engine is single-threaded per instance; run one instance per worker
 * thread or process.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  checkpointDone,
  loadCheckpoint,
  startNewWal,
  writeCheckpoint,
  type CheckpointInfo,
} from './checkpoint.ts';
import { BufferedLog, StrictLog, type CommitLog } from './commit-log.ts';
import { DurabilityMode } from './durability.ts';
import { closeOnExitSignals } from './exit-signals.ts';
import {
  ClosedError,
  CorruptionError,
  InMemError,
  InvalidArgumentError,
  TransactionStateError,
} from './errors.ts';
import { checkRawKey, normalizeRunId, type RunId } from './keys.ts';
import { acquireLock, ensureDirectory, releaseLock, walPathError, type DirLock } from './lock.ts';
import { PERF_TRACE_ENABLED, PerfRecorder, type PerfStats, type PerfTrace } from './perf-trace.ts';
import { VersionedStore } from './storage.ts';
import { Transaction, type TransactionHost } from './transaction.ts';
import { admitValue, exportValue, type Value } from './value.ts';
import {
  encodeRecord,
  encodeRecordOne,
  recoverWal,
  walBaseVersion,
  WAL_FILE,
  WalWriter,
  type RecoveryReport,
} from './wal.ts';

export interface DatabaseStats {
  /** Commits that wrote something (each one WAL record). */
  commits: number;
  /** Transactions that committed without writing. */
  readOnlyCommits: number;
  /** Transactions that ended in abort, conflicts included. */
  aborts: number;
  conflicts: number;
  /** Newest commit version. */
  version: number;
  /** Bytes in the WAL, buffered bytes included (0 in memory). */
  walBytes: number;
  /** Commits acknowledged but not yet known to be on disk (buffered mode). */
  pendingCommits: number;
  /** Checkpoints written since open (automatic and `checkpoint()`). */
  checkpoints: number;
  /** Commit version of the directory's checkpoint (0: none). */
  checkpointVersion: number;
  /** Size of the checkpoint file (0: none). */
  checkpointBytes: number;
  /** Automatic checkpoints that failed (the commits stood; the WAL just kept growing). */
  checkpointFailures: number;
}

interface OpenConfig {
  dir: string | undefined;
  mode: DurabilityMode;
  /** openTemp(): remove the directory on close. */
  removeOnClose: boolean;
  /** WAL bytes that trigger an automatic checkpoint (default DEFAULT_CHECKPOINT_BYTES). */
  checkpointEvery?: number;
}

/**
 * The WAL size that triggers an automatic checkpoint, unless the live state is bigger (then
 * 4x the checkpoint's size, so the bytes a checkpoint rewrites stay a fixed share of the
 * writes). 1 MB is about 17k one-key records, which replay in ~30 ms on the 2-core test
 * machine (~1.8 µs a record).
 */
export const DEFAULT_CHECKPOINT_BYTES = 1024 * 1024;
const CHECKPOINT_LIVE_FACTOR = 4;
/**
 * With the default threshold, an automatic checkpoint also waits until this many times its
 * previous duration has passed since it ended, so checkpoints take at most ~1/40 of the wall
 * time. A checkpoint has a fixed cost (four fsyncs, ~2 ms here) that buffered commits, at
 * ~2 µs each, would otherwise pay every ~30 ms: a 6 % slowdown. Strict commits fill 1 MB in
 * seconds, so the rule never binds there. Pacing defers a checkpoint by at most one more
 * threshold, so the WAL a reopen replays stays under twice the threshold. An explicit
 * checkpointEvery() is followed exactly.
 */
const CHECKPOINT_TIME_FACTOR = 40;

const NO_RECOVERY: RecoveryReport = Object.freeze({ records: 0, truncatedBytes: 0, validBytes: 0 });

function nowNs(): number {
  return performance.now() * 1e6;
}

export class Database implements TransactionHost {
  readonly store = new VersionedStore();
  /** The directory, or undefined for an in-memory database (which writes no file at all). */
  readonly path: string | undefined;
  readonly durabilityMode: DurabilityMode;
  readonly recovery: RecoveryReport;
  private readonly log: CommitLog | undefined;
  /** Whether a commit without a per-transaction override is fsynced before it returns. */
  private readonly strictByDefault: boolean;
  private readonly removeOnClose: boolean;
  /** Present only when INMEM_PERF_TRACE=1 was set at process start. */
  private readonly perf: PerfRecorder | undefined = PERF_TRACE_ENABLED
    ? new PerfRecorder()
    : undefined;
  private closed = false;
  /** The directory's LOCK, held from open to shutdown (see lock.ts); set by openWith. */
  private dirLock: DirLock | undefined;
  /** Open transactions, oldest first; an array so a sync transaction is a push and a pop. */
  private readonly openTransactions: Transaction[] = [];
  private readonly counters = { commits: 0, readOnlyCommits: 0, aborts: 0, conflicts: 0 };
  /** Set by closeOnExitSignals(): takes this database out of the signal handlers. */
  private leaveExitSignals: (() => void) | undefined;
  private readonly checkpointEvery: number;
  /** Whether checkpointEvery is the default, so the time share above applies. */
  private readonly checkpointPaced: boolean;
  /** performance.now() when the last checkpoint ended, and how long it took (ms). */
  private checkpointEndedAt = 0;
  private checkpointMs = 0;
  /** WAL bytes past which pacing no longer defers a checkpoint: reopen stays bounded. */
  private checkpointDeadline = Number.POSITIVE_INFINITY;
  /** WAL bytes past which a commit triggers a checkpoint (Infinity in memory). */
  private checkpointAt = Number.POSITIVE_INFINITY;
  private checkpointInfo: CheckpointInfo = { version: 0, bytes: 0 };
  private readonly checkpointCounters = { checkpoints: 0, checkpointFailures: 0 };

  private constructor(config: OpenConfig) {
    this.durabilityMode = config.mode;
    this.removeOnClose = config.removeOnClose;
    this.strictByDefault = config.mode.kind === 'strict';
    this.checkpointEvery = config.checkpointEvery ?? DEFAULT_CHECKPOINT_BYTES;
    this.checkpointPaced = config.checkpointEvery === undefined;
    if (config.mode.kind === 'inMemory' || config.dir === undefined) {
      this.path = undefined;
      this.recovery = NO_RECOVERY;
      this.log = undefined;
      return;
    }
    this.path = config.dir;
    const walFile = path.join(config.dir, WAL_FILE);
    const store = this.store;
    const ckpt = loadCheckpoint(config.dir, store);
    const base = walBaseVersion(walFile);
    if (base !== undefined && base > ckpt.version) {
      throw new CorruptionError(
        `${walFile} continues from version ${base}, but the checkpoint holds versions up to ${ckpt.version}: commits ${ckpt.version + 1}..${base} are missing. Restore the directory from a backup.`,
        walFile,
        12,
      );
    }
    // Records the checkpoint already holds are skipped; the rest must follow on without a gap
    // (recoverWal checks each version against the previous one).
    this.recovery = recoverWal(
      walFile,
      (r) => {
        // A log written before run ids were normalised may spell one run in upper case.
        if (r.version > ckpt.version) store.replay(r.runId.toLowerCase(), r.writes, r.version);
      },
      ckpt.version,
    );
    this.checkpointInfo = ckpt;
    const wal = new WalWriter(walFile, this.recovery.validBytes);
    this.log =
      config.mode.kind === 'buffered' ? new BufferedLog(wal, config.mode) : new StrictLog(wal);
    this.setCheckpointThreshold();
  }

  private setCheckpointThreshold(): void {
    const log = this.log;
    if (log === undefined) return;
    const step = Math.max(this.checkpointEvery, CHECKPOINT_LIVE_FACTOR * this.checkpointInfo.bytes);
    this.checkpointAt = log.bytes + step;
    this.checkpointDeadline = log.bytes + 2 * step;
  }

  /** Opens (or creates) a strict database in directory `dir` and replays its WAL (M3 behaviour). */
  static open(dir: string): Database {
    return Database.openWith({
      dir: requireDir(dir, 'Database.open'),
      mode: DurabilityMode.strict(),
      removeOnClose: false,
    });
  }

  /** A builder for choosing the path and durability mode. */
  static builder(): DatabaseBuilder {
    return new DatabaseBuilder();
  }

  /** @internal Used by Database.open and DatabaseBuilder. */
  static openWith(config: OpenConfig): Database {
    if (config.mode.kind === 'inMemory' || config.dir === undefined) {
      return new Database({ ...config, dir: undefined });
    }
    const resolved = path.resolve(config.dir);
    ensureDirectory(resolved);
    const lock = acquireLock(resolved);
    try {
      const db = new Database({ ...config, dir: resolved });
      db.dirLock = lock;
      return db;
    } catch (err) {
      releaseLock(lock);
      if (config.removeOnClose) fs.rmSync(resolved, { recursive: true, force: true });
      throw walPathError(resolved, path.join(resolved, WAL_FILE), err) ?? err;
    }
  }

  checkOpen(): void {
    if (this.closed) throw new ClosedError();
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /** Newest commit version. */
  get version(): number {
    return this.store.version;
  }

  stats(): DatabaseStats {
    return {
      ...this.counters,
      version: this.store.version,
      walBytes: this.log?.bytes ?? 0,
      pendingCommits: this.log?.pendingCommits ?? 0,
      ...this.checkpointCounters,
      checkpointVersion: this.checkpointInfo.version,
      checkpointBytes: this.checkpointInfo.bytes,
    };
  }

  /**
   * Writes the newest committed state to the checkpoint file and starts a new, empty WAL, so
   * the next open loads the checkpoint and replays only what came after. Buffered commits are
   * flushed first. Open transactions and snapshots are unaffected. A no-op in memory.
   */
  checkpoint(): void {
    this.checkOpen();
    const log = this.log;
    const dir = this.path;
    if (log === undefined || dir === undefined) return;
    const t0 = performance.now();
    log.flush();
    const info = writeCheckpoint(dir, this.store);
    const walBytes = startNewWal(dir, info.version);
    // wal.log is now the new file: nothing may be written to the old one.
    let wal: WalWriter;
    try {
      wal = new WalWriter(path.join(dir, WAL_FILE), walBytes);
    } catch (err) {
      // The directory is consistent (checkpoint + empty WAL), but this instance can't go on.
      this.shutdown();
      throw err;
    }
    log.switchTo(wal);
    this.checkpointInfo = info;
    this.checkpointCounters.checkpoints++;
    this.setCheckpointThreshold();
    this.checkpointEndedAt = performance.now();
    this.checkpointMs = this.checkpointEndedAt - t0;
    checkpointDone();
  }

  /** After every commit: one compare, and a checkpoint when the WAL passed the threshold. */
  private checkpointIfDue(): void {
    const log = this.log;
    if (log !== undefined && log.bytes > this.checkpointAt) this.autoCheckpoint(log);
  }

  /** After a commit that took the WAL past the threshold. Never throws: the commit stood. */
  private autoCheckpoint(log: CommitLog): void {
    if (
      this.checkpointPaced &&
      log.bytes < this.checkpointDeadline &&
      performance.now() - this.checkpointEndedAt < CHECKPOINT_TIME_FACTOR * this.checkpointMs
    ) {
      // Commits come faster than checkpoints pay off: look again after another slice of WAL
      // (a clock read every 1/8 threshold, not on every commit).
      this.checkpointAt = log.bytes + this.checkpointEvery / 8;
      return;
    }
    try {
      this.checkpoint();
    } catch {
      this.checkpointCounters.checkpointFailures++;
      // Try again only after as many bytes again, not on every commit.
      this.checkpointAt = log.bytes + this.checkpointEvery;
    }
  }

  /**
   * Per-commit timing aggregates. Commits are traced only when INMEM_PERF_TRACE=1 was set at
   * process start; otherwise the count is 0 and the summary says how to enable it.
   */
  perfStats(): PerfStats {
    return (this.perf ?? new PerfRecorder()).stats();
  }

  /** The most recent commit's trace, when tracing is on. */
  lastPerfTrace(): PerfTrace | undefined {
    return this.perf?.last;
  }

  /** Starts a transaction on one run. It may live across awaits; end it with commit() or abort(). */
  begin(runId: RunId): Transaction {
    this.checkOpen();
    const id = canonicalRunId(this.store, runId);
    let txn: Transaction;
    if (this.perf === undefined) {
      txn = new Transaction(this, id);
    } else {
      const t0 = nowNs();
      txn = new Transaction(this, id);
      txn.snapshotAcquireNs = nowNs() - t0;
    }
    this.openTransactions.push(txn);
    return txn;
  }

  /**
   * Runs `fn` in a transaction: commits when it returns, aborts when it throws, and returns
   * what it returned. The body must be synchronous; use `begin()` for work across awaits.
   */
  transaction<T>(runId: RunId, fn: (txn: Transaction) => T): T {
    return this.runTransaction(this.begin(runId), fn);
  }

  /**
   * Like `transaction`, with this commit's durability overridden. In a buffered database a
   * strict commit is on disk when this returns, together with everything buffered before it;
   * in a strict database a buffered commit is written but fsynced only with the next strict
   * commit, a flush or close. Every commit of a WAL database is logged (recovery replays a
   * gap-free history), so inMemory can't be chosen there, nor a WAL mode in memory.
   */
  transactionWithDurability<T>(runId: RunId, mode: DurabilityMode, fn: (txn: Transaction) => T): T {
    const override = DurabilityMode.fromJSON(mode);
    if ((override.kind === 'inMemory') !== (this.durabilityMode.kind === 'inMemory')) {
      throw new InvalidArgumentError(
        `a ${this.durabilityMode.kind} database can't commit in ${override.kind} mode: ` +
          (override.kind === 'inMemory'
            ? 'every commit of a WAL database is logged'
            : 'an in-memory database has no WAL'),
      );
    }
    const txn = this.begin(runId);
    txn.durability = override;
    return this.runTransaction(txn, fn);
  }

  private runTransaction<T>(txn: Transaction, fn: (txn: Transaction) => T): T {
    let result: T;
    try {
      result = fn(txn);
    } catch (err) {
      txn.abort();
      throw err;
    }
    if (
      result !== null &&
      typeof result === 'object' &&
      typeof (result as { then?: unknown }).then === 'function'
    ) {
      txn.abort();
      throw new TransactionStateError(
        'the transaction body returned a Promise; it must be synchronous (use db.begin() for async work)',
      );
    }
    if (txn.state === 'active') txn.commit();
    // Aborted without a throw: by the body itself, or by close(); after close the caller
    // must not take the return for a commit.
    else if (txn.state === 'aborted') this.checkOpen();
    return result;
  }

  /**
   * One-key write committed on its own: the same result as a one-key transaction, without
   * building one (no snapshot to pin, nothing to validate: a blind write in a single-threaded
   * engine can't lose a race; open transactions that touch the key see it at their commit).
   */
  put(runId: RunId, key: string, value: unknown): void {
    this.checkOpen();
    checkRawKey(key);
    this.commitOne(canonicalRunId(this.store, runId), key, admitValue(value));
  }

  /** One-key delete committed on its own; returns whether the key existed. */
  delete(runId: RunId, key: string): boolean {
    this.checkOpen();
    checkRawKey(key);
    const id = canonicalRunId(this.store, runId);
    const shard = this.store.shard(id);
    if (shard?.get(key)?.value === undefined) return false;
    this.commitOne(id, key, undefined);
    return true;
  }

  /** Fast-path read: what a read-only transaction started now would return. */
  get(runId: RunId, key: string): Value | undefined {
    this.checkOpen();
    // The id as given first: runs are stored lower case, so a hit needs no normalising.
    let shard = this.store.shard(runId);
    if (shard === undefined) {
      const id = normalizeRunId(runId);
      shard = id === runId ? undefined : this.store.shard(id);
      if (shard === undefined) {
        checkRawKey(key);
        return undefined;
      }
    }
    checkRawKey(key);
    const v = shard.get(key)?.value;
    return v === undefined ? undefined : exportValue(v);
  }

  /** Commit version of `key` now (0 when absent). */
  getVersion(runId: RunId, key: string): number {
    this.checkOpen();
    const id = canonicalRunId(this.store, runId);
    checkRawKey(key);
    const e = this.store.latestEntry(id, key);
    return e === undefined || e.value === undefined ? 0 : e.version;
  }

  /** Fast-path list of keys under `prefix` in a run, sorted. */
  list(runId: RunId, prefix = ''): Array<[string, Value]> {
    this.checkOpen();
    const id = canonicalRunId(this.store, runId);
    return this.store
      .scan(id, prefix, this.store.version)
      .map(([k, e]) => [k, exportValue(e.value as Value)]);
  }

  /** Runs that hold any data. */
  runIds(): RunId[] {
    this.checkOpen();
    // A shard can hold only tombstones (deletes made while a snapshot was open).
    const live = (shard: Map<string, { value: Value | undefined }>): boolean => {
      for (const e of shard.values()) if (e.value !== undefined) return true;
      return false;
    };
    return [...this.store.shards].filter(([, shard]) => live(shard)).map(([id]) => id);
  }

  /** A read-only view pinned at the current version, across runs. Call `release()` when done. */
  snapshot(): Snapshot {
    this.checkOpen();
    return new Snapshot(this);
  }

  private isStrict(override: DurabilityMode | undefined): boolean {
    return override === undefined ? this.strictByDefault : override.kind === 'strict';
  }

  private validate(txn: Transaction): void {
    try {
      txn.validate(this.store);
    } catch (err) {
      if (err instanceof InMemError && err.code === 'CONFLICT') this.counters.conflicts++;
      throw err;
    }
  }

  /** @internal Called by Transaction.commit. */
  commitTransaction(txn: Transaction): void {
    this.checkOpen();
    if (txn.writes.size === 0) {
      this.counters.readOnlyCommits++;
      return;
    }
    if (this.perf !== undefined) {
      this.commitTransactionTraced(txn, this.perf);
      return;
    }
    this.validate(txn);
    const version = this.store.version + 1;
    // Write-ahead: the log takes the record (and in strict mode fsyncs it) before memory changes.
    this.log?.append(encodeRecord(version, txn.runId, txn.writes), this.isStrict(txn.durability));
    // Drop this transaction's own pin first: it reads nothing more, and while it is held
    // `apply` would keep every overwritten version and every delete's tombstone.
    this.releaseTransaction(txn);
    this.store.apply(txn.runId, txn.writes, version);
    this.counters.commits++;
    this.checkpointIfDue();
  }

  /** The same steps as commitTransaction, each timed. Chosen at open, never when tracing is off. */
  private commitTransactionTraced(txn: Transaction, perf: PerfRecorder): void {
    const trace: PerfTrace = {
      snapshotAcquireNs: txn.snapshotAcquireNs,
      readSetValidateNs: 0,
      writeSetApplyNs: 0,
      walAppendNs: 0,
      fsyncNs: 0,
      commitTotalNs: 0,
      keysRead: txn.readCount,
      keysWritten: txn.writes.size,
    };
    const t0 = nowNs();
    this.validate(txn);
    const t1 = nowNs();
    trace.readSetValidateNs = t1 - t0;
    const version = this.store.version + 1;
    if (this.log !== undefined) {
      const record = encodeRecord(version, txn.runId, txn.writes);
      trace.walAppendNs = nowNs() - t1;
      this.log.append(record, this.isStrict(txn.durability), trace);
    }
    const t2 = nowNs();
    this.releaseTransaction(txn);
    this.store.apply(txn.runId, txn.writes, version);
    const t3 = nowNs();
    trace.writeSetApplyNs = t3 - t2;
    trace.commitTotalNs = t3 - t0 + trace.snapshotAcquireNs;
    perf.record(trace);
    this.counters.commits++;
    this.checkpointIfDue();
  }

  private commitOne(runId: RunId, key: string, value: Value | undefined): void {
    if (this.perf !== undefined) {
      this.commitOneTraced(runId, key, value, this.perf);
      return;
    }
    const version = this.store.version + 1;
    this.log?.append(encodeRecordOne(version, runId, key, value), this.strictByDefault);
    this.store.applyOne(runId, key, value, version);
    this.counters.commits++;
    this.checkpointIfDue();
  }

  private commitOneTraced(
    runId: RunId,
    key: string,
    value: Value | undefined,
    perf: PerfRecorder,
  ): void {
    const trace: PerfTrace = {
      snapshotAcquireNs: 0,
      readSetValidateNs: 0,
      writeSetApplyNs: 0,
      walAppendNs: 0,
      fsyncNs: 0,
      commitTotalNs: 0,
      keysRead: 0,
      keysWritten: 1,
    };
    const t0 = nowNs();
    const version = this.store.version + 1;
    if (this.log !== undefined) {
      const record = encodeRecordOne(version, runId, key, value);
      trace.walAppendNs = nowNs() - t0;
      this.log.append(record, this.strictByDefault, trace);
    }
    const t1 = nowNs();
    this.store.applyOne(runId, key, value, version);
    const t2 = nowNs();
    trace.writeSetApplyNs = t2 - t1;
    trace.commitTotalNs = t2 - t0;
    perf.record(trace);
    this.counters.commits++;
    this.checkpointIfDue();
  }

  /** @internal Called when a transaction ends either way. */
  releaseTransaction(txn: Transaction): void {
    const open = this.openTransactions;
    const i = open[open.length - 1] === txn ? open.length - 1 : open.lastIndexOf(txn);
    if (i >= 0) {
      if (i === open.length - 1) open.pop();
      else open.splice(i, 1);
      this.store.unpin(txn.snapshotVersion);
      if (txn.state === 'aborted') this.counters.aborts++;
    }
  }

  /**
   * Opt-in: close this database (flushing buffered commits) on SIGTERM, SIGINT or SIGHUP, then
   * let the signal end the process as it would have; without it those signals lose a buffered
   * database's pending commits. An application listener of its own for the signal keeps the
   * process alive (see exit-signals.ts). Returns a function that undoes it; close() does too.
   */
  closeOnExitSignals(): () => void {
    this.checkOpen();
    if (this.leaveExitSignals === undefined) {
      const leave = closeOnExitSignals(this);
      const undo = (): void => {
        if (this.leaveExitSignals === undo) this.leaveExitSignals = undefined;
        leave();
      };
      this.leaveExitSignals = undo;
    }
    return this.leaveExitSignals;
  }

  /** Writes and fsyncs every buffered commit now (a no-op in strict and in-memory modes). */
  flush(): void {
    this.checkOpen();
    this.log?.flush();
  }

  /**
   * Graceful stop: aborts open transactions, flushes what is buffered (waiting for a flush in
   * flight), stops the flusher and releases the directory. Idempotent; close() calls it.
   */
  shutdown(): void {
    if (this.closed) return;
    this.leaveExitSignals?.();
    for (const txn of [...this.openTransactions]) txn.abort();
    this.closed = true;
    try {
      this.log?.shutdown();
    } finally {
      const lock = this.dirLock;
      this.dirLock = undefined;
      if (lock !== undefined) releaseLock(lock);
    }
  }

  /** Shuts down, then removes the directory of a database opened with openTemp(). Idempotent. */
  close(): void {
    try {
      this.shutdown();
    } finally {
      if (this.removeOnClose && this.path !== undefined) {
        fs.rmSync(this.path, { recursive: true, force: true });
      }
    }
  }
}

function requireDir(dir: unknown, what: string): string {
  if (typeof dir !== 'string' || dir.length === 0) {
    throw new InvalidArgumentError(`${what} needs a directory path`);
  }
  return dir;
}

/**
 * Chooses where and how durably a database stores its data.
 *
 *   Database.builder().inMemory().open()                     no file at all
 *   Database.builder().path('/var/data/db').buffered().open()
 *   Database.builder().strict().openTemp()                   a temp dir, removed on close
 */
export class DatabaseBuilder {
  private dir: string | undefined;
  private mode: DurabilityMode = DurabilityMode.default();
  /** Set by checkpointEvery(); undefined = the default, paced (see CHECKPOINT_TIME_FACTOR). */
  private checkpointBytes: number | undefined;

  path(dir: string): this {
    this.dir = requireDir(dir, 'path()');
    return this;
  }

  durability(mode: DurabilityMode): this {
    this.mode = DurabilityMode.fromJSON(mode);
    return this;
  }

  inMemory(): this {
    this.mode = DurabilityMode.inMemory();
    return this;
  }

  /** Buffered with the defaults: 100 ms, 1000 pending commits. */
  buffered(): this {
    this.mode = DurabilityMode.bufferedDefault();
    return this;
  }

  bufferedWith(flushIntervalMs: number, maxPendingWrites: number): this {
    this.mode = DurabilityMode.buffered({ flushIntervalMs, maxPendingWrites });
    return this;
  }

  strict(): this {
    this.mode = DurabilityMode.strict();
    return this;
  }

  /**
   * Checkpoints automatically once the WAL passes `bytes` (or 4x the last checkpoint's size,
   * if larger). Infinity turns automatic checkpoints off; `db.checkpoint()` still works.
   */
  checkpointEvery(bytes: number): this {
    if (
      typeof bytes !== 'number' ||
      !(bytes === Number.POSITIVE_INFINITY || (Number.isSafeInteger(bytes) && bytes > 0))
    ) {
      throw new InvalidArgumentError(
        `checkpointEvery() takes a positive integer number of bytes (or Infinity for never), got ${String(bytes)}`,
      );
    }
    this.checkpointBytes = bytes;
    return this;
  }

  getPath(): string | undefined {
    return this.dir;
  }

  getDurability(): DurabilityMode {
    return this.mode;
  }

  /**
   * Opens the database. A WAL mode needs a path (use openTemp() for a throwaway one); an
   * in-memory database ignores the path and writes nothing.
   */
  open(): Database {
    if (this.mode.kind !== 'inMemory' && this.dir === undefined) {
      throw new InvalidArgumentError(
        `a ${this.mode.kind} database needs a directory: call .path(dir), or use .openTemp() for a temporary one`,
      );
    }
    return Database.openWith({
      dir: this.dir,
      mode: this.mode,
      removeOnClose: false,
      checkpointEvery: this.checkpointBytes,
    });
  }

  /** Opens in a new unique temporary directory that close() removes (none for in-memory). */
  openTemp(): Database {
    if (this.mode.kind === 'inMemory') {
      return Database.openWith({ dir: undefined, mode: this.mode, removeOnClose: false });
    }
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inmem-'));
    return Database.openWith({
      dir,
      mode: this.mode,
      removeOnClose: true,
      checkpointEvery: this.checkpointBytes,
    });
  }
}

/**
 * `runId` in its stored (lower-case) spelling; throws InvalidKeyError when it is not a UUID.
 * Every stored run is keyed lower case, so an id that hits a shard is already canonical.
 */
function canonicalRunId(store: VersionedStore, runId: RunId): RunId {
  return store.shard(runId) === undefined ? normalizeRunId(runId) : runId;
}

/** A read-only, consistent view of every run at one commit version. */
export class Snapshot {
  readonly version: number;
  private released = false;

  constructor(private readonly db: Database) {
    this.version = db.store.pin();
  }

  private check(): void {
    this.db.checkOpen();
    if (this.released) throw new TransactionStateError('this snapshot was released');
  }

  get(runId: RunId, key: string): Value | undefined {
    this.check();
    const id = canonicalRunId(this.db.store, runId);
    checkRawKey(key);
    const e = VersionedStore.visible(this.db.store.latestEntry(id, key), this.version);
    return e === undefined || e.value === undefined ? undefined : exportValue(e.value);
  }

  list(runId: RunId, prefix = ''): Array<[string, Value]> {
    this.check();
    const id = canonicalRunId(this.db.store, runId);
    return this.db.store
      .scan(id, prefix, this.version)
      .map(([k, e]) => [k, exportValue(e.value as Value)]);
  }

  /** Unpins the version so old entries can be dropped. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.db.store.unpin(this.version);
  }
}
