/**
 * The database: versioned storage, optimistic transactions, and a write-ahead log that is
 * fsynced before every commit returns (the M3 design: one durability level, the strictest).
 *
 * Synchronous like better-sqlite3: an operation returns when it is committed and on disk.
 * The engine is single-threaded per instance; run one instance per worker thread or process.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ClosedError, InMemError, InvalidArgumentError, TransactionStateError } from './errors.ts';
import { checkRawKey, checkRunId, type RunId } from './keys.ts';
import { VersionedStore } from './storage.ts';
import { Transaction, type TransactionHost } from './transaction.ts';
import { exportValue, type Value } from './value.ts';
import { encodeRecord, recoverWal, WAL_FILE, WalWriter, type RecoveryReport } from './wal.ts';

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
  /** Bytes in the WAL. */
  walBytes: number;
}

const LOCK_FILE = 'LOCK';
/** Directories opened by this process, so one process can't open a database twice. */
const openInThisProcess = new Set<string>();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes the directory's LOCK file; a lock left by a dead process (a crash) is taken over. */
function acquireLock(dir: string): void {
  const lockPath = path.join(dir, LOCK_FILE);
  if (openInThisProcess.has(dir)) {
    throw new InvalidArgumentError(`${dir} is already open in this process; close it first`);
  }
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      openInThisProcess.add(dir);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
      if (Number.isInteger(holder) && holder !== process.pid && processAlive(holder)) {
        throw new InvalidArgumentError(
          `${dir} is open in another process (pid ${holder}); close it there first`,
        );
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new InvalidArgumentError(`could not take the lock ${lockPath}`);
}

export class Database implements TransactionHost {
  readonly store = new VersionedStore();
  readonly path: string;
  readonly recovery: RecoveryReport;
  private readonly wal: WalWriter;
  private closed = false;
  private readonly openTransactions = new Set<Transaction>();
  private readonly counters = { commits: 0, readOnlyCommits: 0, aborts: 0, conflicts: 0 };

  private constructor(dir: string) {
    this.path = dir;
    const walFile = path.join(dir, WAL_FILE);
    const store = this.store;
    this.recovery = recoverWal(walFile, (r) => store.replay(r.runId, r.writes, r.version));
    this.wal = new WalWriter(walFile, this.recovery.validBytes);
  }

  /** Opens (or creates) the database in directory `dir` and replays its WAL. */
  static open(dir: string): Database {
    if (typeof dir !== 'string' || dir.length === 0) {
      throw new InvalidArgumentError('Database.open needs a directory path');
    }
    const resolved = path.resolve(dir);
    fs.mkdirSync(resolved, { recursive: true });
    acquireLock(resolved);
    try {
      return new Database(resolved);
    } catch (err) {
      releaseLock(resolved);
      throw err;
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
    return { ...this.counters, version: this.store.version, walBytes: this.wal.bytes };
  }

  /** Starts a transaction on one run. It may live across awaits; end it with commit() or abort(). */
  begin(runId: RunId): Transaction {
    this.checkOpen();
    checkRunId(runId);
    const txn = new Transaction(this, runId);
    this.openTransactions.add(txn);
    return txn;
  }

  /**
   * Runs `fn` in a transaction: commits when it returns, aborts when it throws, and returns
   * what it returned. The body must be synchronous; use `begin()` for work across awaits.
   */
  transaction<T>(runId: RunId, fn: (txn: Transaction) => T): T {
    const txn = this.begin(runId);
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

  /** Fast-path read: what a read-only transaction started now would return. */
  get(runId: RunId, key: string): Value | undefined {
    this.checkOpen();
    const shard = this.store.shard(runId);
    if (shard === undefined) {
      checkRunId(runId);
      checkRawKey(key);
      return undefined;
    }
    checkRawKey(key);
    const v = shard.get(key)?.value;
    return v === undefined ? undefined : exportValue(v);
  }

  /** Commit version of `key` now (0 when absent). */
  getVersion(runId: RunId, key: string): number {
    this.checkOpen();
    checkRunId(runId);
    checkRawKey(key);
    const e = this.store.latestEntry(runId, key);
    return e === undefined || e.value === undefined ? 0 : e.version;
  }

  /** Fast-path list of keys under `prefix` in a run, sorted. */
  list(runId: RunId, prefix = ''): Array<[string, Value]> {
    this.checkOpen();
    checkRunId(runId);
    return this.store
      .scan(runId, prefix, this.store.version)
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

  /** @internal Called by Transaction.commit. */
  commitTransaction(txn: Transaction): void {
    this.checkOpen();
    if (txn.writes.size === 0) {
      this.counters.readOnlyCommits++;
      return;
    }
    try {
      txn.validate(this.store);
    } catch (err) {
      if (err instanceof InMemError && err.code === 'CONFLICT') this.counters.conflicts++;
      throw err;
    }
    const version = this.store.version + 1;
    const record = encodeRecord(version, txn.runId, txn.writes);
    const before = this.wal.bytes;
    this.wal.write(record);
    try {
      this.wal.sync();
    } catch (err) {
      // Not durable, so not committed: take the record back out of the file.
      this.wal.rollbackTo(before);
      throw err;
    }
    // Drop this transaction's own pin first: it reads nothing more, and while it is held
    // `apply` would keep every overwritten version and every delete's tombstone.
    this.releaseTransaction(txn);
    this.store.apply(txn.runId, txn.writes, version);
    this.counters.commits++;
  }

  /** @internal Called when a transaction ends either way. */
  releaseTransaction(txn: Transaction): void {
    if (this.openTransactions.delete(txn)) {
      this.store.unpin(txn.snapshotVersion);
      if (txn.state === 'aborted') this.counters.aborts++;
    }
  }

  /** Closes the WAL and releases the directory. Open transactions are aborted. Idempotent. */
  close(): void {
    if (this.closed) return;
    for (const txn of [...this.openTransactions]) txn.abort();
    this.closed = true;
    this.wal.close();
    releaseLock(this.path);
  }
}

function releaseLock(dir: string): void {
  openInThisProcess.delete(dir);
  fs.rmSync(path.join(dir, LOCK_FILE), { force: true });
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
    checkRunId(runId);
    checkRawKey(key);
    const e = VersionedStore.visible(this.db.store.latestEntry(runId, key), this.version);
    return e === undefined || e.value === undefined ? undefined : exportValue(e.value);
  }

  list(runId: RunId, prefix = ''): Array<[string, Value]> {
    this.check();
    checkRunId(runId);
    return this.db.store
      .scan(runId, prefix, this.version)
      .map(([k, e]) => [k, exportValue(e.value as Value)]);
  }

  /** Unpins the version so old entries can be dropped. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.db.store.unpin(this.version);
  }
}
