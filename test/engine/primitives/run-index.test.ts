import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ClosedError,
  EventLog,
  InvalidArgumentError,
  InvalidKeyError,
  InvalidTransitionError,
  InvalidValueError,
  KVStore,
  NotFoundError,
  RUN_STATUSES,
  RunIndex,
  SYSTEM_RUN_ID,
  StateCell,
  TraceStore,
  canTransition,
  isRunId,
  newRunId,
  type RunId,
  type RunMeta,
  type RunStatus,
} from '../../../engine/src/index.ts';
import { TempDb, thrown } from './helpers.ts';

/** The lifecycle as documented at the top of run-index.ts, restated independently. */
const LIFECYCLE: Record<RunStatus, readonly RunStatus[]> = {
  active: ['paused', 'completed', 'failed', 'cancelled'],
  paused: ['active', 'failed', 'cancelled'],
  completed: ['archived'],
  failed: ['archived'],
  cancelled: ['archived'],
  archived: [],
};

/** How to bring a fresh (active) run to each status through legal steps. */
const PATH_TO: Record<RunStatus, readonly RunStatus[]> = {
  active: [],
  paused: ['paused'],
  completed: ['completed'],
  failed: ['failed'],
  cancelled: ['cancelled'],
  archived: ['completed', 'archived'],
};

const ENDED: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];

const ALL_PAIRS: Array<[RunStatus, RunStatus]> = RUN_STATUSES.flatMap((from) =>
  RUN_STATUSES.map((to): [RunStatus, RunStatus] => [from, to]),
);
const LEGAL = ALL_PAIRS.filter(([from, to]) => LIFECYCLE[from].includes(to));
const ILLEGAL = ALL_PAIRS.filter(([from, to]) => !LIFECYCLE[from].includes(to));

let t: TempDb;
let runs: RunIndex;
let clock: number;

beforeEach(() => {
  t = new TempDb('run');
  runs = new RunIndex(t.db);
  clock = 1_000_000;
  // A controllable clock: every Date.now() call moves time forward by 1 ms unless set.
  vi.spyOn(Date, 'now').mockImplementation(() => clock++);
});

afterEach(() => {
  vi.restoreAllMocks();
  t.dispose();
});

function reopen(): void {
  runs = new RunIndex(t.reopen());
}

function runAt(status: RunStatus): RunMeta {
  const meta = runs.createRun({ name: `to-${status}` });
  for (const step of PATH_TO[status]) runs.updateStatus(meta.runId, step);
  const got = runs.getRun(meta.runId) as RunMeta;
  expect(got.status).toBe(status);
  return got;
}

describe('RunIndex createRun / getRun', () => {
  it('creates an active run with defaults', () => {
    clock = 5_000;
    const meta = runs.createRun();
    expect(isRunId(meta.runId)).toBe(true);
    expect(meta).toEqual({
      runId: meta.runId,
      name: null,
      status: 'active',
      tags: [],
      metadata: null,
      parentRunId: null,
      createdAt: 5_000,
      updatedAt: 5_000,
      endedAt: null,
      error: null,
    });
    expect(runs.getRun(meta.runId)).toEqual(meta);
  });

  it('stores name, deduplicated tags, metadata and parent', () => {
    const parent = runs.createRun({ name: 'parent' });
    const meta = runs.createRun({
      name: 'child',
      tags: ['eval', 'gpu', 'eval'],
      metadata: { model: 'm', budget: 10n, seeds: [1, 2], blob: new Uint8Array([1]) },
      parentRunId: parent.runId,
    });
    expect(meta).toMatchObject({
      name: 'child',
      status: 'active',
      tags: ['eval', 'gpu'],
      metadata: { model: 'm', budget: 10n, seeds: [1, 2], blob: new Uint8Array([1]) },
      parentRunId: parent.runId,
    });
    expect(runs.getRun(meta.runId)).toEqual(meta);
  });

  it('each run gets a distinct id', () => {
    const a = runs.createRun();
    const b = runs.createRun();
    expect(a.runId).not.toBe(b.runId);
    expect(runs.listRuns()).toHaveLength(2);
  });

  it('getRun of an unknown run is undefined; of a malformed id, InvalidKeyError', () => {
    expect(runs.getRun(newRunId())).toBeUndefined();
    expect(runs.getRun(SYSTEM_RUN_ID)).toBeUndefined();
    expect(() => runs.getRun('nope' as RunId)).toThrow(InvalidKeyError);
  });

  it('keeps run records out of the run itself (they live in the system run)', () => {
    const meta = runs.createRun({ name: 'x' });
    expect(t.db.list(meta.runId)).toEqual([]);
    expect(new KVStore(t.db).list(SYSTEM_RUN_ID)).toEqual([]);
  });

  const refused: Array<[string, () => CreateArgs, abstract new (...args: never[]) => Error]> = [
    ['a parent that does not exist', () => ({ parentRunId: newRunId() }), NotFoundError],
    ['a malformed parent id', () => ({ parentRunId: 'parent' as RunId }), InvalidKeyError],
    ['the system run as parent', () => ({ parentRunId: SYSTEM_RUN_ID }), NotFoundError],
    ['an empty tag', () => ({ tags: ['ok', ''] }), InvalidKeyError],
    ['an oversized tag', () => ({ tags: ['t'.repeat(1025)] }), InvalidKeyError],
    ['function metadata', () => ({ metadata: { f: () => 1 } }), InvalidValueError],
    ['Date metadata', () => ({ metadata: new Date() }), InvalidValueError],
    ['a non-string name', () => ({ name: 42 as unknown as string }), InvalidArgumentError],
  ];
  type CreateArgs = Parameters<RunIndex['createRun']>[0];

  it.each(refused)(
    'refuses %s with a typed error and writes nothing',
    (_label, args, errorClass) => {
      const existing = runs.createRun({ name: 'existing' });
      const v = t.db.version;
      expect(thrown(() => runs.createRun(args()))).toBeInstanceOf(errorClass);
      expect(t.db.version).toBe(v);
      expect(runs.listRuns()).toEqual([existing]);
    },
  );

  it('a run whose parent exists in any status can be created', () => {
    const parent = runAt('archived');
    const child = runs.createRun({ parentRunId: parent.runId });
    expect(child.parentRunId).toBe(parent.runId);
  });
});

