import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ClosedError,
  ConflictError,
  EventLog,
  InvalidKeyError,
  InvalidValueError,
  KVStore,
  LIMITS,
  StateCell,
  TraceStore,
  newRunId,
  type RunId,
} from '../../../engine/src/index.ts';
import { TempDb, thrown } from './helpers.ts';

let t: TempDb;
let kv: KVStore;
let run: RunId;

beforeEach(() => {
  t = new TempDb('kv');
  kv = new KVStore(t.db);
  run = newRunId();
});

afterEach(() => {
  t.dispose();
});

function reopen(): void {
  kv = new KVStore(t.reopen());
}

describe('KVStore get / put / delete', () => {
  it('returns undefined for a key never written', () => {
    expect(kv.get(run, 'missing')).toBeUndefined();
  });

  it('stores and returns every kind of Value', () => {
    const values = {
      null: null,
      true: true,
      false: false,
      int: 42,
      float: -1.25,
      bigint: -(2n ** 63n),
      string: 'héllo ✓',
      empty: '',
      bytes: new Uint8Array([0, 1, 254, 255]),
      array: [1, 'two', [3n], null],
      object: { a: { b: [true, new Uint8Array([9])] }, 'key with space': 1 },
    };
    for (const [k, v] of Object.entries(values)) kv.put(run, k, v);
    for (const [k, v] of Object.entries(values)) expect(kv.get(run, k)).toEqual(v);
    expect(kv.get(run, 'bigint')).toBe(-(2n ** 63n));
    expect(kv.get(run, 'bytes')).toBeInstanceOf(Uint8Array);
  });

  it('overwrites an existing key', () => {
    kv.put(run, 'k', 1);
    kv.put(run, 'k', { now: 'object' });
    expect(kv.get(run, 'k')).toEqual({ now: 'object' });
    expect(kv.list(run)).toEqual([['k', { now: 'object' }]]);
  });

  it('each put is one commit', () => {
    const v0 = t.db.version;
    kv.put(run, 'a', 1);
    kv.put(run, 'b', 2);
    expect(t.db.version).toBe(v0 + 2);
  });

  it('delete returns true when the key existed and removes it', () => {
    kv.put(run, 'k', 'v');
    expect(kv.delete(run, 'k')).toBe(true);
    expect(kv.get(run, 'k')).toBeUndefined();
    expect(kv.list(run)).toEqual([]);
  });

  it('delete returns false for a missing key and writes nothing', () => {
    kv.put(run, 'other', 1);
    const v = t.db.version;
    expect(kv.delete(run, 'missing')).toBe(false);
    expect(t.db.version).toBe(v);
    expect(kv.get(run, 'other')).toBe(1);
  });

  it('delete twice: true, then false', () => {
    kv.put(run, 'k', 0);
    expect(kv.delete(run, 'k')).toBe(true);
    expect(kv.delete(run, 'k')).toBe(false);
  });

  it('a stored value is a copy: mutating the input afterwards changes nothing', () => {
    const obj = { list: [1, 2], bytes: new Uint8Array([1, 2, 3]) };
    kv.put(run, 'k', obj);
    obj.list.push(3);
    obj.bytes[0] = 99;
    expect(kv.get(run, 'k')).toEqual({ list: [1, 2], bytes: new Uint8Array([1, 2, 3]) });
  });

  it('mutating returned bytes does not change the stored bytes', () => {
    kv.put(run, 'b', new Uint8Array([1, 2, 3]));
    const got = kv.get(run, 'b') as Uint8Array;
    got[0] = 42;
    expect(kv.get(run, 'b')).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('accepts a long key well inside the byte limit', () => {
    const key = 'k'.repeat(LIMITS.maxKeyBytes - 16);
    kv.put(run, key, 1);
    expect(kv.get(run, key)).toBe(1);
    expect(kv.list(run)).toEqual([[key, 1]]);
  });

  // Primitives accept full 1024-byte names: the raw key limit leaves room for the namespace.
  it('accepts a key of exactly LIMITS.maxKeyBytes bytes (README limit)', () => {
    const key = 'k'.repeat(LIMITS.maxKeyBytes);
    kv.put(run, key, 1);
    expect(kv.get(run, key)).toBe(1);
  });
});

describe('KVStore list', () => {
  const keys = ['b', 'a/2', 'a/1', 'a', 'ab', 'c/x/y', 'A', '0'];

  beforeEach(() => {
    for (const [i, k] of keys.entries()) kv.put(run, k, i);
  });

  it('lists every key, sorted, with values', () => {
    const listed = kv.list(run);
    expect(listed.map(([k]) => k)).toEqual([...keys].sort());
    for (const [k, v] of listed) expect(v).toBe(keys.indexOf(k));
  });

  it('filters by prefix', () => {
    expect(kv.list(run, 'a/').map(([k]) => k)).toEqual(['a/1', 'a/2']);
    expect(kv.list(run, 'a').map(([k]) => k)).toEqual(['a', 'a/1', 'a/2', 'ab']);
    expect(kv.list(run, 'c/x/').map(([k]) => k)).toEqual(['c/x/y']);
    expect(kv.list(run, 'zzz')).toEqual([]);
    expect(kv.list(run, 'a/1/')).toEqual([]);
  });

  it('is case-sensitive', () => {
    expect(kv.list(run, 'A').map(([k]) => k)).toEqual(['A']);
  });

  it('does not show deleted keys', () => {
    kv.delete(run, 'a/1');
    expect(kv.list(run, 'a/').map(([k]) => k)).toEqual(['a/2']);
  });

  it("is isolated from the other primitives' keys in the same run", () => {
    new EventLog(t.db).append(run, 'evt', { x: 1 });
    new StateCell(t.db).set(run, 'cell', 1);
    new TraceStore(t.db).record(run, { type: 'thought', content: 'hm' }, { tags: ['a'] });
    // Raw keys outside the kv/ namespace, including ones that look like KV keys.
    t.db.transaction(run, (txn) => {
      txn.put('a', 'raw a');
      txn.put('kv', 'no slash');
      txn.put('kvz/a', 'other namespace');
    });
    expect(kv.list(run).map(([k]) => k)).toEqual([...keys].sort());
    expect(kv.get(run, 'a')).toBe(keys.indexOf('a'));
    // ...and the other primitives do not see KV keys.
    expect(new StateCell(t.db).list(run)).toEqual(['cell']);
    expect(new EventLog(t.db).len(run)).toBe(1);
    expect(new TraceStore(t.db).count(run)).toBe(1);
  });

  it('sees a raw key written under the documented kv/ namespace', () => {
    t.db.transaction(run, (txn) => txn.put('kv/raw', 'via A1'));
    expect(kv.get(run, 'raw')).toBe('via A1');
    expect(kv.list(run, 'raw')).toEqual([['raw', 'via A1']]);
  });

  it("is isolated from other runs' keys", () => {
    const other = newRunId();
    kv.put(other, 'a/3', 'other run');
    kv.put(other, 'zz', 'other run');
    expect(kv.list(run).map(([k]) => k)).toEqual([...keys].sort());
    expect(kv.list(other)).toEqual([
      ['a/3', 'other run'],
      ['zz', 'other run'],
    ]);
    expect(kv.list(newRunId())).toEqual([]);
  });

  it('rejects an invalid run id', () => {
    expect(() => kv.list('not-a-run' as RunId)).toThrow(InvalidKeyError);
  });
});

describe('KVStore getMany', () => {
  it('returns values in key order, undefined for missing keys, duplicates allowed', () => {
    kv.put(run, 'a', 1);
    kv.put(run, 'b', { two: 2 });
    expect(kv.getMany(run, ['b', 'missing', 'a', 'b'])).toEqual([
      { two: 2 },
      undefined,
      1,
      { two: 2 },
    ]);
    expect(kv.getMany(run, [])).toEqual([]);
  });

  it('writes nothing', () => {
    kv.put(run, 'a', 1);
    const v = t.db.version;
    kv.getMany(run, ['a', 'b']);
    expect(t.db.version).toBe(v);
  });

  it('reads every key from one snapshot even when a commit lands mid-read', () => {
    kv.put(run, 'a', 'a1');
    kv.put(run, 'b', 'b1');
    kv.put(run, 'c', 'c1');
    // A key list whose element reads commit a concurrent change part-way through getMany:
    // the first pass over the keys is validation, the second is the reads in the transaction.
    let reads = 0;
    let committed = false;
    const keys = new Proxy(['a', 'b', 'c'], {
      get(target, prop, receiver) {
        if (prop === '1') {
          reads++;
          if (reads === 2) {
            kv.put(run, 'b', 'b2');
            kv.put(run, 'c', 'c2');
            committed = true;
          }
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const got = kv.getMany(run, keys);
    expect(committed).toBe(true);
    expect(got).toEqual(['a1', 'b1', 'c1']);
    expect(kv.getMany(run, ['a', 'b', 'c'])).toEqual(['a1', 'b2', 'c2']);
  });

  it('validates every key before reading', () => {
    kv.put(run, 'a', 1);
    expect(() => kv.getMany(run, ['a', ''])).toThrow(InvalidKeyError);
  });
});

describe('KVStore transaction', () => {
  it('writes several keys atomically in one commit and returns the body result', () => {
    const v = t.db.version;
    const out = kv.transaction(run, (tx) => {
      tx.put('x', 1);
      tx.put('y', 2);
      tx.put('z', 3);
      return 'done';
    });
    expect(out).toBe('done');
    expect(t.db.version).toBe(v + 1);
    expect(kv.getMany(run, ['x', 'y', 'z'])).toEqual([1, 2, 3]);
  });

  it('sees its own writes and deletes, in get and list', () => {
    kv.put(run, 'p/1', 'old');
    kv.put(run, 'p/2', 'keep');
    kv.transaction(run, (tx) => {
      tx.put('p/1', 'new');
      tx.put('p/3', 'added');
      tx.delete('p/2');
      expect(tx.get('p/1')).toBe('new');
      expect(tx.get('p/2')).toBeUndefined();
      expect(tx.list('p/')).toEqual([
        ['p/1', 'new'],
        ['p/3', 'added'],
      ]);
      // Nothing is visible outside the transaction before it commits.
      expect(kv.get(run, 'p/1')).toBe('old');
      expect(kv.get(run, 'p/3')).toBeUndefined();
    });
    expect(kv.list(run)).toEqual([
      ['p/1', 'new'],
      ['p/3', 'added'],
    ]);
  });

  it('a throw inside writes nothing and rethrows the same error', () => {
    kv.put(run, 'x', 'before');
    const v = t.db.version;
    const boom = new Error('boom');
    const err = thrown(() =>
      kv.transaction(run, (tx) => {
        tx.put('x', 'after');
        tx.put('y', 'new');
        tx.delete('x');
        throw boom;
      }),
    );
    expect(err).toBe(boom);
    expect(t.db.version).toBe(v);
    expect(kv.get(run, 'x')).toBe('before');
    expect(kv.get(run, 'y')).toBeUndefined();
  });

  it('an invalid value part-way through writes none of the earlier puts', () => {
    const v = t.db.version;
    expect(() =>
      kv.transaction(run, (tx) => {
        tx.put('ok', 1);
        tx.put('bad', { fn: () => 1 });
      }),
    ).toThrow(InvalidValueError);
    expect(t.db.version).toBe(v);
    expect(kv.get(run, 'ok')).toBeUndefined();
  });

  it('an invalid key inside throws InvalidKeyError and writes nothing', () => {
    const v = t.db.version;
    expect(() =>
      kv.transaction(run, (tx) => {
        tx.put('ok', 1);
        tx.put('', 2);
      }),
    ).toThrow(InvalidKeyError);
    expect(() => kv.transaction(run, (tx) => tx.get(''))).toThrow(InvalidKeyError);
    expect(() => kv.transaction(run, (tx) => tx.delete(''))).toThrow(InvalidKeyError);
    expect(t.db.version).toBe(v);
    expect(kv.list(run)).toEqual([]);
  });

  it('conflicts (and writes nothing) when a key it read changed before it committed', () => {
    kv.put(run, 'counter', 1);
    const err = thrown(() =>
      kv.transaction(run, (tx) => {
        const n = tx.get('counter') as number;
        kv.put(run, 'counter', 10); // another writer commits first
        tx.put('counter', n + 1);
        tx.put('side', 'effect');
      }),
    );
    expect(err).toBeInstanceOf(ConflictError);
    expect(kv.get(run, 'counter')).toBe(10);
    expect(kv.get(run, 'side')).toBeUndefined();
  });

  it('a read-only transaction commits nothing', () => {
    kv.put(run, 'a', 1);
    const v = t.db.version;
    expect(kv.transaction(run, (tx) => tx.get('a'))).toBe(1);
    expect(t.db.version).toBe(v);
  });
});

describe('KVStore durability', () => {
  it('data survives close and reopen, deletes included', () => {
    const value = {
      big: 2n ** 63n - 1n,
      bytes: new Uint8Array([0, 255, 7]),
      nested: [{ a: null }, -0.5, 'ü'],
      ms: 1_700_000_000_123,
    };
    kv.put(run, 'v', value);
    kv.put(run, 'gone', 1);
    kv.transaction(run, (tx) => {
      tx.put('t/1', 'one');
      tx.put('t/2', 'two');
    });
    kv.delete(run, 'gone');
    const other = newRunId();
    kv.put(other, 'v', 'other');
    const before = t.db.version;

    reopen();
    expect(t.db.version).toBe(before);
    expect(kv.get(run, 'v')).toEqual(value);
    expect(kv.get(run, 'v')).toHaveProperty('big', 2n ** 63n - 1n);
    expect(kv.get(run, 'gone')).toBeUndefined();
    expect(kv.list(run)).toEqual([
      ['t/1', 'one'],
      ['t/2', 'two'],
      ['v', value],
    ]);
    expect(kv.get(other, 'v')).toBe('other');

    // And the reopened store keeps working.
    kv.put(run, 'after', true);
    expect(kv.delete(run, 't/1')).toBe(true);
    reopen();
    expect(kv.list(run).map(([k]) => k)).toEqual(['after', 't/2', 'v']);
  });

  it('a value with an own "__proto__" key survives reopen as data', () => {
    const value = JSON.parse('{"__proto__": {"x": 1}, "a": 2}') as unknown;
    kv.put(run, 'k', value);
    reopen();
    const got = kv.get(run, 'k') as Record<string, unknown>;
    expect(Object.keys(got)).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(got, '__proto__')?.value).toEqual({ x: 1 });
  });

  it('a key with a lone surrogate is refused up front (it could not survive the WAL)', () => {
    const v = t.db.version;
    expect(() => kv.put(run, 'lone\ud800', 1)).toThrow(InvalidKeyError);
    expect(t.db.version).toBe(v);
    // A well-formed astral character is fine and round-trips.
    kv.put(run, 'emoji 😀', 1);
    reopen();
    expect(kv.list(run)).toEqual([['emoji 😀', 1]]);
  });

  it('every operation throws ClosedError after close', () => {
    kv.put(run, 'a', 1);
    t.db.close();
    expect(() => kv.get(run, 'a')).toThrow(ClosedError);
    expect(() => kv.put(run, 'a', 2)).toThrow(ClosedError);
    expect(() => kv.delete(run, 'a')).toThrow(ClosedError);
    expect(() => kv.list(run)).toThrow(ClosedError);
    expect(() => kv.getMany(run, ['a'])).toThrow(ClosedError);
    expect(() => kv.transaction(run, (tx) => tx.get('a'))).toThrow(ClosedError);
    reopen();
    expect(kv.get(run, 'a')).toBe(1);
  });
});

describe('KVStore run isolation', () => {
  it('the same key in two runs holds two values', () => {
    const other = newRunId();
    kv.put(run, 'shared', 'mine');
    kv.put(other, 'shared', 'theirs');
    expect(kv.get(run, 'shared')).toBe('mine');
    expect(kv.get(other, 'shared')).toBe('theirs');
    expect(kv.delete(other, 'shared')).toBe(true);
    expect(kv.get(run, 'shared')).toBe('mine');
    expect(kv.get(other, 'shared')).toBeUndefined();
  });

  it('a transaction only touches its own run', () => {
    const other = newRunId();
    kv.put(other, 'k', 'untouched');
    kv.transaction(run, (tx) => {
      expect(tx.get('k')).toBeUndefined();
      tx.put('k', 'mine');
    });
    expect(kv.get(other, 'k')).toBe('untouched');
  });
});

describe('KVStore invalid input: typed errors, nothing written', () => {
  function expectNothingWritten(
    fn: () => unknown,
    errorClass: abstract new (...args: never[]) => Error,
  ) {
    kv.put(run, 'existing', 'value');
    const v = t.db.version;
    const commits = t.db.stats().commits;
    const err = thrown(fn);
    expect(err).toBeInstanceOf(errorClass);
    expect(t.db.version).toBe(v);
    expect(t.db.stats().commits).toBe(commits);
    expect(kv.list(run)).toEqual([['existing', 'value']]);
    return err;
  }

  const badKeys: Array<[string, unknown]> = [
    ['empty', ''],
    ['too long', 'k'.repeat(LIMITS.maxKeyBytes + 1)],
    ['too long in UTF-8 bytes', 'é'.repeat(LIMITS.maxKeyBytes / 2 + 1)],
    ['a number', 42],
    ['undefined', undefined],
    ['null', null],
  ];

  it.each(badKeys)('put with a key that is %s -> InvalidKeyError', (_label, key) => {
    const err = expectNothingWritten(() => kv.put(run, key as string, 1), InvalidKeyError);
    expect(err).toMatchObject({ code: 'INVALID_KEY' });
  });

  it.each(badKeys)('get / delete / getMany with a key that is %s -> InvalidKeyError', (_l, key) => {
    expectNothingWritten(() => kv.get(run, key as string), InvalidKeyError);
    expectNothingWritten(() => kv.delete(run, key as string), InvalidKeyError);
    expectNothingWritten(() => kv.getMany(run, [key as string]), InvalidKeyError);
  });

  class NotPlain {
    x = 1;
  }
  const sparse: unknown[] = [1];
  sparse[2] = 3;
  const cyclic: Record<string, unknown> = { a: 1 };
  cyclic.self = cyclic;
  const badValues: Array<[string, unknown, string]> = [
    ['undefined', undefined, 'value'],
    ['a function', () => 1, 'value'],
    ['a symbol', Symbol('s'), 'value'],
    ['NaN', Number.NaN, 'value'],
    ['Infinity', Number.POSITIVE_INFINITY, 'value'],
    ['a bigint above int64', 2n ** 63n, 'value'],
    ['a bigint below int64', -(2n ** 63n) - 1n, 'value'],
    ['a Date', new Date(0), 'value'],
    ['a Map', new Map(), 'value'],
    ['a class instance', new NotPlain(), 'value'],
    ['a nested function', { a: [1, { fn: () => 1 }] }, 'value.a[1].fn'],
    ['a nested undefined', { a: undefined }, 'value.a'],
    ['a sparse array', sparse, 'value[1]'],
    ['a cycle', cyclic, 'value.self'],
  ];

  it.each(badValues)('put of %s -> InvalidValueError naming the path', (_label, value, where) => {
    const err = expectNothingWritten(() => kv.put(run, 'k', value), InvalidValueError);
    expect(err).toMatchObject({ code: 'INVALID_VALUE', path: where });
  });

  it('overwriting with an invalid value keeps the old value', () => {
    expectNothingWritten(() => kv.put(run, 'existing', () => 0), InvalidValueError);
    expect(kv.get(run, 'existing')).toBe('value');
  });

  const badRuns: Array<[string, unknown]> = [
    ['empty', ''],
    ['not a UUID', 'run-1'],
    ['a UUID with junk', `${newRunId()}x`],
    ['a number', 7],
  ];

  it.each(badRuns)('a run id that is %s -> InvalidKeyError', (_label, badRun) => {
    const r = badRun as RunId;
    expectNothingWritten(() => kv.put(r, 'k', 1), InvalidKeyError);
    expectNothingWritten(() => kv.get(r, 'k'), InvalidKeyError);
    expectNothingWritten(() => kv.delete(r, 'k'), InvalidKeyError);
    expectNothingWritten(() => kv.list(r), InvalidKeyError);
    expectNothingWritten(() => kv.getMany(r, ['k']), InvalidKeyError);
    expectNothingWritten(() => kv.transaction(r, (tx) => tx.put('k', 1)), InvalidKeyError);
    expect(t.db.runIds()).toEqual([run]);
  });
});
