import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ClosedError,
  InvalidArgumentError,
  InvalidKeyError,
  InvalidValueError,
  KVStore,
  NotFoundError,
  TRACE_TYPES,
  TraceStore,
  isRunId,
  newRunId,
  type RunId,
  type Trace,
  type TraceTree,
  type TraceType,
} from '../../../engine/src/index.ts';
import { TempDb, thrown } from './helpers.ts';

let t: TempDb;
let traces: TraceStore;
let run: RunId;

beforeEach(() => {
  t = new TempDb('tr');
  traces = new TraceStore(t.db);
  run = newRunId();
});

afterEach(() => {
  vi.restoreAllMocks();
  t.dispose();
});

function reopen(): void {
  traces = new TraceStore(t.reopen());
}

/** Time order, ties broken by id: the order every TraceStore query promises. */
function byTime(list: readonly Trace[]): Trace[] {
  return [...list].sort(
    (a, b) => a.timestamp - b.timestamp || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

function ids(list: readonly Trace[]): string[] {
  return list.map((x) => x.id);
}

function rec(type: TraceType, timestamp: number, tags: string[] = [], content?: unknown): string {
  return traces.record(run, { type, content }, { tags, timestamp });
}

function expectNothingWritten(
  fn: () => unknown,
  errorClass: abstract new (...args: never[]) => Error,
): unknown {
  const v = t.db.version;
  const count = traces.count(run);
  const err = thrown(fn);
  expect(err).toBeInstanceOf(errorClass);
  expect(t.db.version).toBe(v);
  expect(traces.count(run)).toBe(count);
  return err;
}

describe('TraceStore record / get', () => {
  it('records a root trace and returns its id; get returns the whole trace', () => {
    const id = traces.record(
      run,
      { type: 'toolCall', content: { tool: 'search', args: ['q'], n: 3n } },
      { tags: ['web', 'slow'], timestamp: 1234 },
    );
    expect(isRunId(id)).toBe(true); // a UUID
    expect(traces.get(run, id)).toEqual({
      id,
      type: 'toolCall',
      content: { tool: 'search', args: ['q'], n: 3n },
      parentId: null,
      tags: ['web', 'slow'],
      timestamp: 1234,
    });
  });

  it('defaults: content null, no tags, timestamp now', () => {
    vi.spyOn(Date, 'now').mockReturnValue(99_000);
    const id = traces.record(run, { type: 'thought' });
    expect(traces.get(run, id)).toMatchObject({ content: null, tags: [], timestamp: 99_000 });
  });

  it('deduplicates tags, keeping first-occurrence order', () => {
    const id = rec('decision', 1, ['b', 'a', 'b', 'c', 'a']);
    expect(traces.get(run, id)?.tags).toEqual(['b', 'a', 'c']);
    expect(ids(traces.queryByTag(run, 'b'))).toEqual([id]);
  });

  it.each(TRACE_TYPES.map((ty) => [ty]))('accepts type %s', (type) => {
    const id = rec(type, 5);
    expect(traces.get(run, id)?.type).toBe(type);
    expect(ids(traces.queryByType(run, type))).toEqual([id]);
  });

  it('each record is one commit and bumps count', () => {
    const v = t.db.version;
    expect(traces.count(run)).toBe(0);
    rec('thought', 1, ['x', 'y']);
    rec('thought', 2);
    expect(t.db.version).toBe(v + 2);
    expect(traces.count(run)).toBe(2);
  });

  it('ids are unique', () => {
    const all = new Set<string>();
    for (let i = 0; i < 50; i++) all.add(rec('thought', 1));
    expect(all.size).toBe(50);
  });

  it('get of an unknown id is undefined; of an empty id, InvalidKeyError', () => {
    expect(traces.get(run, newRunId())).toBeUndefined();
    expect(() => traces.get(run, '')).toThrow(InvalidKeyError);
  });

  it('the stored content is a copy of the input', () => {
    const content = { list: [1] };
    const id = traces.record(run, { type: 'query', content }, { timestamp: 1 });
    content.list.push(2);
    expect(traces.get(run, id)?.content).toEqual({ list: [1] });
  });
});

describe('TraceStore record with invalid input: typed error, nothing written', () => {
  const cases: Array<[string, () => unknown, abstract new (...args: never[]) => Error]> = [
    [
      'an unknown type',
      () => traces.record(run, { type: 'nap' as TraceType }),
      InvalidArgumentError,
    ],
    [
      'an empty tag',
      () => traces.record(run, { type: 'thought' }, { tags: ['ok', ''] }),
      InvalidKeyError,
    ],
    [
      'a non-string tag',
      () => traces.record(run, { type: 'thought' }, { tags: [1 as unknown as string] }),
      InvalidKeyError,
    ],
    [
      'a tag over 1024 bytes',
      () => traces.record(run, { type: 'thought' }, { tags: ['t'.repeat(1025)] }),
      InvalidKeyError,
    ],
    [
      'a tag with a lone surrogate',
      () => traces.record(run, { type: 'thought' }, { tags: ['x\ud800'] }),
      InvalidKeyError,
    ],
    [
      'a negative timestamp',
      () => traces.record(run, { type: 'thought' }, { timestamp: -1 }),
      InvalidArgumentError,
    ],
    [
      'a fractional timestamp',
      () => traces.record(run, { type: 'thought' }, { timestamp: 1.5 }),
      InvalidArgumentError,
    ],
    [
      'a NaN timestamp',
      () => traces.record(run, { type: 'thought' }, { timestamp: Number.NaN }),
      InvalidArgumentError,
    ],
    [
      'an unsafe timestamp',
      () => traces.record(run, { type: 'thought' }, { timestamp: 2 ** 53 }),
      InvalidArgumentError,
    ],
    [
      'function content',
      () => traces.record(run, { type: 'thought', content: () => 1 }),
      InvalidValueError,
    ],
    [
      'Map content',
      () => traces.record(run, { type: 'thought', content: new Map() }),
      InvalidValueError,
    ],
    ['a bad run id', () => traces.record('x' as RunId, { type: 'thought' }), InvalidKeyError],
  ];

  it.each(cases)('%s', (_label, fn, errorClass) => {
    rec('thought', 1, ['ok']);
    expectNothingWritten(fn, errorClass);
    expect(ids(traces.queryByTag(run, 'ok'))).toHaveLength(1);
    expect(traces.queryByTime(run, 0, Number.MAX_SAFE_INTEGER)).toHaveLength(1);
  });
});

describe('TraceStore tags', () => {
  it("tags containing '/' (or escape-like text) never prefix-collide", () => {
    const tags = ['a', 'a/b', 'a/b/c', 'a/', 'a%2Fb', 'a%', 'A', 'ab', '/', '%2F'];
    const byTag = new Map<string, string>();
    for (const [i, tag] of tags.entries()) byTag.set(tag, rec('custom', i, [tag]));
    for (const tag of tags) {
      expect(ids(traces.queryByTag(run, tag)), `tag ${tag}`).toEqual([byTag.get(tag)]);
    }
    expect(traces.queryByTag(run, 'b')).toEqual([]);
    expect(traces.queryByTag(run, 'a/b/')).toEqual([]);
  });

  it('a trace with several tags is found under each', () => {
    const id = rec('thought', 1, ['a', 'a/b']);
    const other = rec('thought', 2, ['a/b']);
    expect(ids(traces.queryByTag(run, 'a'))).toEqual([id]);
    expect(ids(traces.queryByTag(run, 'a/b'))).toEqual([id, other]);
  });

  it('accepts tags up to the documented 1024 UTF-8 bytes, ASCII or not', () => {
    const long = 't'.repeat(1024);
    const accented = 'é'.repeat(512); // 1024 UTF-8 bytes
    const emoji = '😀'.repeat(256); // 1024 UTF-8 bytes
    const a = rec('thought', 1, [long]);
    const b = rec('thought', 2, [accented, emoji]);
    expect(ids(traces.queryByTag(run, long))).toEqual([a]);
    expect(ids(traces.queryByTag(run, accented))).toEqual([b]);
    expect(ids(traces.queryByTag(run, emoji))).toEqual([b]);
    expect(traces.queryByTag(run, 't'.repeat(1023))).toEqual([]);
    reopen();
    expect(ids(traces.queryByTag(run, emoji))).toEqual([b]);
  });

  it('queryByTag rejects an invalid tag', () => {
    expect(() => traces.queryByTag(run, '')).toThrow(InvalidKeyError);
    expect(() => traces.queryByTag(run, 'x'.repeat(1025))).toThrow(InvalidKeyError);
    expect(() => traces.queryByTag(run, 'x\udc00')).toThrow(InvalidKeyError);
  });
});

describe('TraceStore queries', () => {
  it('queryByType returns that type only, in time order', () => {
    const d2 = rec('decision', 20);
    const q = rec('query', 15);
    const d1 = rec('decision', 10);
    const d3 = rec('decision', 30);
    expect(ids(traces.queryByType(run, 'decision'))).toEqual([d1, d2, d3]);
    expect(ids(traces.queryByType(run, 'query'))).toEqual([q]);
    expect(traces.queryByType(run, 'error')).toEqual([]);
    expect(() => traces.queryByType(run, 'nap' as TraceType)).toThrow(InvalidArgumentError);
  });

  it('queryByTag returns traces in time order', () => {
    const late = rec('thought', 300, ['t']);
    const early = rec('error', 100, ['t']);
    rec('thought', 200, ['u']);
    expect(ids(traces.queryByTag(run, 't'))).toEqual([early, late]);
  });

  it('queryByTime has inclusive bounds and time order', () => {
    const at = new Map<number, string>();
    for (const ts of [50, 10, 40, 20, 30]) at.set(ts, rec('thought', ts));
    const q = (s: number, e: number): string[] => ids(traces.queryByTime(run, s, e));
    const idAt = (...ts: number[]): string[] => ts.map((x) => at.get(x) as string);
    expect(q(20, 40)).toEqual(idAt(20, 30, 40));
    expect(q(10, 50)).toEqual(idAt(10, 20, 30, 40, 50));
    expect(q(30, 30)).toEqual(idAt(30));
    expect(q(21, 39)).toEqual(idAt(30));
    expect(q(19.5, 40.5)).toEqual(idAt(20, 30, 40));
    expect(q(20.5, 29.9)).toEqual([]);
    expect(q(0, 9)).toEqual([]);
    expect(q(51, 1e15)).toEqual([]);
    expect(q(-100, 10)).toEqual(idAt(10));
    expect(q(40, 20)).toEqual([]);
    expect(q(-10, -1)).toEqual([]);
    expect(q(0, Number.MAX_SAFE_INTEGER)).toEqual(idAt(10, 20, 30, 40, 50));
  });

  it('queryByTime includes timestamp 0 and very large timestamps', () => {
    const zero = rec('thought', 0);
    const big = rec('thought', Number.MAX_SAFE_INTEGER);
    expect(ids(traces.queryByTime(run, 0, 0))).toEqual([zero]);
    expect(ids(traces.queryByTime(run, 1, Number.MAX_SAFE_INTEGER))).toEqual([big]);
    expect(ids(traces.queryByTime(run, -5, Number.MAX_SAFE_INTEGER))).toEqual([zero, big]);
  });

  it('equal timestamps come back in a stable (id) order in every query', () => {
    const a = rec('thought', 7, ['same']);
    const b = rec('thought', 7, ['same']);
    const c = rec('thought', 7, ['same']);
    const expected = [a, b, c].sort();
    expect(ids(traces.queryByTime(run, 7, 7))).toEqual(expected);
    expect(ids(traces.queryByTag(run, 'same'))).toEqual(expected);
    expect(ids(traces.queryByType(run, 'thought'))).toEqual(expected);
  });

  it('queryByTime rejects non-finite bounds', () => {
    expect(() => traces.queryByTime(run, Number.NEGATIVE_INFINITY, 1)).toThrow(
      InvalidArgumentError,
    );
    expect(() => traces.queryByTime(run, 0, Number.POSITIVE_INFINITY)).toThrow(
      InvalidArgumentError,
    );
    expect(() => traces.queryByTime(run, Number.NaN, 1)).toThrow(InvalidArgumentError);
  });

  it('queries write nothing', () => {
    const root = rec('thought', 1, ['x']);
    const v = t.db.version;
    traces.queryByTag(run, 'x');
    traces.queryByType(run, 'thought');
    traces.queryByTime(run, 0, 10);
    traces.getChildren(run, root);
    traces.getTree(run, root);
    traces.count(run);
    expect(t.db.version).toBe(v);
  });

  it('every query rejects a bad run id', () => {
    const bad = 'bad' as RunId;
    expect(() => traces.get(bad, 'x')).toThrow(InvalidKeyError);
    expect(() => traces.queryByType(bad, 'thought')).toThrow(InvalidKeyError);
    expect(() => traces.queryByTag(bad, 'x')).toThrow(InvalidKeyError);
    expect(() => traces.queryByTime(bad, 0, 1)).toThrow(InvalidKeyError);
    expect(() => traces.getChildren(bad, 'x')).toThrow(InvalidKeyError);
    expect(() => traces.getTree(bad, 'x')).toThrow(InvalidKeyError);
    expect(() => traces.count(bad)).toThrow(InvalidKeyError);
  });

  it('queries see neither KV keys nor other runs', () => {
    const other = newRunId();
    const mine = rec('thought', 5, ['t']);
    const theirs = traces.record(other, { type: 'thought' }, { tags: ['t'], timestamp: 5 });
    new KVStore(t.db).put(run, 'i/tag/t', 'kv noise');
    expect(ids(traces.queryByTag(run, 't'))).toEqual([mine]);
    expect(ids(traces.queryByTag(other, 't'))).toEqual([theirs]);
    expect(ids(traces.queryByTime(run, 0, 10))).toEqual([mine]);
    expect(traces.get(other, mine)).toBeUndefined();
    expect(traces.count(run)).toBe(1);
    expect(traces.count(other)).toBe(1);
    expect(traces.count(newRunId())).toBe(0);
  });
});

describe('TraceStore parents, children and trees', () => {
  it('recordChild links to the parent; getChildren returns direct children in time order', () => {
    const root = rec('decision', 1);
    const c2 = traces.recordChild(run, root, { type: 'toolCall' }, { timestamp: 20 });
    const c1 = traces.recordChild(run, root, { type: 'query' }, { timestamp: 10 });
    const grandchild = traces.recordChild(run, c1, { type: 'thought' }, { timestamp: 15 });
    expect(traces.get(run, c1)?.parentId).toBe(root);
    expect(traces.get(run, grandchild)?.parentId).toBe(c1);
    expect(ids(traces.getChildren(run, root))).toEqual([c1, c2]);
    expect(ids(traces.getChildren(run, c1))).toEqual([grandchild]);
    expect(traces.getChildren(run, c2)).toEqual([]);
    expect(traces.getChildren(run, newRunId())).toEqual([]);
    expect(traces.count(run)).toBe(4);
  });

  it('recordChild with an unknown parent -> NotFoundError, nothing written', () => {
    rec('thought', 1);
    const unknown = newRunId();
    expectNothingWritten(
      () =>
        traces.recordChild(run, unknown, { type: 'thought' }, { tags: ['orphan'], timestamp: 2 }),
      NotFoundError,
    );
    expect(traces.queryByTag(run, 'orphan')).toEqual([]);
    expect(traces.getChildren(run, unknown)).toEqual([]);
    expect(traces.queryByTime(run, 2, 2)).toEqual([]);
  });

  it('recordChild with a parent from another run -> NotFoundError', () => {
    const other = newRunId();
    const foreign = traces.record(other, { type: 'thought' });
    expectNothingWritten(
      () => traces.recordChild(run, foreign, { type: 'thought' }),
      NotFoundError,
    );
    expect(traces.getChildren(other, foreign)).toEqual([]);
  });

  it('recordChild with an empty parent id -> InvalidKeyError', () => {
    expectNothingWritten(() => traces.recordChild(run, '', { type: 'thought' }), InvalidKeyError);
  });

  it('a prefix of a parent id does not match its children', () => {
    const root = rec('thought', 1);
    traces.recordChild(run, root, { type: 'thought' }, { timestamp: 2 });
    expect(traces.getChildren(run, root.slice(0, 8))).toEqual([]);
  });

  it('getTree returns the trace and its descendants, children in time order', () => {
    const root = rec('decision', 1);
    const b = traces.recordChild(run, root, { type: 'toolCall' }, { timestamp: 30 });
    const a = traces.recordChild(run, root, { type: 'query' }, { timestamp: 10 });
    const a1 = traces.recordChild(run, a, { type: 'thought' }, { timestamp: 12 });
    const a1x = traces.recordChild(run, a1, { type: 'error' }, { timestamp: 13 });
    rec('thought', 2); // an unrelated root
    const g = (id: string): Trace => traces.get(run, id) as Trace;
    expect(traces.getTree(run, root)).toEqual({
      trace: g(root),
      children: [
        { trace: g(a), children: [{ trace: g(a1), children: [{ trace: g(a1x), children: [] }] }] },
        { trace: g(b), children: [] },
      ],
    });
    expect(traces.getTree(run, a1x)).toEqual({ trace: g(a1x), children: [] });
    expect(traces.getTree(run, newRunId())).toBeUndefined();
    expect(() => traces.getTree(run, '')).toThrow(InvalidKeyError);
  });

  it('everything survives close and reopen', () => {
    const root = rec('decision', 1, ['x', 'a/b']);
    const child = traces.recordChild(
      run,
      root,
      { type: 'error', content: new Uint8Array([1]) },
      { timestamp: 2, tags: ['x'] },
    );
    const tree = traces.getTree(run, root);
    reopen();
    expect(traces.count(run)).toBe(2);
    expect(traces.getTree(run, root)).toEqual(tree);
    expect(ids(traces.queryByTag(run, 'x'))).toEqual([root, child]);
    expect(ids(traces.queryByTag(run, 'a/b'))).toEqual([root]);
    expect(ids(traces.queryByType(run, 'error'))).toEqual([child]);
    expect(ids(traces.queryByTime(run, 2, 2))).toEqual([child]);
    const next = traces.recordChild(run, child, { type: 'thought' }, { timestamp: 3 });
    expect(traces.count(run)).toBe(3);
    expect(ids(traces.getChildren(run, child))).toEqual([next]);
  });

  it('throws ClosedError after close', () => {
    const root = rec('thought', 1);
    t.db.close();
    expect(() => traces.record(run, { type: 'thought' })).toThrow(ClosedError);
    expect(() => traces.getTree(run, root)).toThrow(ClosedError);
    expect(() => traces.queryByTime(run, 0, 5)).toThrow(ClosedError);
  });
});

describe('TraceStore property: every index agrees with a brute-force filter', () => {
  const TAG_POOL = ['a', 'a/b', 'a/', 'a%2Fb', 'b', '%', 'x y', 'é', '😀'];

  type Op = {
    kind: 'root' | 'child' | 'orphan';
    pick: number;
    type: TraceType;
    tags: string[];
    timestamp: number;
    content: string | number | null | undefined;
  };

  const opArb: fc.Arbitrary<Op> = fc.record({
    kind: fc.constantFrom<Op['kind']>('root', 'root', 'child', 'child', 'child', 'orphan'),
    pick: fc.nat(),
    type: fc.constantFrom(...TRACE_TYPES),
    tags: fc.array(fc.constantFrom(...TAG_POOL), { maxLength: 4 }),
    timestamp: fc.integer({ min: 0, max: 40 }),
    content: fc.oneof(fc.constant(undefined), fc.constant(null), fc.string(), fc.integer()),
  });

  const rangeArb = fc.tuple(
    fc.double({ min: -5, max: 45, noNaN: true }),
    fc.double({ min: -5, max: 45, noNaN: true }),
  );

  function bruteTree(all: readonly Trace[], root: Trace): TraceTree {
    return {
      trace: root,
      children: byTime(all.filter((x) => x.parentId === root.id)).map((c) => bruteTree(all, c)),
    };
  }

  it('for random record/recordChild sequences', () => {
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 25 }),
        fc.array(rangeArb, { maxLength: 5 }),
        (ops, ranges) => {
          const r = newRunId();
          const recorded: string[] = [];
          const expected = new Map<string, Omit<Trace, 'id'>>();
          for (const op of ops) {
            const options = { tags: op.tags, timestamp: op.timestamp };
            const input = { type: op.type, content: op.content };
            if (op.kind === 'orphan') {
              const before = t.db.version;
              expect(() => traces.recordChild(r, newRunId(), input, options)).toThrow(
                NotFoundError,
              );
              expect(t.db.version).toBe(before);
              continue;
            }
            const parent =
              op.kind === 'child' && recorded.length > 0
                ? recorded[op.pick % recorded.length]
                : undefined;
            const id =
              parent === undefined
                ? traces.record(r, input, options)
                : traces.recordChild(r, parent, input, options);
            recorded.push(id);
            expected.set(id, {
              type: op.type,
              content: op.content ?? null,
              parentId: parent ?? null,
              tags: [...new Set(op.tags)],
              timestamp: op.timestamp,
            });
          }

          const all = recorded.map((id) => traces.get(r, id) as Trace);
          for (const tr of all) expect(tr).toEqual({ id: tr.id, ...expected.get(tr.id) });
          expect(traces.count(r)).toBe(recorded.length);

          for (const type of TRACE_TYPES) {
            expect(traces.queryByType(r, type)).toEqual(byTime(all.filter((x) => x.type === type)));
          }
          for (const tag of [...TAG_POOL, 'a/b/', 'A', 'a%']) {
            expect(traces.queryByTag(r, tag)).toEqual(
              byTime(all.filter((x) => x.tags.includes(tag))),
            );
          }
          for (const [start, end] of [...ranges, [0, 40] as [number, number]]) {
            expect(traces.queryByTime(r, start, end)).toEqual(
              byTime(all.filter((x) => x.timestamp >= start && x.timestamp <= end)),
            );
          }
          for (const tr of all) {
            expect(traces.getChildren(r, tr.id)).toEqual(
              byTime(all.filter((x) => x.parentId === tr.id)),
            );
            expect(traces.getTree(r, tr.id)).toEqual(bruteTree(all, tr));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
