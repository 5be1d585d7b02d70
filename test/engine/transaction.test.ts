/**
 * Optimistic transactions with snapshot isolation: interleaved db.begin() transactions, conflict
 * detection (first committer wins), compare-and-swap, phantoms, atomic multi-key commits, the
 * fast-path snapshot invariant (checked against a model with fast-check), lifecycle errors, and
 * pruning of old versions.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ClosedError,
  ConflictError,
  Database,
  InvalidArgumentError,
  newRunId,
  TransactionStateError,
  type RunId,
  type Snapshot,
  type Transaction,
  type Value,
} from '../../engine/src/index.ts';
import type { Entry } from '../../engine/src/storage.ts';
import { WAL_FILE } from '../../engine/src/wal.ts';

let dir: string;
let db: Database;
let run: RunId;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inmem-txn-'));
  db = Database.open(dir);
  run = newRunId();
});

afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function put(key: string, value: unknown, runId: RunId = run): void {
  db.transaction(runId, (txn) => txn.put(key, value));
}

function del(key: string, runId: RunId = run): void {
  db.transaction(runId, (txn) => txn.delete(key));
}

function walFileBytes(): number {
  return fs.statSync(path.join(dir, WAL_FILE)).size;
}

function expectConflict(fn: () => void, key?: string): ConflictError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ConflictError);
  const err = caught as ConflictError;
  expect(err.code).toBe('CONFLICT');
  if (key !== undefined) expect(err.key).toBe(key);
  return err;
}

function chainVersions(entry: Entry | undefined): number[] {
  const out: number[] = [];
  for (let e = entry; e !== undefined; e = e.prev) out.push(e.version);
  return out;
}

describe('reads inside a transaction', () => {
  it('sees its own writes and deletes, which nobody else sees before commit', () => {
    put('a', 'committed-a');
    put('b', 'committed-b');
    const txn = db.begin(run);
    txn.put('a', 'mine');
    txn.put('c', { new: true });
    txn.delete('b');
    expect(txn.get('a')).toBe('mine');
    expect(txn.get('b')).toBeUndefined();
    expect(txn.get('c')).toEqual({ new: true });
    expect(txn.list()).toEqual([
      ['a', 'mine'],
      ['c', { new: true }],
    ]);
    // Invisible outside until commit.
    expect(db.get(run, 'a')).toBe('committed-a');
    expect(db.get(run, 'b')).toBe('committed-b');
    expect(db.get(run, 'c')).toBeUndefined();
    const other = db.begin(run);
    expect(other.get('a')).toBe('committed-a');
    expect(other.list()).toEqual([
      ['a', 'committed-a'],
      ['b', 'committed-b'],
    ]);
    other.abort();
    // A later write to the same key wins inside the transaction.
    txn.put('b', 'back');
    txn.delete('c');
    expect(txn.get('b')).toBe('back');
    expect(txn.get('c')).toBeUndefined();
    txn.commit();
    expect(db.list(run)).toEqual([
      ['a', 'mine'],
      ['b', 'back'],
    ]);
  });

  it('reads the snapshot taken at begin, not commits made after it', () => {
    put('k', 1);
    const kVersion = db.version;
    put('gone', 'x');
    const t1 = db.begin(run);
    const v1 = db.version;
    expect(t1.snapshotVersion).toBe(v1);
    put('k', 2);
    put('new', 'n');
    del('gone');
    expect(db.version).toBe(v1 + 3);
    expect(t1.get('k')).toBe(1);
    expect(t1.get('new')).toBeUndefined();
    expect(t1.get('gone')).toBe('x');
    expect(t1.getVersion('k')).toBe(kVersion);
    expect(t1.list()).toEqual([
      ['gone', 'x'],
      ['k', 1],
    ]);
    // A transaction begun now sees the new state.
    const t2 = db.begin(run);
    expect(t2.get('k')).toBe(2);
    expect(t2.get('gone')).toBeUndefined();
    expect(t2.list()).toEqual([
      ['k', 2],
      ['new', 'n'],
    ]);
    t1.abort();
    t2.abort();
  });

  it('isolates runs from each other', () => {
    const other = newRunId();
    put('k', 'in-run');
    put('k', 'in-other', other);
    const t = db.begin(other);
    expect(t.get('k')).toBe('in-other');
    expect(t.list()).toEqual([['k', 'in-other']]);
    t.delete('k');
    t.commit();
    expect(db.get(run, 'k')).toBe('in-run');
    expect(db.get(other, 'k')).toBeUndefined();
  });
});

describe('conflicts (first committer wins)', () => {
  it('write-write: the second committer gets ConflictError and writes none of its keys', () => {
    put('k', 0);
    const t1 = db.begin(run);
    const t2 = db.begin(run);
    t1.put('k', 'one');
    t2.put('other', 'two-other');
    t2.put('k', 'two');
    t2.put('third', 'two-third');
    t1.commit();
    const version = db.version;
    const walBytes = db.stats().walBytes;
    const fileBytes = walFileBytes();
    const stats = db.stats();
    expectConflict(() => t2.commit(), 'k');
    expect(t1.state).toBe('committed');
    expect(t2.state).toBe('aborted');
    expect(db.get(run, 'k')).toBe('one');
    expect(db.get(run, 'other')).toBeUndefined();
    expect(db.get(run, 'third')).toBeUndefined();
    expect(db.version).toBe(version);
    expect(db.stats().walBytes).toBe(walBytes);
    expect(walFileBytes()).toBe(fileBytes);
    expect(db.stats().commits).toBe(stats.commits);
    expect(db.stats().conflicts).toBe(stats.conflicts + 1);
    expect(db.stats().aborts).toBe(stats.aborts + 1);
    // And it stays that way after recovery.
    db.close();
    db = Database.open(dir);
    expect(db.list(run)).toEqual([['k', 'one']]);
  });

  it('write-write on a key that did not exist (two inserts)', () => {
    const t1 = db.begin(run);
    const t2 = db.begin(run);
    t1.put('k', 1);
    t2.put('k', 2);
    t2.commit();
    expectConflict(() => t1.commit(), 'k');
    expect(db.get(run, 'k')).toBe(2);
  });

  it('write-write against a delete', () => {
    put('k', 1);
    const t1 = db.begin(run);
    const t2 = db.begin(run);
    t1.delete('k');
    t2.put('k', 2);
    t1.commit();
    expectConflict(() => t2.commit(), 'k');
    expect(db.get(run, 'k')).toBeUndefined();
  });

  it('read-write: a key read then changed by another commit fails this commit', () => {
    put('k', 1);
    const t1 = db.begin(run);
    expect(t1.get('k')).toBe(1);
    put('k', 2);
    t1.put('j', 'depends on k=1');
    expectConflict(() => t1.commit(), 'k');
    expect(db.get(run, 'j')).toBeUndefined();
    expect(db.get(run, 'k')).toBe(2);
  });

  it('read-write: reading an absent key, then another commit inserts it', () => {
    const t1 = db.begin(run);
    expect(t1.get('k')).toBeUndefined();
    put('k', 'appeared');
    t1.put('j', 1);
    expectConflict(() => t1.commit(), 'k');
    expect(db.get(run, 'j')).toBeUndefined();
  });

  it('read-write: a key read then deleted by another commit', () => {
    put('k', 1);
    const t1 = db.begin(run);
    t1.get('k');
    del('k');
    t1.put('j', 1);
    expectConflict(() => t1.commit(), 'k');
    expect(db.get(run, 'j')).toBeUndefined();
  });

  it('read-write via getVersion', () => {
    put('k', 1);
    const t1 = db.begin(run);
    t1.getVersion('k');
    put('k', 2);
    t1.put('j', 1);
    expectConflict(() => t1.commit(), 'k');
  });

  it('write skew is prevented: each transaction reads what the other writes', () => {
    put('a', 1);
    put('b', 1);
    const t1 = db.begin(run);
    const t2 = db.begin(run);
    // Invariant a + b >= 1; each sees both at 1 and sets one to 0.
    if ((t1.get('a') as number) + (t1.get('b') as number) >= 2) t1.put('a', 0);
    if ((t2.get('a') as number) + (t2.get('b') as number) >= 2) t2.put('b', 0);
    t1.commit();
    expectConflict(() => t2.commit());
    expect((db.get(run, 'a') as number) + (db.get(run, 'b') as number)).toBe(1);
  });

  it('a read-only transaction commits even after the keys it read changed', () => {
    put('k', 1);
    const t1 = db.begin(run);
    expect(t1.get('k')).toBe(1);
    put('k', 2);
    const before = db.stats();
    t1.commit();
    expect(t1.state).toBe('committed');
    expect(db.stats().readOnlyCommits).toBe(before.readOnlyCommits + 1);
    expect(db.stats().commits).toBe(before.commits);
    expect(db.version).toBe(before.version);
  });

  it('no conflict on disjoint keys, even when both read other disjoint keys', () => {
    put('ra', 1);
    put('rb', 2);
    const t1 = db.begin(run);
    const t2 = db.begin(run);
    t1.get('ra');
    t2.get('rb');
    t1.put('a', 'A');
    t2.put('b', 'B');
    t1.commit();
    t2.commit();
    expect(db.get(run, 'a')).toBe('A');
    expect(db.get(run, 'b')).toBe('B');
    expect(db.stats().conflicts).toBe(0);
  });

  it('the same key in different runs does not conflict', () => {
    const other = newRunId();
    const t1 = db.begin(run);
    const t2 = db.begin(other);
    t1.get('k');
    t1.put('k', 1);
    t2.get('k');
    t2.put('k', 2);
    t1.commit();
    t2.commit();
    expect(db.get(run, 'k')).toBe(1);
    expect(db.get(other, 'k')).toBe(2);
  });

  it('a conflicted transaction can be retried and then succeeds', () => {
    put('counter', 0);
    const t1 = db.begin(run);
    const t2 = db.begin(run);
    t1.put('counter', (t1.get('counter') as number) + 1);
    t2.put('counter', (t2.get('counter') as number) + 1);
    t1.commit();
    expectConflict(() => t2.commit(), 'counter');
    const retry = db.begin(run);
    retry.put('counter', (retry.get('counter') as number) + 1);
    retry.commit();
    expect(db.get(run, 'counter')).toBe(2);
  });
});

describe('compare-and-swap', () => {
  it('versions: 0 for absent keys, the commit version otherwise, 0 again after delete', () => {
    expect(db.getVersion(run, 'k')).toBe(0);
    put('k', 'a');
    const v1 = db.version;
    expect(db.getVersion(run, 'k')).toBe(v1);
    put('other', 1);
    expect(db.getVersion(run, 'k')).toBe(v1);
    put('k', 'b');
    expect(db.getVersion(run, 'k')).toBe(db.version);
    const t = db.begin(run);
    expect(t.getVersion('k')).toBe(db.version);
    expect(t.getVersion('absent')).toBe(0);
    t.abort();
    del('k');
    expect(db.getVersion(run, 'k')).toBe(0);
  });

  it('succeeds when the version matches, including 0 for "must not exist"', () => {
    db.transaction(run, (txn) => txn.cas('k', 0, 'created'));
    expect(db.get(run, 'k')).toBe('created');
    const v = db.getVersion(run, 'k');
    db.transaction(run, (txn) => txn.cas('k', v, 'updated'));
    expect(db.get(run, 'k')).toBe('updated');
    expect(db.getVersion(run, 'k')).toBe(db.version);
    del('k');
    db.transaction(run, (txn) => txn.cas('k', 0, 'recreated'));
    expect(db.get(run, 'k')).toBe('recreated');
  });

  it('fails with ConflictError when the version does not match, writing nothing', () => {
    put('k', 'a');
    const stale = db.getVersion(run, 'k');
    put('k', 'b');
    const version = db.version;
    const walBytes = walFileBytes();
    expectConflict(
      () =>
        db.transaction(run, (txn) => {
          txn.put('side', 'effect');
          txn.cas('k', stale, 'c');
        }),
      'k',
    );
    expect(db.get(run, 'k')).toBe('b');
    expect(db.get(run, 'side')).toBeUndefined();
    expect(db.version).toBe(version);
    expect(walFileBytes()).toBe(walBytes);
    // "Must not exist" fails when it exists.
    expectConflict(() => db.transaction(run, (txn) => txn.cas('k', 0, 'x')), 'k');
    // A version that never existed fails.
    expectConflict(() => db.transaction(run, (txn) => txn.cas('k', version + 100, 'x')), 'k');
    expect(db.get(run, 'k')).toBe('b');
  });

  it('two interleaved cas on the same version: exactly one wins', () => {
    put('k', 0);
    const v = db.getVersion(run, 'k');
    const t1 = db.begin(run);
    const t2 = db.begin(run);
    t1.cas('k', v, 'one');
    t2.cas('k', v, 'two');
    t2.commit();
    expectConflict(() => t1.commit(), 'k');
    expect(db.get(run, 'k')).toBe('two');
  });

  it('cas cannot overwrite a commit its own snapshot does not see (snapshot isolation)', () => {
    put('k', 0);
    const t1 = db.begin(run);
    put('k', 1);
    // Even with the newest version as expectation, t1's snapshot predates that write.
    t1.cas('k', db.getVersion(run, 'k'), 'stale');
    expectConflict(() => t1.commit(), 'k');
    expect(db.get(run, 'k')).toBe(1);
  });

  it('an invalid expectedVersion is an InvalidArgumentError and leaves the transaction usable', () => {
    const t = db.begin(run);
    for (const bad of [-1, 1.5, NaN, Infinity, Number.MAX_SAFE_INTEGER + 1]) {
      expect(() => t.cas('k', bad, 1)).toThrow(InvalidArgumentError);
    }
    expect(t.state).toBe('active');
    expect(t.get('k')).toBeUndefined();
    t.put('k', 'fine');
    t.commit();
    expect(db.get(run, 'k')).toBe('fine');
  });
});

describe('validation when nothing committed since the snapshot', () => {
  it('a wrong compare-and-swap expectation still conflicts, and nothing is written', () => {
    put('k', 1);
    const v = db.version;
    const txn = db.begin(run);
    txn.cas('k', v + 5, 'x');
    txn.put('other', 1);
    expect(db.version).toBe(txn.snapshotVersion);
    expectConflict(() => txn.commit(), 'k');
    expect(db.version).toBe(v);
    expect(db.get(run, 'other')).toBeUndefined();
  });

  it('reads, writes and listed prefixes commit without conflict, and the writes land', () => {
    put('a/1', 1);
    const txn = db.begin(run);
    expect(txn.get('a/1')).toBe(1);
    expect(txn.list('a/')).toHaveLength(1);
    txn.cas('a/1', db.version, 2);
    txn.put('a/2', 2);
    txn.commit();
    expect(db.list(run, 'a/')).toEqual([
      ['a/1', 2],
      ['a/2', 2],
    ]);
  });
});

describe('list(prefix) and phantoms', () => {
  beforeEach(() => {
    put('p/a', 1);
    put('p/b', 2);
    put('q/a', 3);
  });

  it('lists a prefix sorted, merged with own writes', () => {
    const t = db.begin(run);
    t.put('p/0', 0);
    t.delete('p/b');
    t.put('q/z', 'outside');
    expect(t.list('p/')).toEqual([
      ['p/0', 0],
      ['p/a', 1],
    ]);
    expect(t.list('q/')).toEqual([
      ['q/a', 3],
      ['q/z', 'outside'],
    ]);
    expect(t.list('nothing/')).toEqual([]);
    t.abort();
    expect(db.list(run, 'p/')).toEqual([
      ['p/a', 1],
      ['p/b', 2],
    ]);
  });

  it('an insert under a listed prefix is a phantom: ConflictError at commit', () => {
    const t = db.begin(run);
    expect(t.list('p/').length).toBe(2);
    put('p/c', 'phantom');
    t.put('count', 2);
    expectConflict(() => t.commit());
    expect(db.get(run, 'count')).toBeUndefined();
  });

  it('a delete under a listed prefix conflicts too', () => {
    const t = db.begin(run);
    t.list('p/');
    del('p/a');
    t.put('count', 2);
    expectConflict(() => t.commit());
  });

  it('an update under a listed prefix conflicts', () => {
    const t = db.begin(run);
    t.list('p');
    put('p/b', 22);
    t.put('sum', 3);
    expectConflict(() => t.commit());
  });

  it('a change outside the listed prefix does not conflict', () => {
    const t = db.begin(run);
    t.list('p/');
    put('q/b', 'elsewhere');
    put('p', 'the prefix itself without the slash');
    t.put('count', 2);
    t.commit();
    expect(db.get(run, 'count')).toBe(2);
  });

  it('listing everything ("" prefix) conflicts with any change in the run, not in other runs', () => {
    const t = db.begin(run);
    t.list();
    put('anything', 1, newRunId());
    t.put('x', 1);
    t.commit();
    const t2 = db.begin(run);
    t2.list('');
    put('anything', 1);
    t2.put('y', 1);
    expectConflict(() => t2.commit());
  });
});

describe('atomic multi-key commits', () => {
  it('a snapshot or transaction sees all of a commit or none of it', () => {
    const keys = Array.from({ length: 20 }, (_, i) => `k${String(i).padStart(2, '0')}`);
    const before = db.snapshot();
    const beforeTxn = db.begin(run);
    const writer = db.begin(run);
    for (const k of keys) writer.put(k, 'v1');
    const during = db.snapshot();
    writer.commit();
    const after = db.snapshot();
    for (const view of [before, during]) {
      for (const k of keys) expect(view.get(run, k)).toBeUndefined();
      expect(view.list(run)).toEqual([]);
    }
    for (const k of keys) expect(beforeTxn.get(k)).toBeUndefined();
    for (const k of keys) expect(after.get(run, k)).toBe('v1');
    expect(after.list(run).map(([k]) => k)).toEqual(keys);
    expect(db.list(run).length).toBe(keys.length);
    // Overwrite them all at once; old snapshots keep the old generation.
    db.transaction(run, (txn) => {
      for (const k of keys) txn.put(k, 'v2');
    });
    for (const k of keys) expect(after.get(run, k)).toBe('v1');
    for (const k of keys) expect(db.get(run, k)).toBe('v2');
    beforeTxn.abort();
    for (const s of [before, during, after]) s.release();
  });

  it('transfers keep the total constant in every snapshot', () => {
    const accounts = ['a', 'b', 'c', 'd'];
    db.transaction(run, (txn) => {
      for (const a of accounts) txn.put(a, 100);
    });
    const snaps: Snapshot[] = [];
    for (let i = 0; i < 40; i++) {
      const from = accounts[i % 4] as string;
      const to = accounts[(i * 3 + 1) % 4] as string;
      if (from === to) continue;
      db.transaction(run, (txn) => {
        const amount = (i % 7) + 1;
        txn.put(from, (txn.get(from) as number) - amount);
        txn.put(to, (txn.get(to) as number) + amount);
      });
      if (i % 5 === 0) snaps.push(db.snapshot());
    }
    for (const s of snaps) {
      const total = accounts.reduce((sum, a) => sum + (s.get(run, a) as number), 0);
      expect(total).toBe(400);
      s.release();
    }
  });
});

describe('fast-path reads equal a read-only transaction started at that moment', () => {
  function expectFastPathMatchesTxn(keys: string[]): void {
    const t = db.begin(run);
    for (const k of keys) {
      expect(db.get(run, k)).toEqual(t.get(k));
      expect(db.getVersion(run, k)).toBe(t.getVersion(k));
    }
    expect(db.list(run)).toEqual(t.list());
    t.commit();
  }

  it('with older transactions and snapshots open (version chains present)', () => {
    const keys = ['a', 'b', 'c', 'gone'];
    put('a', 1);
    put('gone', 'soon');
    expectFastPathMatchesTxn(keys);
    const old = db.begin(run);
    const snap = db.snapshot();
    put('a', 2);
    put('b', [1, 2]);
    del('gone');
    expectFastPathMatchesTxn(keys);
    const mid = db.begin(run);
    put('a', 3);
    del('b');
    expectFastPathMatchesTxn(keys);
    expect(old.get('a')).toBe(1);
    expect(mid.get('a')).toBe(2);
    expect(snap.get(run, 'gone')).toBe('soon');
    old.abort();
    mid.abort();
    snap.release();
    expectFastPathMatchesTxn(keys);
  });

  it('randomized: interleaved commits, transactions and snapshots agree with a model', () => {
    const KEYS = ['a', 'a/1', 'a/2', 'b', 'b/1'];
    const PREFIXES = ['', 'a', 'a/', 'b/', 'c'];
    type Cmd =
      | { t: 'put'; k: string; v: number }
      | { t: 'del'; k: string }
      | { t: 'begin' }
      | { t: 'tget'; i: number; k: string }
      | { t: 'tput'; i: number; k: string; v: number }
      | { t: 'tdel'; i: number; k: string }
      | { t: 'tlist'; i: number; p: string }
      | { t: 'commit'; i: number }
      | { t: 'abort'; i: number }
      | { t: 'snap' }
      | { t: 'release'; i: number };
    const key = fc.constantFrom(...KEYS);
    const idx = fc.nat(7);
    const w = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });
    const cmd: fc.Arbitrary<Cmd> = fc.oneof(
      w(
        3,
        fc.record({ t: fc.constant('put' as const), k: key, v: fc.integer({ min: 0, max: 99 }) }),
      ),
      w(1, fc.record({ t: fc.constant('del' as const), k: key })),
      w(3, fc.record({ t: fc.constant('begin' as const) })),
      w(4, fc.record({ t: fc.constant('tget' as const), i: idx, k: key })),
      w(
        4,
        fc.record({
          t: fc.constant('tput' as const),
          i: idx,
          k: key,
          v: fc.integer({ min: 0, max: 99 }),
        }),
      ),
      w(1, fc.record({ t: fc.constant('tdel' as const), i: idx, k: key })),
      w(
        2,
        fc.record({ t: fc.constant('tlist' as const), i: idx, p: fc.constantFrom(...PREFIXES) }),
      ),
      w(4, fc.record({ t: fc.constant('commit' as const), i: idx })),
      w(1, fc.record({ t: fc.constant('abort' as const), i: idx })),
      w(1, fc.record({ t: fc.constant('snap' as const) })),
      w(1, fc.record({ t: fc.constant('release' as const), i: idx })),
    );

    interface ModelTxn {
      txn: Transaction;
      snapVersion: number;
      snap: Map<string, number>;
      writes: Map<string, number | undefined>;
      touched: Set<string>;
      prefixes: string[];
    }
    interface ModelSnap {
      snapshot: Snapshot;
      state: Map<string, number>;
    }

    const sorted = (m: Map<string, number>, prefix = ''): Array<[string, Value]> =>
      [...m.entries()]
        .filter(([k]) => k.startsWith(prefix))
        .sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));

    // How much the generated histories exercised, so a weak generator can't pass silently.
    const coverage = { commits: 0, conflicts: 0, readOrPhantomOnly: 0 };
    fc.assert(
      fc.property(fc.array(cmd, { minLength: 10, maxLength: 80, size: 'max' }), (cmds) => {
        const r = newRunId();
        const committed = new Map<string, number>();
        const lastWrite = new Map<string, number>();
        let version = db.version;
        let conflicts = db.stats().conflicts;
        const txns: ModelTxn[] = [];
        const snaps: ModelSnap[] = [];

        const applyCommit = (writes: Map<string, number | undefined>): void => {
          version++;
          for (const [k, v] of writes) {
            if (v === undefined) committed.delete(k);
            else committed.set(k, v);
            lastWrite.set(k, version);
          }
        };
        const changedSince = (k: string, v: number): boolean => (lastWrite.get(k) ?? 0) > v;

        const check = (): void => {
          expect(db.version).toBe(version);
          expect(db.stats().conflicts).toBe(conflicts);
          const fresh = db.begin(r);
          for (const k of KEYS) {
            expect(db.get(r, k)).toBe(committed.get(k));
            expect(fresh.get(k)).toBe(committed.get(k));
          }
          expect(db.list(r)).toEqual(sorted(committed));
          expect(fresh.list()).toEqual(sorted(committed));
          fresh.abort();
          for (const s of snaps) {
            for (const k of KEYS) expect(s.snapshot.get(r, k)).toBe(s.state.get(k));
            expect(s.snapshot.list(r)).toEqual(sorted(s.state));
          }
        };

        try {
          for (const c of cmds) {
            switch (c.t) {
              case 'put':
                db.transaction(r, (txn) => txn.put(c.k, c.v));
                applyCommit(new Map([[c.k, c.v]]));
                break;
              case 'del':
                db.transaction(r, (txn) => txn.delete(c.k));
                applyCommit(new Map([[c.k, undefined]]));
                break;
              case 'begin':
                txns.push({
                  txn: db.begin(r),
                  snapVersion: version,
                  snap: new Map(committed),
                  writes: new Map(),
                  touched: new Set(),
                  prefixes: [],
                });
                break;
              case 'snap':
                snaps.push({ snapshot: db.snapshot(), state: new Map(committed) });
                break;
              case 'release': {
                const s = snaps.splice(c.i % Math.max(snaps.length, 1), 1)[0];
                s?.snapshot.release();
                break;
              }
              default: {
                if (txns.length === 0) break;
                const pos = c.i % txns.length;
                const m = txns[pos] as ModelTxn;
                switch (c.t) {
                  case 'tget': {
                    const expected = m.writes.has(c.k) ? m.writes.get(c.k) : m.snap.get(c.k);
                    m.touched.add(c.k);
                    expect(m.txn.get(c.k)).toBe(expected);
                    break;
                  }
                  case 'tput':
                    m.txn.put(c.k, c.v);
                    m.writes.set(c.k, c.v);
                    m.touched.add(c.k);
                    break;
                  case 'tdel':
                    m.txn.delete(c.k);
                    m.writes.set(c.k, undefined);
                    m.touched.add(c.k);
                    break;
                  case 'tlist': {
                    const view = new Map(m.snap);
                    for (const [k, v] of m.writes) {
                      if (v === undefined) view.delete(k);
                      else view.set(k, v);
                    }
                    m.prefixes.push(c.p);
                    expect(m.txn.list(c.p)).toEqual(sorted(view, c.p));
                    break;
                  }
                  case 'commit': {
                    txns.splice(pos, 1);
                    const conflict =
                      m.writes.size > 0 &&
                      ([...m.touched].some((k) => changedSince(k, m.snapVersion)) ||
                        m.prefixes.some((p) =>
                          [...lastWrite.keys()].some(
                            (k) => k.startsWith(p) && changedSince(k, m.snapVersion),
                          ),
                        ));
                    const writeChanged = [...m.writes.keys()].some((k) =>
                      changedSince(k, m.snapVersion),
                    );
                    if (m.writes.size > 0) coverage.commits++;
                    if (conflict) coverage.conflicts++;
                    if (conflict && !writeChanged) coverage.readOrPhantomOnly++;
                    if (conflict) {
                      expect(() => m.txn.commit()).toThrow(ConflictError);
                      expect(m.txn.state).toBe('aborted');
                      conflicts++;
                    } else {
                      m.txn.commit();
                      expect(m.txn.state).toBe('committed');
                      if (m.writes.size > 0) applyCommit(m.writes);
                    }
                    break;
                  }
                  case 'abort':
                    txns.splice(pos, 1);
                    m.txn.abort();
                    break;
                }
              }
            }
            check();
          }
        } finally {
          for (const m of txns) m.txn.abort();
          for (const s of snaps) s.snapshot.release();
        }
        expect(db.store.pinnedCount).toBe(0);
      }),
      { numRuns: 300 },
    );
    expect(coverage.commits).toBeGreaterThan(200);
    expect(coverage.conflicts).toBeGreaterThan(100);
    expect(coverage.readOrPhantomOnly).toBeGreaterThan(20);
  });
});

describe('db.transaction(runId, fn)', () => {
  it('commits when fn returns and returns its result', () => {
    const result = db.transaction(run, (txn) => {
      txn.put('a', 1);
      txn.put('b', 2);
      return { answer: 42 };
    });
    expect(result).toEqual({ answer: 42 });
    expect(db.get(run, 'a')).toBe(1);
    expect(db.get(run, 'b')).toBe(2);
    expect(db.stats().commits).toBe(1);
  });

  it('aborts when fn throws, rethrows the same error, and writes nothing', () => {
    put('a', 'before');
    const before = db.stats();
    const fileBytes = walFileBytes();
    const boom = new Error('boom');
    let seen: Transaction | undefined;
    expect(() =>
      db.transaction(run, (txn) => {
        seen = txn;
        txn.put('a', 'changed');
        txn.put('b', 'new');
        throw boom;
      }),
    ).toThrow(boom);
    expect(seen?.state).toBe('aborted');
    expect(db.get(run, 'a')).toBe('before');
    expect(db.get(run, 'b')).toBeUndefined();
    expect(db.stats().commits).toBe(before.commits);
    expect(db.stats().aborts).toBe(before.aborts + 1);
    expect(db.version).toBe(before.version);
    expect(walFileBytes()).toBe(fileBytes);
    expect(db.store.pinnedCount).toBe(0);
  });

  it('rejects an async body with TransactionStateError and writes nothing', async () => {
    const before = db.stats();
    const fileBytes = walFileBytes();
    let seen: Transaction | undefined;
    let bodyDone: Promise<void> | undefined;
    expect(() =>
      db.transaction(run, (txn) => {
        seen = txn;
        bodyDone = (async () => {
          // Written synchronously, before the first await: still must not be committed.
          txn.put('early', 1);
          await Promise.resolve();
        })();
        return bodyDone;
      }),
    ).toThrow(TransactionStateError);
    await bodyDone;
    expect(seen?.state).toBe('aborted');
    expect(db.get(run, 'early')).toBeUndefined();
    expect(db.stats().commits).toBe(before.commits);
    expect(db.version).toBe(before.version);
    expect(walFileBytes()).toBe(fileBytes);
    expect(db.store.pinnedCount).toBe(0);
  });

  it('rejects an async function passed directly, and the body cannot write after the await', async () => {
    let late: unknown;
    let resume: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      resume = resolve;
    });
    let finished: Promise<void> | undefined;
    expect(() =>
      db.transaction(run, async (txn) => {
        finished = (async () => {
          await gate;
          try {
            txn.put('late', 1);
          } catch (err) {
            late = err;
          }
        })();
        txn.put('early', 1);
      }),
    ).toThrow(TransactionStateError);
    resume();
    await finished;
    expect(late).toBeInstanceOf(TransactionStateError);
    expect(db.get(run, 'early')).toBeUndefined();
    expect(db.get(run, 'late')).toBeUndefined();
    expect(db.version).toBe(0);
  });

  it('a body that commits or aborts the transaction itself is respected', () => {
    const r1 = db.transaction(run, (txn) => {
      txn.put('a', 1);
      txn.commit();
      return 'done';
    });
    expect(r1).toBe('done');
    expect(db.get(run, 'a')).toBe(1);
    db.transaction(run, (txn) => {
      txn.put('b', 1);
      txn.abort();
    });
    expect(db.get(run, 'b')).toBeUndefined();
    expect(db.stats().commits).toBe(1);
  });

  it('a conflict at commit surfaces as ConflictError from db.transaction', () => {
    put('k', 0);
    const t = db.begin(run);
    t.put('k', 'first');
    expectConflict(() =>
      db.transaction(run, (txn) => {
        txn.put('k', 'second');
        txn.put('other', 1);
        t.commit(); // commits first, while this body runs
      }),
    );
    expect(db.get(run, 'k')).toBe('first');
    expect(db.get(run, 'other')).toBeUndefined();
  });
});

describe('transaction lifecycle', () => {
  function expectUnusable(txn: Transaction): void {
    const calls: Array<() => unknown> = [
      () => txn.get('k'),
      () => txn.getVersion('k'),
      () => txn.put('k', 1),
      () => txn.delete('k'),
      () => txn.cas('k', 0, 1),
      () => txn.list(),
      () => txn.commit(),
    ];
    for (const call of calls) expect(call).toThrow(TransactionStateError);
  }

  it('a committed transaction cannot be used; abort() after commit is a no-op', () => {
    const txn = db.begin(run);
    txn.put('k', 1);
    txn.commit();
    expect(txn.state).toBe('committed');
    expectUnusable(txn);
    txn.abort();
    expect(txn.state).toBe('committed');
    expect(db.get(run, 'k')).toBe(1);
  });

  it('an aborted transaction cannot be used; abort() is idempotent', () => {
    const txn = db.begin(run);
    txn.put('k', 1);
    txn.abort();
    txn.abort();
    expect(txn.state).toBe('aborted');
    expectUnusable(txn);
    expect(db.get(run, 'k')).toBeUndefined();
    expect(db.stats().aborts).toBe(1);
  });

  it('a transaction that lost a conflict cannot be used', () => {
    const t1 = db.begin(run);
    const t2 = db.begin(run);
    t1.put('k', 1);
    t2.put('k', 2);
    t1.commit();
    expectConflict(() => t2.commit());
    expectUnusable(t2);
  });

  it('a read-only transaction that commits is usable no more', () => {
    const txn = db.begin(run);
    txn.get('k');
    txn.commit();
    expect(txn.state).toBe('committed');
    expectUnusable(txn);
  });
});

describe('db.snapshot()', () => {
  it('pins one version across runs until released', () => {
    const r2 = newRunId();
    put('k', 'r1-old');
    put('k', 'r2-old', r2);
    put('list/a', 1);
    const snap = db.snapshot();
    expect(snap.version).toBe(db.version);
    put('k', 'r1-new');
    put('k', 'r2-new', r2);
    put('list/b', 2);
    del('list/a');
    expect(snap.get(run, 'k')).toBe('r1-old');
    expect(snap.get(r2, 'k')).toBe('r2-old');
    expect(snap.list(run, 'list/')).toEqual([['list/a', 1]]);
    expect(snap.get(newRunId(), 'k')).toBeUndefined();
    expect(db.get(run, 'k')).toBe('r1-new');
    expect(db.get(r2, 'k')).toBe('r2-new');
    expect(db.store.pinnedCount).toBe(1);
    snap.release();
    snap.release();
    expect(db.store.pinnedCount).toBe(0);
    expect(() => snap.get(run, 'k')).toThrow(TransactionStateError);
    expect(() => snap.list(run)).toThrow(TransactionStateError);
  });

  it('several snapshots at different versions each keep their own view', () => {
    const snaps: Array<[Snapshot, number]> = [];
    for (let i = 0; i < 5; i++) {
      put('k', i);
      snaps.push([db.snapshot(), i]);
    }
    del('k');
    for (const [s, i] of snaps) expect(s.get(run, 'k')).toBe(i);
    // Release in a scrambled order; the rest keep working.
    for (const pos of [2, 0, 3]) (snaps[pos] as [Snapshot, number])[0].release();
    expect((snaps[1] as [Snapshot, number])[0].get(run, 'k')).toBe(1);
    expect((snaps[4] as [Snapshot, number])[0].get(run, 'k')).toBe(4);
    for (const [s] of snaps) s.release();
    expect(db.store.pinnedCount).toBe(0);
  });
});

describe('after close', () => {
  it('every operation throws ClosedError, including on objects made before close', () => {
    put('k', 1);
    const txn = db.begin(run);
    txn.put('pending', 1);
    const snap = db.snapshot();
    db.close();
    db.close(); // idempotent
    expect(db.isOpen).toBe(false);
    const calls: Array<() => unknown> = [
      () => db.get(run, 'k'),
      () => db.getVersion(run, 'k'),
      () => db.list(run),
      () => db.runIds(),
      () => db.begin(run),
      () => db.transaction(run, (t) => t.put('x', 1)),
      () => db.snapshot(),
      () => snap.get(run, 'k'),
      () => snap.list(run),
      () => txn.get('k'),
      () => txn.put('k', 2),
      () => txn.list(),
      () => txn.commit(),
    ];
    for (const call of calls) expect(call).toThrow(ClosedError);
    // The open transaction was aborted by close, and nothing of it reached the log.
    expect(txn.state).toBe('aborted');
    db = Database.open(dir);
    expect(db.list(run)).toEqual([['k', 1]]);
  });

  it('a transaction body that closes the database cannot commit', () => {
    expect(() =>
      db.transaction(run, (t) => {
        t.put('k', 1);
        db.close();
      }),
    ).toThrow(ClosedError);
    db = Database.open(dir);
    expect(db.get(run, 'k')).toBeUndefined();
  });
});

describe('old versions are pruned', () => {
  it('with no snapshot open, an overwrite keeps no previous version and a delete removes the key', () => {
    put('k', 1);
    put('k', 2);
    put('k', 3);
    db.transaction(run, (txn) => {
      txn.put('k', 4);
      txn.put('d', 'x');
    });
    const shard = db.store.shard(run);
    expect(chainVersions(shard?.get('k'))).toEqual([db.version]);
    del('d');
    expect(shard?.has('d')).toBe(false);
    del('never-existed');
    expect(shard?.has('never-existed')).toBe(false);
    expect(shard?.size).toBe(1);
    expect(db.store.pinnedCount).toBe(0);
  });

  it('with no snapshot open, an overwrite updates the entry in place (no allocation per write)', () => {
    put('k', 1);
    const shard = db.store.shard(run);
    const entry = shard?.get('k');
    put('k', 2);
    db.put(run, 'k', 3);
    expect(shard?.get('k')).toBe(entry);
    expect(entry).toMatchObject({ version: db.version, value: 3, prev: undefined });
    // Under a snapshot the same overwrite must make a new entry, and the old one stays intact.
    const snap = db.snapshot();
    put('k', 4);
    expect(shard?.get('k')).not.toBe(entry);
    expect(entry?.value).toBe(3);
    expect(snap.get(run, 'k')).toBe(3);
    snap.release();
  });

  it('with a snapshot open, old versions are kept for it and dropped after release', () => {
    put('k', 'v1');
    put('d', 'doomed');
    const v1 = db.version;
    const snap = db.snapshot();
    put('k', 'v2');
    put('k', 'v3');
    del('d');
    const shard = db.store.shard(run);
    // v2 was seen by no snapshot, so v3 replaced it in place.
    expect(chainVersions(shard?.get('k'))).toEqual([v1 + 2, v1 - 1]);
    expect(shard?.get('d')?.value).toBeUndefined(); // tombstone, kept for the snapshot
    expect(snap.get(run, 'k')).toBe('v1');
    expect(snap.get(run, 'd')).toBe('doomed');
    snap.release();
    // Released: the tombstone and the old version go at once, before any further write.
    expect(shard?.has('d')).toBe(false);
    expect(chainVersions(shard?.get('k'))).toEqual([v1 + 2]);
    put('k', 'v4');
    expect(chainVersions(shard?.get('k'))).toEqual([db.version]);
    put('d', 'again');
    del('d');
    expect(shard?.has('d')).toBe(false);
  });

  it('a chain is cut below what the oldest open snapshot can see', () => {
    put('k', 'a');
    const s1 = db.snapshot();
    put('k', 'b');
    const vb = db.version;
    const s2 = db.snapshot();
    put('k', 'c');
    s1.release();
    put('k', 'd');
    const shard = db.store.shard(run);
    expect(chainVersions(shard?.get('k'))).toEqual([vb + 2, vb]);
    expect(s2.get(run, 'k')).toBe('b');
    s2.release();

    // Overwrites no snapshot can see replace the head: the chain does not grow with writes.
    const s3 = db.snapshot();
    for (let i = 0; i < 5; i++) put('k', `long${i}`);
    expect(chainVersions(shard?.get('k')).length).toBe(2);
    s3.release();
    expect(chainVersions(shard?.get('k')).length).toBe(1);
    const s4 = db.snapshot();
    const v4 = db.version;
    put('k', 'after');
    expect(chainVersions(shard?.get('k'))).toEqual([v4 + 1, v4]);
    expect(s4.get(run, 'k')).toBe('long4');
    s4.release();
  });

  it('transactions do not leave pins behind, however they end', () => {
    put('k', 0);
    const committed = db.begin(run);
    committed.put('k', 1);
    committed.commit();
    db.begin(run).abort();
    const loser = db.begin(run);
    loser.put('k', 'x');
    put('k', 2);
    expect(() => loser.commit()).toThrow(ConflictError);
    expect(() =>
      db.transaction(run, () => {
        throw new Error('x');
      }),
    ).toThrow('x');
    expect(() => db.transaction(run, async () => {})).toThrow(TransactionStateError);
    db.begin(run).commit();
    expect(db.store.pinnedCount).toBe(0);
    put('k', 3);
    expect(chainVersions(db.store.shard(run)?.get('k'))).toEqual([db.version]);
  });

  it('runIds() lists only runs that hold live data', () => {
    const a = newRunId();
    const b = newRunId();
    put('k', 1, a);
    put('k', 1, b);
    expect(new Set(db.runIds())).toEqual(new Set([a, b]));
    del('k', b);
    expect(db.runIds()).toEqual([a]);
    // A delete while a snapshot is open leaves a tombstone; the run still holds no data.
    const snap = db.snapshot();
    del('k', a);
    expect(db.runIds()).toEqual([]);
    snap.release();
    expect(db.runIds()).toEqual([]);
  });
});
