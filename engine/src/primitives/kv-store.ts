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

export class KVStore {
  constructor(readonly db: Database) {}

  get(runId: RunId, key: string): Value | undefined {
    checkKey(key);
    return this.db.get(runId, P + key);
  }

  put(runId: RunId, key: string, value: unknown): void {
    checkKey(key);
    this.db.put(runId, P + key, value);
  }

  /** Deletes `key`; returns whether it existed. */
  delete(runId: RunId, key: string): boolean {
    checkKey(key);
    return this.db.delete(runId, P + key);
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