describe('RunIndex status transitions', () => {
  it('canTransition matches the documented lifecycle for all 36 pairs', () => {
    for (const [from, to] of ALL_PAIRS) {
      expect(canTransition(from, to), `${from} -> ${to}`).toBe(LIFECYCLE[from].includes(to));
    }
    expect(LEGAL).toHaveLength(10);
    expect(ILLEGAL).toHaveLength(26);
  });

  it.each(LEGAL)('legal: %s -> %s', (from, to) => {
    const before = runAt(from);
    clock = 9_000_000;
    const after = runs.updateStatus(before.runId, to);
    expect(after.status).toBe(to);
    expect(after.updatedAt).toBe(9_000_000);
    expect(after.createdAt).toBe(before.createdAt);
    expect(after.name).toBe(before.name);
    expect(after.endedAt).toBe(ENDED.includes(to) ? 9_000_000 : before.endedAt);
    expect(runs.getRun(before.runId)).toEqual(after);
  });

  it.each(ILLEGAL)(
    'illegal: %s -> %s throws InvalidTransitionError, nothing changes',
    (from, to) => {
      const before = runAt(from);
      const v = t.db.version;
      const err = thrown(() => runs.updateStatus(before.runId, to));
      expect(err).toBeInstanceOf(InvalidTransitionError);
      expect(err).toMatchObject({ code: 'INVALID_TRANSITION' });
      expect(t.db.version).toBe(v);
      expect(runs.getRun(before.runId)).toEqual(before);
    },
  );

  it('a full legal walk: active -> paused -> active -> completed -> archived', () => {
    const { runId } = runs.createRun();
    expect(runs.updateStatus(runId, 'paused').endedAt).toBeNull();
    expect(runs.updateStatus(runId, 'active').endedAt).toBeNull();
    clock = 7_000_000;
    const done = runs.completeRun(runId);
    expect(done).toMatchObject({ status: 'completed', endedAt: 7_000_000, error: null });
    clock = 8_000_000;
    const archived = runs.updateStatus(runId, 'archived');
    expect(archived).toMatchObject({
      status: 'archived',
      endedAt: 7_000_000,
      updatedAt: 8_000_000,
    });
    for (const to of RUN_STATUSES) {
      expect(() => runs.updateStatus(runId, to)).toThrow(InvalidTransitionError);
    }
  });

  it('updateStatus on an unknown run -> NotFoundError', () => {
    const v = t.db.version;
    expect(() => runs.updateStatus(newRunId(), 'paused')).toThrow(NotFoundError);
    expect(() => runs.completeRun(newRunId())).toThrow(NotFoundError);
    expect(() => runs.failRun(newRunId(), 'x')).toThrow(NotFoundError);
    expect(t.db.version).toBe(v);
  });

  it('updateStatus to an unknown status -> InvalidArgumentError, nothing changes', () => {
    const meta = runs.createRun();
    const v = t.db.version;
    expect(() => runs.updateStatus(meta.runId, 'done' as RunStatus)).toThrow(InvalidArgumentError);
    expect(t.db.version).toBe(v);
    expect(runs.getRun(meta.runId)).toEqual(meta);
  });

  it('updateStatus with a malformed run id -> InvalidKeyError', () => {
    expect(() => runs.updateStatus('x' as RunId, 'paused')).toThrow(InvalidKeyError);
  });
});

