/**
 * SQLite through better-sqlite3 (synchronous, one connection, prepared statements), one table
 * `kv (k TEXT PRIMARY KEY, v) WITHOUT ROWID`.
 *
 *   inMemory  `new Database(':memory:')`: no file; its journal_mode reads back `memory`.
 *   buffered  a file database, `journal_mode=WAL`, `synchronous=NORMAL`: a commit appends to
 *             the WAL and returns; the WAL is fsynced only at checkpoints (automatic every
 *             1000 WAL pages, `wal_autocheckpoint`'s default). A power loss can lose commits
 *             since the last checkpoint, an application crash loses none.
 *   strict    a file database, `journal_mode=WAL`, `synchronous=FULL`: the WAL is fsynced
 *             before every commit returns.
 *
 * Put is an upsert (`INSERT ... ON CONFLICT(k) DO UPDATE`), so a write counts as one change;
 * the proof hook is SQLite's own `total_changes()` (rows inserted, updated or deleted on this
 * connection since it opened). It counts statements of rolled-back transactions too (SQLite
 * keeps no count of commits), so the peer scenarios also read the last written value back.
 */
import path from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { UnsupportedError, errorMessage } from '../support/errors.ts';
import type { ModeName } from '../engine-api/modes.ts';
import {
  importPeer,
  type KvAdapter,
  type KvStore,
  type KvTxn,
  type PeerValue,
} from './kv-adapter.ts';

type DatabaseCtor = typeof BetterSqlite3;

const MAPPINGS: Record<ModeName, string> = {
  inMemory:
    "better-sqlite3 new Database(':memory:'): no file at all (journal_mode reads back 'memory'; synchronous is moot without a file)",
  buffered:
    'better-sqlite3 file database, PRAGMA journal_mode=WAL, synchronous=NORMAL (synchronous=1): commits append to the WAL without fsync; the WAL is fsynced at checkpoints (wal_autocheckpoint=1000 pages, the default)',
  strict:
    'better-sqlite3 file database, PRAGMA journal_mode=WAL, synchronous=FULL (synchronous=2): the WAL is fsynced before each commit returns',
};

/** `packageName` is a parameter so tests can ask for one that does not exist. */
export function sqliteAdapter(packageName = 'better-sqlite3'): KvAdapter {
  return {
    name: 'sqlite',
    packageName,
    describeMapping: (mode) => MAPPINGS[mode],
    async open(mode, dir) {
      const mod = await importPeer<{ default: DatabaseCtor }>('sqlite', packageName);
      const Database = mod.default;
      // better-sqlite3 loads its native addon in the constructor, not on import: a missing or
      // mismatched build shows up here, and is a peer that can't load, not a failed run.
      let db: BetterSqlite3.Database;
      try {
        db = new Database(mode === 'inMemory' ? ':memory:' : path.join(dir, 'kv.sqlite'));
      } catch (err) {
        throw new UnsupportedError(
          `peer sqlite could not open a database with "${packageName}" (its native addon did not load?): ${errorMessage(err).split('\n')[0] ?? ''}`,
        );
      }
      try {
        if (mode !== 'inMemory') {
          db.pragma('journal_mode = WAL');
          db.pragma(`synchronous = ${mode === 'strict' ? 'FULL' : 'NORMAL'}`);
        }
        db.exec('CREATE TABLE kv (k TEXT PRIMARY KEY, v) WITHOUT ROWID');
        return openStore(db, mode);
      } catch (err) {
        db.close();
        throw err;
      }
    },
  };
}

function openStore(db: BetterSqlite3.Database, mode: ModeName): KvStore {
  const journalMode = String(db.pragma('journal_mode', { simple: true }));
  const synchronous = Number(db.pragma('synchronous', { simple: true }));
  const upsert = db.prepare(
    'INSERT INTO kv (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v',
  );
  const select = db.prepare('SELECT v FROM kv WHERE k = ?').pluck();
  const remove = db.prepare('DELETE FROM kv WHERE k = ?');
  const changes = db.prepare('SELECT total_changes()').pluck();
  const txnApi: KvTxn = {
    put: (key, value) => void upsert.run(key, value),
    delete: (key) => void remove.run(key),
  };
  // better-sqlite3's transaction(): BEGIN, the body, COMMIT (ROLLBACK if it throws).
  const runTxn = db.transaction((fn: (txn: KvTxn) => void) => fn(txnApi));
  return {
    put(key, value) {
      upsert.run(key, value);
    },
    get(key) {
      return select.get(key) as PeerValue | undefined;
    },
    delete(key) {
      return remove.run(key).changes > 0;
    },
    transaction(fn) {
      runTxn(fn);
    },
    counters: () => ({ commits: null, writes: Number(changes.get()) }),
    settings: {
      mode,
      file: db.memory ? ':memory:' : 'kv.sqlite',
      journal_mode: journalMode,
      synchronous,
      sqlite: String(db.prepare('SELECT sqlite_version()').pluck().get()),
    },
    close: () => db.close(),
  };
}
