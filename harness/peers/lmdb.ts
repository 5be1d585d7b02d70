/**
 * LMDB through lmdb-js (the `lmdb` package: a memory-mapped B+tree, MVCC with one writer;
 * lmdb-js adds msgpack value encoding and its own commit batching).
 *
 * lmdb-js's idiomatic write path is asynchronous: `put()` returns a promise, and every write of
 * one event turn is committed together by a worker thread, flushed after the commit
 * (`overlappingSync`, its default on Linux). A synchronous op loop like the harness's never
 * yields an event turn, so that path can't be measured per op here: the adapter uses the
 * synchronous API (`putSync`, `removeSync`, `transactionSync`), one LMDB write transaction per
 * call, committed before it returns. Mappings, the closest LMDB has to each mode:
 *
 *   inMemory  no equivalent: LMDB always maps a file. Closest: `noSync: true` with the
 *             environment on tmpfs (/dev/shm), so pages never reach a disk; the commit path
 *             (copy-on-write B+tree pages, meta page update) is LMDB's full one.
 *   buffered  `noSync: true` (lmdb-js then leaves `overlappingSync` off): commits are never
 *             flushed by LMDB; the kernel writes the dirty pages back on its own schedule
 *             (Linux: dirty_expire_centisecs, 30 s by default). A process crash loses nothing
 *             committed (it is in the page cache); a power loss loses an unbounded recent tail,
 *             not "100 ms / 1000 writes" as our buffered mode does.
 *   strict    `overlappingSync: false`, `noSync: false`, `noMetaSync: false`: LMDB's classic
 *             durable commit, the data pages and then the meta page flushed (fdatasync) before
 *             the commit returns.
 *
 * Proof hook: LMDB's own transaction id (`getStats().lastTxnId`) advances by one per committed
 * write transaction.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RootDatabase, RootDatabaseOptionsWithPath } from 'lmdb';
import type { ModeName } from '../engine-api/modes.ts';
import { pidAlive } from '../support/pid.ts';
import {
  importPeer,
  type KvAdapter,
  type KvStore,
  type KvTxn,
  type PeerValue,
} from './kv-adapter.ts';

type LmdbModule = {
  open: (options: RootDatabaseOptionsWithPath) => RootDatabase<PeerValue, string>;
};

/** tmpfs where the inMemory mapping keeps its environment (when it exists and is writable). */
export const TMPFS_DIR = '/dev/shm';

const MAPPINGS: Record<ModeName, string> = {
  inMemory:
    'lmdb-js open({ noSync: true }) on tmpfs (/dev/shm): LMDB has no in-memory mode; pages live in RAM-backed files and are never flushed; putSync/removeSync/transactionSync, one write transaction per call',
  buffered:
    'lmdb-js open({ noSync: true }) on disk (overlappingSync off): commits are never flushed by LMDB, the kernel writes dirty pages back (Linux default 30 s); putSync/removeSync/transactionSync',
  strict:
    'lmdb-js open({ overlappingSync: false, noSync: false, noMetaSync: false }) on disk: data pages then the meta page fdatasynced before each commit returns; putSync/removeSync/transactionSync',
};

function optionsFor(mode: ModeName): Partial<RootDatabaseOptionsWithPath> {
  if (mode === 'strict') return { overlappingSync: false, noSync: false, noMetaSync: false };
  return { noSync: true };
}

function tmpfsAvailable(): boolean {
  try {
    fs.accessSync(TMPFS_DIR, fs.constants.W_OK);
    return fs.statSync(TMPFS_DIR).isDirectory();
  } catch {
    return false;
  }
}

const TMPFS_PREFIX = 'inmem-peer-lmdb-';

/**
 * Removes tmpfs environments left by peer processes that died without closing (a SIGKILL, a
 * crash, the job's timeout): each directory name carries its owner's pid. tmpfs is RAM, so a
 * leak would otherwise hold memory until reboot.
 */
export function sweepStaleTmpfsEnvs(root = TMPFS_DIR): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return removed;
  }
  const owned = new RegExp(`^${TMPFS_PREFIX}(\\d+)-`);
  for (const name of names) {
    const m = owned.exec(name);
    if (m === null || pidAlive(Number(m[1]))) continue;
    try {
      fs.rmSync(path.join(root, name), { recursive: true, force: true });
      removed.push(name);
    } catch {
      // Another user's leftover (EACCES): not ours to remove, and no reason to fail this job.
    }
  }
  return removed;
}

export function lmdbAdapter(packageName = 'lmdb'): KvAdapter {
  return {
    name: 'lmdb',
    packageName,
    describeMapping: (mode) => MAPPINGS[mode],
    async open(mode, dir) {
      const { open } = await importPeer<LmdbModule>('lmdb', packageName);
      const onTmpfs = mode === 'inMemory' && tmpfsAvailable();
      if (onTmpfs) sweepStaleTmpfsEnvs();
      const envDir = onTmpfs
        ? fs.mkdtempSync(path.join(TMPFS_DIR, `${TMPFS_PREFIX}${process.pid}-`))
        : path.join(dir, 'kv.lmdb');
      const cleanup = (): void => {
        if (onTmpfs) fs.rmSync(envDir, { recursive: true, force: true });
      };
      let db: RootDatabase<PeerValue, string>;
      try {
        db = open({ path: envDir, ...optionsFor(mode) });
      } catch (err) {
        cleanup();
        throw err;
      }
      const stats = (): { lastTxnId: number; entryCount: number } =>
        db.getStats() as { lastTxnId: number; entryCount: number };
      const txnApi: KvTxn = {
        // Inside transactionSync these join the open write transaction.
        put: (key, value) => void db.putSync(key, value),
        delete: (key) => void db.removeSync(key),
      };
      const store: KvStore = {
        put(key, value) {
          db.putSync(key, value);
        },
        get(key) {
          return db.get(key);
        },
        delete(key) {
          return db.removeSync(key);
        },
        transaction(fn) {
          db.transactionSync(() => fn(txnApi));
        },
        counters: () => ({ commits: stats().lastTxnId, writes: null }),
        settings: {
          mode,
          storage: onTmpfs
            ? 'tmpfs'
            : mode === 'inMemory'
              ? `disk (${os.tmpdir()}; no tmpfs)`
              : 'disk',
          // What lmdb-js resolved the options to (it changes overlappingSync with noSync).
          noSync: Boolean((db as unknown as { noSync?: boolean }).noSync),
          noMetaSync: Boolean((db as unknown as { noMetaSync?: boolean }).noMetaSync),
          overlappingSync: Boolean(
            (db as unknown as { overlappingSync?: boolean }).overlappingSync,
          ),
        },
        close() {
          try {
            db.close();
          } finally {
            cleanup();
          }
        },
      };
      return store;
    },
  };
}
