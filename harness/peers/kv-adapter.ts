/**
 * Peers: key-value engines a user could pick instead of ours, measured side by side with it in
 * the same run (`bench --peers`). Every engine is driven through one small interface, so the
 * peer scenarios (harness/scenarios/peers.ts) run the same op code, keys and values on each.
 *
 * An adapter opens a store in one of the harness's durability modes with that engine's closest
 * settings, and says exactly which settings those are (`describeMapping`). Native peers
 * (better-sqlite3, lmdb) are imported lazily, inside `open`, so a peer that can't load fails
 * its own jobs (`unsupported`, with the load error) and nothing else.
 */
import type { LoadedEngine } from '../engine-api/adapter.ts';
import { UnsupportedError, errorMessage } from '../support/errors.ts';
import type { ModeName } from '../engine-api/modes.ts';

/** The values the peer scenarios write: small integers, stored natively by every engine. */
export type PeerValue = number;

/** What a multi-key transaction body may do. */
export interface KvTxn {
  put(key: string, value: PeerValue): void;
  delete(key: string): void;
}

/**
 * Counters read back from the store itself (not counted by the adapter), the proof that
 * writes really committed: `commits` counts committed write transactions (a one-key put is
 * one), `writes` counts rows/keys written (SQLite's total_changes(), which also counts the
 * statements of a rolled-back transaction). An engine that exposes only one of them reports
 * null for the other; the scenarios check every counter that is not null.
 */
export interface KvCounters {
  commits: number | null;
  writes: number | null;
}

export interface KvStore {
  /** One-key write, committed in the store's durability mode before it returns. */
  put(key: string, value: PeerValue): void;
  /** undefined when the key is absent. */
  get(key: string): PeerValue | undefined;
  /** Returns whether the key existed (committed like a put). */
  delete(key: string): boolean;
  /** Runs `fn` as one atomic multi-key transaction, committed before it returns. */
  transaction(fn: (txn: KvTxn) => void): void;
  /** The proof hook: counters read back from the store. */
  counters(): KvCounters;
  /**
   * The settings as the engine reports them after opening (e.g. SQLite's PRAGMA values),
   * recorded as labels: evidence that the mapping was applied, not just asked for.
   */
  readonly settings: Record<string, string | number | boolean>;
  close(): void;
}

export const ADAPTER_NAMES = ['inmem', 'sqlite', 'lmdb', 'floor'] as const;
export type AdapterName = (typeof ADAPTER_NAMES)[number];

export interface KvAdapter {
  /** The name in scenario ids: peers/<name>/... */
  readonly name: AdapterName;
  /** The npm package it needs (null for ours and the floor). */
  readonly packageName: string | null;
  /** The exact settings this adapter uses for `mode`, as a person should read them. */
  describeMapping(mode: ModeName): string;
  /**
   * Opens a fresh store in `mode`. `dir` is an empty directory the store may use (it is
   * removed afterwards). `engine` is the in-mem engine of the job (only `inmem` uses it).
   * Throws UnsupportedError when the engine can't be loaded or lacks the mode.
   */
  open(mode: ModeName, dir: string, engine?: LoadedEngine): Promise<KvStore>;
}

/**
 * Imports a peer's package, or throws UnsupportedError saying which package failed and why
 * (missing from node_modules, a native binary that doesn't load, ...).
 */
export async function importPeer<T>(adapter: string, packageName: string): Promise<T> {
  try {
    return (await import(packageName)) as T;
  } catch (err) {
    throw new UnsupportedError(
      `peer ${adapter} could not load its package "${packageName}": ${errorMessage(err).split('\n')[0] ?? ''}`,
    );
  }
}
