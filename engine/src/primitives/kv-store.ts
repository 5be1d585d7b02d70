/**
 * KVStore: the key-value primitive (layer B), a thin facade over Database transactions.
 */
import type { Database } from '../database.ts';
import { checkKey, checkRunId, type RunId } from '../keys.ts';
import type { Transaction } from '../transaction.ts';
import type { Value } from '../value.ts';
import { NS } from './namespaces.ts';

const P = NS.kv;

/** KVStore operations inside one transaction (see KVStore.transaction). */
export class KVTransaction {
  constructor(private readonly txn: Transaction) {}

  get(key: string): Value | undefined {
    checkKey(key);
    return this.txn.get(P + key);
  }

  put(key: string, value: unknown): void {
    checkKey(key);
    this.txn.put(P + key, value);
  }

  delete(key: string): void {
    checkKey(key);
    this.txn.delete(P + key);
  }

  list(prefix = ''): Array<[string, Value]> {
    return this.txn.list(P + prefix).map(([k, v]) => [k.slice(P.length), v]);
  }
}

/** How many namespaced keys a KVStore remembers (see `storageKey`). */
const KEY_CACHE_LIMIT = 1 << 16;

export class KVStore {
  /**
   * user key -> namespaced key. V8 caches a string's hash in the string, so looking up the
   * caller's own key string and then the stored namespaced string hashes nothing; building
   * "kv/" + key on every call would allocate and hash a new string each time (about 2/3 of a
   * get's cost). Bounded: cleared when full, so unique-key workloads only lose the benefit.
   */
  private readonly keyCache = new Map<string, string>();

  constructor(readonly db: Database) {}

  private storageKey(key: string): string {
    let k = this.keyCache.get(key);
    if (k === undefined) {
      checkKey(key);
      if (this.keyCache.size >= KEY_CACHE_LIMIT) this.keyCache.clear();
      k = P + key;
      this.keyCache.set(key, k);
    }
    return k;
  }

  get(runId: RunId, key: string): Value | undefined {
    return this.db.get(runId, this.storageKey(key));
  }

  put(runId: RunId, key: string, value: unknown): void {
    this.db.put(runId, this.storageKey(key), value);
  }

  /** Deletes `key`; returns whether it existed. */
  delete(runId: RunId, key: string): boolean {
    return this.db.delete(runId, this.storageKey(key));
  }

  /** Entries whose key starts with `prefix`, sorted by key. */
  list(runId: RunId, prefix = ''): Array<[string, Value]> {
    checkRunId(runId);
    return this.db.list(runId, P + prefix).map(([k, v]) => [k.slice(P.length), v]);
  }

  /** Several keys read from one snapshot: never a mix of versions. */
  getMany(runId: RunId, keys: readonly string[]): Array<Value | undefined> {
    for (const key of keys) checkKey(key);
    return this.db.transaction(runId, (txn) => keys.map((key) => txn.get(P + key)));
  }

  /** Runs `fn` atomically over several keys of one run. */
  transaction<T>(runId: RunId, fn: (kv: KVTransaction) => T): T {
    return this.db.transaction(runId, (txn) => fn(new KVTransaction(txn)));
  }
}
