/**
 * Run ids are case-insensitive: an upper-case and a lower-case spelling of one UUID address the
 * same run at every entry point (raw API, transactions, snapshots, each primitive), the run is
 * stored lower case, and that survives a reopen. Ids that are not UUIDs are still refused.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  Database,
  EventLog,
  InvalidKeyError,
  KVStore,
  RunIndex,
  StateCell,
  TraceStore,
  newRunId,
  normalizeRunId,
} from '../../engine/src/index.ts';
import { TempDb, thrown } from './primitives/helpers.ts';

const lower = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const upper = lower.toUpperCase();
const mixed = '0A1b2C3d-4E5f-4A6b-8C7d-9E0f1A2b3C4d';

let fixture: TempDb | undefined;
afterEach(() => {
  fixture?.dispose();
  fixture = undefined;
});

function open(): TempDb {
  fixture = new TempDb('keys');
  return fixture;
}

describe('normalizeRunId', () => {
  it('returns the lower-case spelling and refuses what is not a UUID', () => {
    expect(normalizeRunId(upper)).toBe(lower);
    expect(normalizeRunId(mixed)).toBe(lower);
    expect(normalizeRunId(lower)).toBe(lower);
    for (const bad of ['', 'not-a-uuid', `${lower}x`, 42, null, undefined]) {
      expect(() => normalizeRunId(bad)).toThrow(InvalidKeyError);
    }
  });
});

describe('run ids at every entry point', () => {
  it('raw API: put/get/delete/getVersion/list/transaction/snapshot see one run', () => {
    const { db } = open();
    db.put(upper, 'a', 1);
    expect(db.get(lower, 'a')).toBe(1);
    expect(db.get(mixed, 'a')).toBe(1);
    expect(db.getVersion(mixed, 'a')).toBe(db.getVersion(lower, 'a'));
    expect(db.list(mixed)).toEqual([['a', 1]]);
    db.transaction(mixed, (txn) => {
      expect(txn.get('a')).toBe(1);
      txn.put('b', 2);
    });
    const txn = db.begin(upper);
    expect(txn.runId).toBe(lower);
    txn.abort();
    expect(db.get(upper, 'b')).toBe(2);
    const snap = db.snapshot();
    expect(snap.get(upper, 'b')).toBe(2);
    expect(snap.list(mixed).map(([k]) => k)).toEqual(['a', 'b']);
    snap.release();
    expect(db.runIds()).toEqual([lower]);
    expect(db.delete(mixed, 'a')).toBe(true);
    expect(db.get(lower, 'a')).toBeUndefined();
  });

  it('the stored spelling is lower case and survives a reopen', () => {
    const t = open();
    t.db.put(upper, 'k', 'v');
    const db = t.reopen();
    expect(db.runIds()).toEqual([lower]);
    expect(db.get(upper, 'k')).toBe('v');
    expect(db.get(lower, 'k')).toBe('v');
  });

  it('invalid ids are refused with InvalidKeyError on every path', () => {
    const { db } = open();
    db.put(lower, 'k', 1);
    const bad = 'ZZZZZZZZ-0000-0000-0000-000000000000';
    const calls: Array<() => unknown> = [
      () => db.get(bad, 'k'),
      () => db.put(bad, 'k', 1),
      () => db.delete(bad, 'k'),
      () => db.getVersion(bad, 'k'),
      () => db.list(bad),
      () => db.begin(bad),
      () => db.transaction(bad, () => 1),
      () => db.snapshot().get(bad, 'k'),
      () => new KVStore(db).get(bad, 'k'),
      () => new RunIndex(db).getRun(bad),
    ];
    for (const call of calls) expect(thrown(call)).toBeInstanceOf(InvalidKeyError);
  });

  it('KVStore, EventLog, StateCell and TraceStore address one run in any spelling', () => {
    const t = open();
    const kv = new KVStore(t.db);
    kv.put(upper, 'x', 1);
    expect(kv.get(lower, 'x')).toBe(1);
    expect(kv.list(mixed)).toEqual([['x', 1]]);
    expect(kv.delete(mixed, 'x')).toBe(true);
    kv.put(mixed, 'y', 2);

    const log = new EventLog(t.db);
    log.append(upper, 'started', { n: 1 });
    log.append(lower, 'step', { n: 2 });
    expect(log.len(mixed)).toBe(2);
    expect(log.verifyChain(upper).valid).toBe(true);

    const cells = new StateCell(t.db);
    const v = cells.init(upper, 'c', 0);
    expect(cells.cas(lower, 'c', v, 1)).toBeGreaterThan(v);
    expect(cells.read(mixed, 'c')?.value).toBe(1);

    const traces = new TraceStore(t.db);
    const id = traces.record(upper, { type: 'thought', content: 'hi' });
    expect(traces.get(lower, id)?.content).toBe('hi');
    expect(traces.count(mixed)).toBe(1);

    const db = t.reopen();
    expect(db.runIds()).toEqual([lower]);
    expect(new KVStore(db).get(upper, 'y')).toBe(2);
    expect(new EventLog(db).len(upper)).toBe(2);
    expect(new StateCell(db).read(upper, 'c')?.value).toBe(1);
    expect(new TraceStore(db).count(upper)).toBe(1);
  });

  it('RunIndex finds, updates, queries and deletes a run in any spelling', () => {
    const t = open();
    const runs = new RunIndex(t.db);
    const parent = runs.createRun({ name: 'p' });
    const up = parent.runId.toUpperCase();
    expect(runs.getRun(up)?.name).toBe('p');
    const child = runs.createRun({ name: 'c', parentRunId: up });
    expect(child.parentRunId).toBe(parent.runId);
    expect(runs.queryRuns({ parentRunId: up }).map((r) => r.name)).toEqual(['c']);
    runs.addTags(child.runId.toUpperCase(), ['t']);
    expect(runs.completeRun(up).status).toBe('completed');
    new KVStore(t.db).put(up, 'k', 1);
    const db = t.reopen();
    const again = new RunIndex(db);
    expect(again.getRun(up)?.status).toBe('completed');
    expect(again.getRun(child.runId.toUpperCase())?.tags).toEqual(['t']);
    again.deleteRun(up);
    expect(again.getRun(parent.runId)).toBeUndefined();
    expect(new KVStore(db).get(parent.runId, 'k')).toBeUndefined();
  });

  it('an in-memory database normalises too', () => {
    const db = Database.builder().inMemory().open();
    const id = newRunId();
    db.put(id.toUpperCase(), 'k', 1);
    expect(db.get(id, 'k')).toBe(1);
    expect(db.runIds()).toEqual([id]);
    db.close();
  });
});