describe('RunIndex completeRun / failRun', () => {
  it('completeRun sets completed and endedAt, no error', () => {
    const { runId } = runs.createRun();
    clock = 2_000_000;
    const meta = runs.completeRun(runId);
    expect(meta).toMatchObject({ status: 'completed', endedAt: 2_000_000, error: null });
    expect(runs.getRun(runId)).toEqual(meta);
  });

  it('failRun records the error and endedAt, from active or paused', () => {
    const a = runs.createRun();
    const p = runAt('paused');
    clock = 3_000_000;
    expect(runs.failRun(a.runId, 'out of memory')).toMatchObject({
      status: 'failed',
      error: 'out of memory',
      endedAt: 3_000_000,
    });
    expect(runs.failRun(p.runId, 'timeout')).toMatchObject({ status: 'failed', error: 'timeout' });
    expect(runs.getRun(a.runId)?.error).toBe('out of memory');
  });

  it('the error and endedAt are kept when a failed run is archived, and survive reopen', () => {
    const { runId } = runs.createRun();
    clock = 4_000_000;
    runs.failRun(runId, 'boom');
    runs.updateStatus(runId, 'archived');
    reopen();
    expect(runs.getRun(runId)).toMatchObject({
      status: 'archived',
      error: 'boom',
      endedAt: 4_000_000,
    });
  });

  it('updateStatus(failed) without an error records null; an error given for another status is ignored', () => {
    const a = runs.createRun();
    expect(runs.updateStatus(a.runId, 'failed').error).toBeNull();
    const b = runs.createRun();
    expect(runs.updateStatus(b.runId, 'cancelled', 'ignored').error).toBeNull();
  });

  it('completeRun of a paused run and failRun of a completed run are illegal', () => {
    const p = runAt('paused');
    expect(() => runs.completeRun(p.runId)).toThrow(InvalidTransitionError);
    expect(runs.getRun(p.runId)).toEqual(p);
    const c = runAt('completed');
    expect(() => runs.failRun(c.runId, 'late')).toThrow(InvalidTransitionError);
    expect(runs.getRun(c.runId)).toEqual(c);
  });
});

describe('RunIndex addTags', () => {
  it('adds tags, deduplicated, keeping order, and bumps updatedAt', () => {
    const meta = runs.createRun({ tags: ['a', 'b'] });
    clock = 6_000_000;
    const after = runs.addTags(meta.runId, ['b', 'c', 'a', 'd', 'c']);
    expect(after.tags).toEqual(['a', 'b', 'c', 'd']);
    expect(after.updatedAt).toBe(6_000_000);
    expect(runs.getRun(meta.runId)).toEqual(after);
    expect(runs.queryRuns({ tag: 'd' }).map((r) => r.runId)).toEqual([meta.runId]);
  });

  it('works in any status, even archived', () => {
    const meta = runAt('archived');
    expect(runs.addTags(meta.runId, ['kept']).tags).toEqual(['kept']);
  });

  it('an invalid tag -> InvalidKeyError, nothing changes', () => {
    const meta = runs.createRun({ tags: ['a'] });
    const v = t.db.version;
    expect(() => runs.addTags(meta.runId, ['ok', ''])).toThrow(InvalidKeyError);
    expect(t.db.version).toBe(v);
    expect(runs.getRun(meta.runId)).toEqual(meta);
  });

  it('an unknown run -> NotFoundError', () => {
    expect(() => runs.addTags(newRunId(), ['a'])).toThrow(NotFoundError);
  });
});

