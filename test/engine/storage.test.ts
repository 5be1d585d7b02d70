/**
 * Multi-version storage: a chain holds one entry per open snapshot plus the head however many
 * writes happen under a long-lived reader; tombstones, old versions and empty shards are
 * reclaimed once no snapshot needs them; and every snapshot keeps reading exactly its version
 * (a randomized model test with interleaved pins, releases, puts, deletes and transactions).
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConflictError,
  Database,
  newRunId,
  type RunId,
  type Snapshot,
  type Value,
} from '../../engine/src/index.ts';
import type { Entry } from '../../engine/src/storage.ts';

let db: Database;
let run: RunId;

beforeEach(() => {
  db = Database.builder().inMemory().open();
  run = newRunId();
});

afterEach(() => {
  db.close();
});

function chainLength(e: Entry | undefined): number {
  let n = 0;
  for (let x = e; x !== undefined; x = x.prev) n++;
  return n;
}

function entryCount(): number {
  let n = 0;
  for (const shard of db.store.shards.values()) {
    for (const head of shard.values()) n += chainLength(head);
  }
  return n;
}

describe('writes under a long-lived reader', () => {
  it('10k overwrites of one key keep two entries: the head and the one the reader sees', () => {
    db.put(run, 'hot', -1);
    const reader = db.snapshot();
    db.put(run, 'hot', 0);
    // The reader can't see the new head, so later overwrites reuse it: no allocation per write.
    const head = db.store.latestEntry(run, 'hot');
    for (let i = 0; i < 10_000; i++) db.put(run, 'hot', i);
    expect(db.store.latestEntry(run, 'hot')).toBe(head);
    for (let i = 0; i < 1_000; i++) db.transaction(run, (t) => t.put('hot', i));
    expect(chainLength(db.store.latestEntry(run, 'hot'))).toBe(2);
    expect(reader.get(run, 'hot')).toBe(-1);
    expect(db.get(run, 'hot')).toBe(999);
    reader.release();
    expect(chainLength(db.store.latestEntry(run, 'hot'))).toBe(1);
    expect(db.store.keptKeyCount).toBe(0);
  });

  it('short snapshots taken and released under a long reader do not grow the chain', () => {
    db.put(run, 'hot', -1);
    const reader = db.snapshot();
    for (let i = 0; i < 2_000; i++) {
      const s = db.snapshot();
      db.put(run, 'hot', i);
      expect(s.get(run, 'hot')).toBe(i - 1 < 0 ? -1 : i - 1);
      s.release();
    }
    // The head, the reader's entry, and at most one left by the last short snapshot.
    expect(chainLength(db.store.latestEntry(run, 'hot'))).toBeLessThanOrEqual(3);
    expect(reader.get(run, 'hot')).toBe(-1);
    reader.release();
    expect(chainLength(db.store.latestEntry(run, 'hot'))).toBe(1);
  });

  it('deletes under a reader leave tombstones until it is released, then the keys go', () => {
    for (let i = 0; i < 1_000; i++) db.put(run, `k${i}`, i);
    db.put(run, 'other', 'yes');
    const reader = db.snapshot();
    for (let i = 0; i < 1_000; i++) expect(db.delete(run, `k${i}`)).toBe(true);
    // Deleted twice: the second delete finds a tombstone and reports nothing to delete.
    expect(db.delete(run, 'k0')).toBe(false);
    expect(db.store.shard(run)?.size).toBe(1_001);
    expect(reader.list(run, 'k')).toHaveLength(1_000);
    expect(db.list(run)).toEqual([['other', 'yes']]);
    reader.release();
    // The fast path list now walks one entry, not a thousand tombstones.
    expect(db.store.shard(run)?.size).toBe(1);
    expect(entryCount()).toBe(1);
    expect(db.store.keptKeyCount).toBe(0);
  });

  it('a run left with only tombstones loses its shard once no snapshot needs them', () => {
    const other = newRunId();
    db.put(other, 'x', 1);
    const reader = db.snapshot();
    db.delete(other, 'x');
    db.transaction(other, (t) => t.delete('never-existed'));
    expect(db.store.shard(other)?.size).toBe(2);
    expect(db.runIds()).toEqual([]);
    reader.release();
    expect(db.store.shard(other)).toBeUndefined();
    expect(db.runIds()).toEqual([]);
    db.put(other, 'x', 2);
    expect(db.get(other, 'x')).toBe(2);
  });

  it('a tombstone stays while a snapshot older than it is pinned, for validation', () => {
    db.put(run, 'k', 1);
    const old = db.begin(run);
    expect(old.get('k')).toBe(1);
    db.delete(run, 'k');
    const newer = db.snapshot();
    db.put(run, 'other', 1);
    newer.release();
    // `old` is still pinned below the delete: its read must still conflict.
    expect(db.store.latestEntry(run, 'k')?.value).toBeUndefined();
    old.put('x', 1);
    expect(() => old.commit()).toThrow(ConflictError);
    expect(db.store.shard(run)?.has('k')).toBe(false);
  });

  it('a tombstone younger than the oldest pin stays when an older pin goes', () => {
    const s1 = db.snapshot();
    db.put(run, 'other', 1);
    const old = db.begin(run);
    expect(old.get('k')).toBeUndefined();
    db.put(run, 'k', 1);
    db.delete(run, 'k');
    s1.release();
    // `old` read k as absent before it was created and deleted: its commit must see that.
    expect(db.store.latestEntry(run, 'k')?.value).toBeUndefined();
    old.put('x', 1);
    expect(() => old.commit()).toThrow(ConflictError);
    expect(db.store.shard(run)?.has('k')).toBe(false);
  });

  it('releasing the oldest of several pins trims down to what the rest need', () => {
    db.put(run, 'k', 'a');
    const s1 = db.snapshot();
    db.put(run, 'k', 'b');
    const s2 = db.snapshot();
    db.put(run, 'k', 'c');
    const s3 = db.snapshot();
    db.put(run, 'k', 'd');
    expect(chainLength(db.store.latestEntry(run, 'k'))).toBe(4);
    s1.release();
    expect(chainLength(db.store.latestEntry(run, 'k'))).toBe(3);
    expect([s2.get(run, 'k'), s3.get(run, 'k'), db.get(run, 'k')]).toEqual(['b', 'c', 'd']);
    s2.release();
    s3.release();
    expect(chainLength(db.store.latestEntry(run, 'k'))).toBe(1);
  });
});

type Op =
  | { kind: 'put'; key: number; value: number }
  | { kind: 'delete'; key: number }
  | { kind: 'txn'; keys: number[]; value: number; deleteFirst: boolean }
  | { kind: 'pin' }
  | { kind: 'release'; which: number };

const KEYS = 4;

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('put' as const),
    key: fc.nat(KEYS - 1),
    value: fc.integer({ min: 0, max: 999 }),
  }),
  fc.record({ kind: fc.constant('delete' as const), key: fc.nat(KEYS - 1) }),
  fc.record({
    kind: fc.constant('txn' as const),
    keys: fc.uniqueArray(fc.nat(KEYS - 1), { minLength: 1, maxLength: KEYS }),
    value: fc.integer({ min: 0, max: 999 }),
    deleteFirst: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('pin' as const) }),
  fc.record({ kind: fc.constant('release' as const), which: fc.nat(7) }),
);

describe('snapshot reads against a reference model', () => {
  it('every open snapshot reads the state of its version; nothing is left after release', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 80 }), (ops) => {
        const d = Database.builder().inMemory().open();
        const r = newRunId();
        try {
          // history[v] = the state after commit v.
          const history: Array<Map<string, Value>> = [new Map()];
          const open: Snapshot[] = [];
          let maxPins = 0;
          const commit = (next: Map<string, Value>): void => {
            history.push(next);
          };
          for (const op of ops) {
            const now = history[history.length - 1] as Map<string, Value>;
            if (op.kind === 'put') {
              d.put(r, `k${op.key}`, op.value);
              commit(new Map(now).set(`k${op.key}`, op.value));
            } else if (op.kind === 'delete') {
              if (d.delete(r, `k${op.key}`)) {
                const next = new Map(now);
                next.delete(`k${op.key}`);
                commit(next);
              }
            } else if (op.kind === 'txn') {
              const next = new Map(now);
              d.transaction(r, (t) => {
                for (const k of op.keys) {
                  if (op.deleteFirst && k % 2 === 0) {
                    t.delete(`k${k}`);
                    next.delete(`k${k}`);
                  } else {
                    t.put(`k${k}`, op.value + k);
                    next.set(`k${k}`, op.value + k);
                  }
                }
              });
              commit(next);
            } else if (op.kind === 'pin') {
              open.push(d.snapshot());
            } else if (open.length > 0) {
              const [s] = open.splice(op.which % open.length, 1);
              s?.release();
            }
            expect(d.version).toBe(history.length - 1);
            maxPins = Math.max(maxPins, open.length);
            for (const s of open) {
              const want = history[s.version] as Map<string, Value>;
              for (let k = 0; k < KEYS; k++) expect(s.get(r, `k${k}`)).toBe(want.get(`k${k}`));
              expect(s.list(r)).toEqual([...want].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
            }
            for (const head of d.store.shard(r)?.values() ?? []) {
              expect(chainLength(head)).toBeLessThanOrEqual(maxPins + 1);
            }
          }
          for (const s of open) s.release();
          const last = history[history.length - 1] as Map<string, Value>;
          const shard = d.store.shard(r);
          expect(shard?.size ?? 0).toBe(last.size);
          for (const head of shard?.values() ?? []) expect(chainLength(head)).toBe(1);
          expect(d.store.keptKeyCount).toBe(0);
        } finally {
          d.close();
        }
      }),
      { numRuns: 300 },
    );
  });
});
