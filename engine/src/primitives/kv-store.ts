/**
 * KVStore: the key-value primitive (layer B), a thin facade over Database transactions.
 */
import type { Database } from '../database.ts';
import { checkKey, checkRunId, type RunId } from '../keys.ts';
import type { Transaction } from '../transaction.ts';
import type { Value } from '../value.ts';
import { NS } from './namespaces.ts';

const P = NS.kv;

function namespaced(key: string): string {
  checkKey(key);
  return P + key;
}

/** KVStore operations inside one transaction (see KVStore.transaction). */
export class KVTransaction {
  /** `storageKey` checks a user key and returns its namespaced key (KVStore's cache). */
  constructor(
    private readonly txn: Transaction,
    private readonly storageKey: (key: string) => string = namespaced,
  ) {}

  get(key: string): Value | undefined {
    return this.txn.get(this.storageKey(key));
  }

  put(key: string, value: unknown): void {
    this.txn.put(this.storageKey(key), value);
  }

  delete(key: string): void {
    this.txn.delete(this.storageKey(key));
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
   *
   * Transactions take their keys from the same cache, so a key written through any KVStore
   * path is stored as the very string a later get looks up: the shard's Map then matches it
   * by identity. A different string with the same text is compared by content, at a cost that
   * depends on how V8 happens to represent each one (a cons string, or a flat one once the WAL
   * encoder has read it), so it would vary with the durability mode the data was written in.
   */
  private readonly keyCache = new Map<string, string>();
  private readonly toStorageKey = (key: string): string => this.storageKey(key);

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
    return this.db.transaction(runId, (txn) => keys.map((key) => txn.get(this.storageKey(key))));
  }

  /** Runs `fn` atomically over several keys of one run. */
  transaction<T>(runId: RunId, fn: (kv: KVTransaction) => T): T {
    return this.db.transaction(runId, (txn) => fn(new KVTransaction(txn, this.toStorageKey)));
  }
}
