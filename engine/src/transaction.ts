/**
 * Optimistic transactions with snapshot isolation.
 *
 * A transaction pins the commit version current at its start and reads only what that snapshot
 * shows, plus its own writes. It records every key it read with the version it saw; at commit
 * the database checks that none of those keys, none of the keys it writes, and no key under a
 * prefix it listed has changed since (first committer wins), then applies the write set
 * atomically under one new version.
 */
import type { DurabilityMode } from './durability.ts';
import { ConflictError, InvalidArgumentError, TransactionStateError } from './errors.ts';
import { checkRawKey, type RunId } from './keys.ts';
import { VersionedStore, type Entry, type WriteSet } from './storage.ts';
import { admitValue, exportValue, type Value } from './value.ts';

/** What a transaction needs from its database; keeps this module free of WAL concerns. */
export interface TransactionHost {
  readonly store: VersionedStore;
  checkOpen(): void;
  commitTransaction(txn: Transaction): void;
  releaseTransaction(txn: Transaction): void;
}

export type TransactionState = 'active' | 'committed' | 'aborted';

export class Transaction {
  readonly runId: RunId;
  /** Commit version this transaction reads at. */
  readonly snapshotVersion: number;
  private stateValue: TransactionState = 'active';
  // Read set, cas checks and listed prefixes are created on first use: a one-key blind write
  // (the hot path) then allocates only its write set.
  /** Keys read from the snapshot (own writes excluded). */
  private reads: Set<string> | undefined;
  readonly writes: WriteSet = new Map();
  /** key -> version the key must still have at commit. */
  private casChecks: Map<string, number> | undefined;
  /** Prefixes listed: no key under them may have changed since the snapshot. */
  private scannedPrefixes: string[] | undefined;
  /** Per-transaction durability (db.transactionWithDurability); undefined = the database's. */
  durability: DurabilityMode | undefined;
  /** Time to pin the snapshot; set only when perf-trace is on. */
  snapshotAcquireNs = 0;

  constructor(
    private readonly host: TransactionHost,
    runId: RunId,
  ) {
    this.runId = runId;
    this.snapshotVersion = host.store.pin();
  }

  get state(): TransactionState {
    return this.stateValue;
  }

  private checkActive(): void {
    this.host.checkOpen();
    if (this.stateValue !== 'active') {
      throw new TransactionStateError(
        `the transaction is already ${this.stateValue}; begin a new one`,
      );
    }
  }

  private visibleEntry(key: string): Entry | undefined {
    const head = this.host.store.latestEntry(this.runId, key);
    const e = VersionedStore.visible(head, this.snapshotVersion);
    (this.reads ??= new Set()).add(key);
    return e;
  }

  /** Reads `key` as of the snapshot, seeing this transaction's own writes. */
  get(key: string): Value | undefined {
    this.checkActive();
    checkRawKey(key);
    if (this.writes.has(key)) {
      const own = this.writes.get(key);
      return own === undefined ? undefined : exportValue(own);
    }
    const e = this.visibleEntry(key);
    return e === undefined || e.value === undefined ? undefined : exportValue(e.value);
  }

  /** Commit version of `key` as of the snapshot (0 when absent), recorded as a read. */
  getVersion(key: string): number {
    this.checkActive();
    checkRawKey(key);
    const e = this.visibleEntry(key);
    return e === undefined || e.value === undefined ? 0 : e.version;
  }

  put(key: string, value: unknown): void {
    this.checkActive();
    checkRawKey(key);
    this.writes.set(key, admitValue(value));
  }

  delete(key: string): void {
    this.checkActive();
    checkRawKey(key);
    this.writes.set(key, undefined);
  }