describe('RunIndex queryRuns / listRuns', () => {
  let r1: RunMeta;
  let r2: RunMeta;
  let r3: RunMeta;
  let r4: RunMeta;
  let r5: RunMeta;

  beforeEach(() => {
    // Created out of time order on purpose: results must still come back oldest first.
    clock = 3_000;
    r3 = runs.createRun({ name: 'r3', tags: ['eval'] });
    clock = 1_000;
    r1 = runs.createRun({ name: 'r1', tags: ['eval', 'gpu'] });
    clock = 2_000;
    r2 = runs.createRun({ name: 'r2', tags: ['gpu'], parentRunId: r1.runId });
    clock = 4_000;
    r4 = runs.createRun({ name: 'r4', parentRunId: r1.runId });
    clock = 5_000;
    r5 = runs.createRun({ name: 'r5', tags: ['eval'], parentRunId: r2.runId });
    clock = 10_000;
    runs.completeRun(r2.runId);
    runs.failRun(r3.runId, 'x');
    runs.updateStatus(r4.runId, 'paused');
  });

  const names = (list: readonly RunMeta[]): Array<string | null> => list.map((r) => r.name);

  it('listRuns returns every run oldest first', () => {
    expect(names(runs.listRuns())).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(runs.queryRuns()).toEqual(runs.listRuns());
    expect(runs.queryRuns({})).toEqual(runs.listRuns());
  });

  it('filters by status', () => {
    expect(names(runs.queryRuns({ status: 'active' }))).toEqual(['r1', 'r5']);
    expect(names(runs.queryRuns({ status: 'completed' }))).toEqual(['r2']);
    expect(names(runs.queryRuns({ status: 'failed' }))).toEqual(['r3']);
    expect(names(runs.queryRuns({ status: 'paused' }))).toEqual(['r4']);
    expect(runs.queryRuns({ status: 'archived' })).toEqual([]);
  });

  it('filters by tag (exact match)', () => {
    expect(names(runs.queryRuns({ tag: 'eval' }))).toEqual(['r1', 'r3', 'r5']);
    expect(names(runs.queryRuns({ tag: 'gpu' }))).toEqual(['r1', 'r2']);
    expect(runs.queryRuns({ tag: 'ev' })).toEqual([]);
  });

  it('filters by parent', () => {
    expect(names(runs.queryRuns({ parentRunId: r1.runId }))).toEqual(['r2', 'r4']);
    expect(names(runs.queryRuns({ parentRunId: r2.runId }))).toEqual(['r5']);
    expect(runs.queryRuns({ parentRunId: r5.runId })).toEqual([]);
  });

  it('filters by creation time, both bounds inclusive', () => {
    expect(names(runs.queryRuns({ createdAfter: 2_000 }))).toEqual(['r2', 'r3', 'r4', 'r5']);
    expect(names(runs.queryRuns({ createdAfter: 2_001 }))).toEqual(['r3', 'r4', 'r5']);
    expect(names(runs.queryRuns({ createdBefore: 3_000 }))).toEqual(['r1', 'r2', 'r3']);
    expect(names(runs.queryRuns({ createdBefore: 2_999 }))).toEqual(['r1', 'r2']);
    expect(names(runs.queryRuns({ createdAfter: 2_000, createdBefore: 4_000 }))).toEqual([
      'r2',
      'r3',
      'r4',
    ]);
    expect(names(runs.queryRuns({ createdAfter: 3_000, createdBefore: 3_000 }))).toEqual(['r3']);
    expect(runs.queryRuns({ createdAfter: 4_001, createdBefore: 3_999 })).toEqual([]);
  });

  it('combines criteria with AND', () => {
    expect(names(runs.queryRuns({ tag: 'eval', status: 'active' }))).toEqual(['r1', 'r5']);
    expect(names(runs.queryRuns({ tag: 'eval', status: 'active', createdAfter: 2_000 }))).toEqual([
      'r5',
    ]);
    expect(names(runs.queryRuns({ parentRunId: r1.runId, status: 'completed' }))).toEqual(['r2']);
    expect(runs.queryRuns({ parentRunId: r1.runId, tag: 'eval' })).toEqual([]);
  });

  it('limit keeps the oldest matches', () => {
    expect(names(runs.queryRuns({ limit: 2 }))).toEqual(['r1', 'r2']);
    expect(names(runs.queryRuns({ tag: 'eval', limit: 2 }))).toEqual(['r1', 'r3']);
    expect(runs.queryRuns({ limit: 0 })).toEqual([]);
    expect(names(runs.queryRuns({ limit: 100 }))).toHaveLength(5);
  });

  it.each([[-1], [1.5], [Number.NaN]])('limit %s -> InvalidArgumentError', (limit) => {
    expect(() => runs.queryRuns({ limit })).toThrow(InvalidArgumentError);
  });

  it('equal creation times are ordered by run id', () => {
    vi.spyOn(Date, 'now').mockReturnValue(20_000);
    const same = [runs.createRun(), runs.createRun(), runs.createRun()];
    const got = runs.queryRuns({ createdAfter: 20_000 }).map((r) => r.runId);
    expect(got).toEqual(same.map((r) => r.runId).sort());
  });

  it('the index survives close and reopen', () => {
    const before = runs.listRuns();
    reopen();
    expect(runs.listRuns()).toEqual(before);
    expect(names(runs.queryRuns({ parentRunId: r1.runId }))).toEqual(['r2', 'r4']);
  });
});

describe('RunIndex deleteRun', () => {
  it("removes the record and the run's data in every primitive, and nothing else", () => {
    const victim = runs.createRun({ name: 'victim' });
    const keeper = runs.createRun({ name: 'keeper' });
    const kv = new KVStore(t.db);
    const log = new EventLog(t.db);
    const cells = new StateCell(t.db);
    const traces = new TraceStore(t.db);
    for (const r of [victim.runId, keeper.runId]) {
      kv.put(r, 'a', 1);
      kv.put(r, 'b/c', 2);
      log.append(r, 'evt', { r });
      cells.init(r, 'cell', 0);
      traces.record(r, { type: 'thought' }, { tags: ['t'] });
      t.db.transaction(r, (txn) => txn.put('raw', true));
    }

    runs.deleteRun(victim.runId);

    expect(runs.getRun(victim.runId)).toBeUndefined();
    expect(runs.listRuns().map((r) => r.name)).toEqual(['keeper']);
    expect(kv.get(victim.runId, 'a')).toBeUndefined();
    expect(kv.list(victim.runId)).toEqual([]);
    expect(log.len(victim.runId)).toBe(0);
    expect(cells.list(victim.runId)).toEqual([]);
    expect(traces.count(victim.runId)).toBe(0);
    expect(traces.queryByTag(victim.runId, 't')).toEqual([]);
    expect(t.db.list(victim.runId)).toEqual([]);

    expect(runs.getRun(keeper.runId)).toEqual(keeper);
    expect(kv.list(keeper.runId)).toEqual([
      ['a', 1],
      ['b/c', 2],
    ]);
    expect(log.verifyChain(keeper.runId)).toEqual({ valid: true, length: 1 });
    expect(cells.exists(keeper.runId, 'cell')).toBe(true);
    expect(traces.count(keeper.runId)).toBe(1);

    // The deletion is durable.
    reopen();
    expect(runs.getRun(victim.runId)).toBeUndefined();
    expect(t.db.list(victim.runId)).toEqual([]);
    expect(new KVStore(t.db).get(keeper.runId, 'a')).toBe(1);
  });

  it('a run with no data can be deleted', () => {
    const meta = runs.createRun();
    runs.deleteRun(meta.runId);
    expect(runs.getRun(meta.runId)).toBeUndefined();
    expect(runs.listRuns()).toEqual([]);
  });

  it('deleting an unknown run -> NotFoundError, nothing written', () => {
    const kv = new KVStore(t.db);
    const orphanData = newRunId();
    kv.put(orphanData, 'k', 1); // data in a run the index does not know
    const v = t.db.version;
    expect(() => runs.deleteRun(orphanData)).toThrow(NotFoundError);
    expect(() => runs.deleteRun(SYSTEM_RUN_ID)).toThrow(NotFoundError);
    expect(t.db.version).toBe(v);
    expect(kv.get(orphanData, 'k')).toBe(1);
  });

  it('deleting twice -> NotFoundError the second time', () => {
    const meta = runs.createRun();
    runs.deleteRun(meta.runId);
    expect(() => runs.deleteRun(meta.runId)).toThrow(NotFoundError);
  });

  it('a malformed run id -> InvalidKeyError', () => {
    expect(() => runs.deleteRun('x' as RunId)).toThrow(InvalidKeyError);
  });

  it('the deleted run id is no longer a valid parent', () => {
    const meta = runs.createRun();
    runs.deleteRun(meta.runId);
    expect(() => runs.createRun({ parentRunId: meta.runId })).toThrow(NotFoundError);
  });
});

describe('RunIndex after close', () => {
  it('throws ClosedError', () => {
    const meta = runs.createRun();
    t.db.close();
    expect(() => runs.createRun()).toThrow(ClosedError);
    expect(() => runs.getRun(meta.runId)).toThrow(ClosedError);
    expect(() => runs.listRuns()).toThrow(ClosedError);
    expect(() => runs.updateStatus(meta.runId, 'paused')).toThrow(ClosedError);
  });
});