  /**
   * Writes `value` only if `key` still has commit version `expectedVersion` when this
   * transaction commits (0 = the key must not exist). Otherwise the commit throws ConflictError.
   */
  cas(key: string, expectedVersion: number, value: unknown): void {
    this.checkActive();
    checkRawKey(key);
    if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
      throw new InvalidArgumentError(
        `expectedVersion must be a non-negative integer, got ${expectedVersion}`,
      );
    }
    const admitted = admitValue(value);
    (this.casChecks ??= new Map()).set(key, expectedVersion);
    this.writes.set(key, admitted);
  }

  /** Keys under `prefix` and their values as of the snapshot, merged with own writes, sorted. */
  list(prefix = ''): Array<[string, Value]> {
    this.checkActive();
    (this.scannedPrefixes ??= []).push(prefix);
    const merged = new Map<string, Value>();
    for (const [key, e] of this.host.store.scan(this.runId, prefix, this.snapshotVersion)) {
      merged.set(key, e.value as Value);
    }
    for (const [key, value] of this.writes) {
      if (!key.startsWith(prefix)) continue;
      if (value === undefined) merged.delete(key);
      else merged.set(key, value);
    }
    return [...merged.entries()]
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .map(([k, v]) => [k, exportValue(v)]);
  }

  /** Validates and applies. Throws ConflictError (and aborts) when another commit got there first. */
  commit(): void {
    this.checkActive();
    try {
      this.host.commitTransaction(this);
      this.stateValue = 'committed';
    } catch (err) {
      this.stateValue = 'aborted';
      throw err;
    } finally {
      this.host.releaseTransaction(this);
    }
  }

  /** Discards the write set. Safe to call more than once. */
  abort(): void {
    if (this.stateValue !== 'active') return;
    this.stateValue = 'aborted';
    this.host.releaseTransaction(this);
  }

  /**
   * First-committer-wins validation against the store's newest entries. Called by the database
   * inside commit, before anything is written.
   */
  /** Keys this transaction read from its snapshot. */
  get readCount(): number {
    return this.reads?.size ?? 0;
  }

  validate(store: VersionedStore): void {
    // Nothing committed since the snapshot: no read, write or listed prefix can have changed,
    // so only the compare-and-swap expectations (which may be wrong from the start) remain.
    if (store.version === this.snapshotVersion) {
      if (this.casChecks !== undefined) this.validateCas(store);
      return;
    }
    if (
      this.reads === undefined &&
      this.casChecks === undefined &&
      this.scannedPrefixes === undefined
    ) {
      this.validateWrites(store);
      return;
    }
    // While this transaction is pinned, a delete leaves a tombstone, so "the newest entry is
    // younger than our snapshot" catches every change: put, overwrite and delete alike.
    for (const key of this.reads ?? []) {
      const head = store.latestEntry(this.runId, key);
      if (head !== undefined && head.version > this.snapshotVersion) {
        throw new ConflictError(
          `read-write conflict on "${key}": it changed after this transaction began`,
          key,
        );
      }
    }
    this.validateWrites(store);
    if (this.casChecks !== undefined) this.validateCas(store);
    for (const prefix of this.scannedPrefixes ?? []) {
      if (store.newestUnder(this.runId, prefix) > this.snapshotVersion) {
        throw new ConflictError(
          `keys under "${prefix}" changed after this transaction listed them`,
          prefix,
        );
      }
    }
  }

  private validateCas(store: VersionedStore): void {
    for (const [key, expected] of this.casChecks ?? []) {
      const head = store.latestEntry(this.runId, key);
      const now = head === undefined || head.value === undefined ? 0 : head.version;
      if (now !== expected) {
        throw new ConflictError(
          `compare-and-swap on "${key}" expected version ${expected}, found ${now}`,
          key,
        );
      }
    }
  }

  private validateWrites(store: VersionedStore): void {
    for (const key of this.writes.keys()) {
      const head = store.latestEntry(this.runId, key);
      if (head !== undefined && head.version > this.snapshotVersion) {
        throw new ConflictError(
          `write-write conflict on "${key}": another transaction committed it first`,
          key,
        );
      }
    }
  }
}
