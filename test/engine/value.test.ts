/**
 * Admission of values, keys and run ids: what the engine stores, what it refuses, and that a
 * refusal writes nothing (no commit, no version bump, no WAL bytes).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Database,
  InvalidKeyError,
  InvalidValueError,
  LIMITS,
  newRunId,
  valuesEqual,
  type RunId,
  type Value,
} from '../../engine/src/index.ts';
import { WAL_FILE } from '../../engine/src/wal.ts';

let dir: string;
let db: Database;
let run: RunId;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inmem-value-'));
  db = Database.open(dir);
  run = newRunId();
});

afterEach(() => {
  db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function put(key: unknown, value: unknown): void {
  putIn(run, key, value);
}

function putIn(runId: unknown, key: unknown, value: unknown): void {
  db.transaction(runId as RunId, (txn) => txn.put(key as string, value));
}

function reopen(): void {
  db.close();
  db = Database.open(dir);
}

interface WriteState {
  commits: number;
  version: number;
  walBytes: number;
  fileBytes: number;
  aborts: number;
}

function writeState(): WriteState {
  const s = db.stats();
  return {
    commits: s.commits,
    version: db.version,
    walBytes: s.walBytes,
    fileBytes: fs.statSync(path.join(dir, WAL_FILE)).size,
    aborts: s.aborts,
  };
}

/** Runs `fn`, expects it to throw `type`, and checks that nothing was written. */
function expectRefused<E extends Error>(
  fn: () => void,
  type: abstract new (...args: never[]) => E,
): E {
  const before = writeState();
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(type);
  const after = writeState();
  expect(after.commits).toBe(before.commits);
  expect(after.version).toBe(before.version);
  expect(after.walBytes).toBe(before.walBytes);
  expect(after.fileBytes).toBe(before.fileBytes);
  return caught as E;
}

function expectInvalidValue(value: unknown, expectedPath: string): InvalidValueError {
  const err = expectRefused(() => put('k', value), InvalidValueError);
  expect(err.code).toBe('INVALID_VALUE');
  expect(err.path).toBe(expectedPath);
  expect(err.message).toContain(expectedPath);
  expect(db.get(run, 'k')).toBeUndefined();
  return err;
}

function nestedArrays(levels: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}

function nestedObjects(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { n: v };
  return v;
}

function expectDeepFrozen(v: Value | undefined): void {
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return;
  expect(Object.isFrozen(v)).toBe(true);
  for (const child of Object.values(v)) expectDeepFrozen(child as Value);
}

/** Checks that every Uint8Array inside `v` is a plain Uint8Array, not a Buffer or subclass. */
function expectPlainBytes(v: Value | undefined): void {
  if (v instanceof Uint8Array) {
    expect(Object.getPrototypeOf(v)).toBe(Uint8Array.prototype);
    expect(Buffer.isBuffer(v)).toBe(false);
    return;
  }
  if (v === null || typeof v !== 'object') return;
  for (const child of Object.values(v)) expectPlainBytes(child as Value);
}

const nullProto = Object.assign(Object.create(null) as Record<string, unknown>, {
  a: 1,
  b: 'two',
});

const ROUND_TRIPS: Array<[string, unknown, Value]> = [
  ['null', null, null],
  ['true', true, true],
  ['false', false, false],
  ['zero', 0, 0],
  ['negative zero (normalised to 0)', -0, 0],
  ['integer', 42, 42],
  ['negative float', -1.5, -1.5],
  ['large safe integer', Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ['integer above 2^53 (a float)', 2 ** 60, 2 ** 60],
  ['tiny float', Number.MIN_VALUE, Number.MIN_VALUE],
  ['max float', Number.MAX_VALUE, Number.MAX_VALUE],
  ['bigint 0n', 0n, 0n],
  ['bigint small', 5n, 5n],
  ['bigint negative', -7n, -7n],
  ['bigint int64 max', 2n ** 63n - 1n, 2n ** 63n - 1n],
  ['bigint int64 min', -(2n ** 63n), -(2n ** 63n)],
  ['empty string', '', ''],
  ['ascii string', 'hello', 'hello'],
  ['unicode string (astral + combining)', 'héllo 😀 e\u0301 \u4e2d', 'héllo 😀 e\u0301 \u4e2d'],
  ['string with NUL', 'a\u0000b', 'a\u0000b'],
  ['empty bytes', new Uint8Array(0), new Uint8Array(0)],
  ['bytes', new Uint8Array([0, 1, 254, 255]), new Uint8Array([0, 1, 254, 255])],
  ['Buffer bytes', Buffer.from([9, 8, 7]), new Uint8Array([9, 8, 7])],
  [
    'bytes view over a larger buffer',
    new Uint8Array(new Uint8Array([1, 2, 3, 4, 5]).buffer, 1, 3),
    new Uint8Array([2, 3, 4]),
  ],
  ['empty array', [], []],
  ['mixed array', [1, 'a', null, true, 3n], [1, 'a', null, true, 3n]],
  ['empty object', {}, {}],
  ['plain object', { a: 1, b: 'x', c: null }, { a: 1, b: 'x', c: null }],
  ['null-prototype object', nullProto, { a: 1, b: 'two' }],
  ['object with numeric-looking keys', { '1': 'one', '0': 'zero' }, { '0': 'zero', '1': 'one' }],
  [
    'nested mix',
    {
      list: [{ id: 1n, bytes: Buffer.from('abc') }, [[]], { deep: { deeper: [null, false] } }],
      meta: { n: -0.25, s: '' },
    },
    {
      list: [
        { id: 1n, bytes: new Uint8Array([97, 98, 99]) },
        [[]],
        { deep: { deeper: [null, false] } },
      ],
      meta: { n: -0.25, s: '' },
    },
  ],
];

describe('allowed values round-trip', () => {
  for (const [name, input, expected] of ROUND_TRIPS) {
    it(`${name}: in memory and after reopening`, () => {
      put('k', input);
      const got = db.get(run, 'k');
      expect(got).toEqual(expected);
      expect(valuesEqual(got as Value, expected)).toBe(true);
      expectPlainBytes(got);
      expectDeepFrozen(got);
      if (typeof expected === 'number') expect(Object.is(got, expected)).toBe(true);
      if (typeof expected === 'bigint') expect(typeof got).toBe('bigint');

      reopen();
      const recovered = db.get(run, 'k');
      expect(recovered).toEqual(expected);
      expect(valuesEqual(recovered as Value, expected)).toBe(true);
      expectPlainBytes(recovered);
      expectDeepFrozen(recovered);
      if (typeof expected === 'number') expect(Object.is(recovered, expected)).toBe(true);
      if (typeof expected === 'bigint') expect(typeof recovered).toBe('bigint');
    });
  }

  it('values shared by reference (not a cycle) are allowed', () => {
    const shared = { x: 1 };
    put('k', { a: shared, b: shared, list: [shared, shared] });
    expect(db.get(run, 'k')).toEqual({ a: { x: 1 }, b: { x: 1 }, list: [{ x: 1 }, { x: 1 }] });
  });

  it('a "__proto__" key stays an own data property, in memory and after reopening', () => {
    const input: unknown = JSON.parse('{"__proto__": {"polluted": true}, "x": 1}');
    put('k', input);
    for (let pass = 0; pass < 2; pass++) {
      const got = db.get(run, 'k') as Record<string, Value>;
      expect(Object.getPrototypeOf(got)).toBe(Object.prototype);
      expect(Object.keys(got).sort()).toEqual(['__proto__', 'x']);
      expect(Object.getOwnPropertyDescriptor(got, '__proto__')?.value).toEqual({ polluted: true });
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      reopen();
    }
  });

  it('a value at the nesting limit is allowed, one level deeper is not', () => {
    put('arrays', nestedArrays(LIMITS.maxDepth));
    put('objects', nestedObjects(LIMITS.maxDepth));
    reopen();
    expect(db.get(run, 'arrays')).toEqual(nestedArrays(LIMITS.maxDepth));
    expect(db.get(run, 'objects')).toEqual(nestedObjects(LIMITS.maxDepth));
    expectInvalidValue(nestedArrays(LIMITS.maxDepth + 1), 'value' + '[0]'.repeat(LIMITS.maxDepth));
    expectInvalidValue(nestedObjects(LIMITS.maxDepth + 1), 'value' + '.n'.repeat(LIMITS.maxDepth));
  });

  it('a string of exactly the size limit is allowed', () => {
    put('k', 'x'.repeat(LIMITS.maxValueSize));
    expect((db.get(run, 'k') as string).length).toBe(LIMITS.maxValueSize);
  });

  it('a transaction reads its own written value (frozen, plain bytes)', () => {
    const txn = db.begin(run);
    txn.put('k', { b: Buffer.from([1, 2]) });
    const own = txn.get('k');
    expect(own).toEqual({ b: new Uint8Array([1, 2]) });
    expectPlainBytes(own);
    expectDeepFrozen(own);
    txn.abort();
  });
});

describe('stored values are immutable copies', () => {
  it('mutating the input object after put changes nothing', () => {
    const input = { a: 1, nested: { list: [1, 2, 3] }, bytes: new Uint8Array([1, 2, 3]) };
    put('k', input);
    input.a = 99;
    input.nested.list.push(4);
    input.nested = { list: [] };
    input.bytes[0] = 200;
    expect(db.get(run, 'k')).toEqual({
      a: 1,
      nested: { list: [1, 2, 3] },
      bytes: new Uint8Array([1, 2, 3]),
    });
  });

  it('mutating the input inside an open transaction changes nothing', () => {
    const input = { list: [1], bytes: Buffer.from([5]) };
    const txn = db.begin(run);
    txn.put('k', input);
    input.list.push(2);
    input.bytes[0] = 6;
    expect(txn.get('k')).toEqual({ list: [1], bytes: new Uint8Array([5]) });
    txn.commit();
    expect(db.get(run, 'k')).toEqual({ list: [1], bytes: new Uint8Array([5]) });
  });

  it('mutating a Buffer or its underlying memory after put changes nothing', () => {
    const buf = Buffer.from([1, 2, 3, 4]);
    put('k', buf);
    buf.fill(0);
    expect(db.get(run, 'k')).toEqual(new Uint8Array([1, 2, 3, 4]));
  });

  it('values handed out are frozen and cannot be changed', () => {
    put('k', { a: [1, { b: 2 }] });
    const got = db.get(run, 'k') as { a: [number, { b: number }] };
    expectDeepFrozen(got);
    expect(() => {
      (got as { a: unknown }).a = 5;
    }).toThrow(TypeError);
    expect(() => {
      got.a[1].b = 3;
    }).toThrow(TypeError);
    expect(() => {
      got.a.push(1);
    }).toThrow(TypeError);
    expect(db.get(run, 'k')).toEqual({ a: [1, { b: 2 }] });
  });

  it('byte arrays handed out are copies: changing one does not change the stored bytes', () => {
    put('top', new Uint8Array([1, 2, 3]));
    put('buf', Buffer.from([4, 5, 6]));
    for (const key of ['top', 'buf']) {
      const first = db.get(run, key) as Uint8Array;
      const snapshot = Array.from(first);
      first[0] = 77;
      first.fill(77);
      expect(Array.from(db.get(run, key) as Uint8Array)).toEqual(snapshot);
    }
    const txn = db.begin(run);
    const inTxn = txn.get('top') as Uint8Array;
    inTxn[0] = 99;
    expect(txn.get('top')).toEqual(new Uint8Array([1, 2, 3]));
    txn.abort();
    reopen();
    const recovered = db.get(run, 'top') as Uint8Array;
    recovered[0] = 42;
    expect(db.get(run, 'top')).toEqual(new Uint8Array([1, 2, 3]));
  });
});

class Custom {
  x = 1;
}

describe('refused values name the offending path and write nothing', () => {
  beforeEach(() => {
    // Some committed data, so "unchanged" is checked against a non-empty WAL.
    put('existing', { ok: true });
  });

  it('functions', () => {
    expectInvalidValue(() => 1, 'value');
    expectInvalidValue({ a: { b: function named() {} } }, 'value.a.b');
    expectInvalidValue([1, 2, () => 3], 'value[2]');
  });

  it('symbols', () => {
    expectInvalidValue(Symbol('s'), 'value');
    expectInvalidValue([1, Symbol.iterator], 'value[1]');
    expectInvalidValue({ s: Symbol('x') }, 'value.s');
  });

  it('undefined, top-level and nested', () => {
    expectInvalidValue(undefined, 'value');
    expectInvalidValue({ a: undefined }, 'value.a');
    expectInvalidValue([undefined], 'value[0]');
    expectInvalidValue({ a: [1, { b: undefined }] }, 'value.a[1].b');
  });

  it('class instances', () => {
    const cases: Array<[unknown, string]> = [
      [new Date(0), 'Date'],
      [new Map([[1, 2]]), 'Map'],
      [new Set([1]), 'Set'],
      [new Custom(), 'Custom'],
      [/re/, 'RegExp'],
      [new Error('e'), 'Error'],
      [new Int16Array(2), 'Int16Array'],
      [new Uint8ClampedArray(2), 'Uint8ClampedArray'],
      [new ArrayBuffer(4), 'ArrayBuffer'],
      [new DataView(new ArrayBuffer(4)), 'DataView'],
      [Object(1) as unknown, 'Number'],
      [Object('s') as unknown, 'String'],
      [Promise.resolve(1), 'Promise'],
    ];
    for (const [value, name] of cases) {
      const err = expectInvalidValue(value, 'value');
      expect(err.message).toContain(name);
      expectInvalidValue({ nested: [value] }, 'value.nested[0]');
    }
    // An object whose prototype is another plain object is not plain either.
    expectInvalidValue(Object.create({ inherited: 1 }) as unknown, 'value');
  });

  it('cycles', () => {
    const obj: Record<string, unknown> = { a: {} };
    (obj['a'] as Record<string, unknown>)['self'] = obj;
    expectInvalidValue(obj, 'value.a.self');
    const arr: unknown[] = [1];
    arr.push(arr);
    expectInvalidValue(arr, 'value[1]');
    const inner: Record<string, unknown> = {};
    inner['loop'] = inner;
    expectInvalidValue({ list: [inner] }, 'value.list[0].loop');
  });

  it('NaN and infinities', () => {
    expectInvalidValue(NaN, 'value');
    expectInvalidValue(Infinity, 'value');
    expectInvalidValue(-Infinity, 'value');
    expectInvalidValue({ n: NaN }, 'value.n');
    expectInvalidValue([0, [Infinity]], 'value[1][0]');
  });

  it('sparse arrays', () => {
    // eslint-disable-next-line no-sparse-arrays
    expectInvalidValue([1, , 3], 'value[1]');
    expectInvalidValue(new Array(3), 'value[0]');
    const late = [1, 2];
    late[5] = 6;
    expectInvalidValue({ late }, 'value.late[2]');
  });

  it('symbol-keyed properties', () => {
    expectInvalidValue({ a: 1, [Symbol('hidden')]: 2 }, 'value');
    expectInvalidValue({ o: { [Symbol.for('x')]: 1 } }, 'value.o');
  });

  it('bigints outside the signed 64-bit range', () => {
    expectInvalidValue(2n ** 63n, 'value');
    expectInvalidValue(-(2n ** 63n) - 1n, 'value');
    expectInvalidValue({ big: 2n ** 64n }, 'value.big');
  });

  it('nesting deeper than LIMITS.maxDepth', () => {
    expectInvalidValue(nestedArrays(LIMITS.maxDepth + 5), 'value' + '[0]'.repeat(LIMITS.maxDepth));
    expectInvalidValue({ w: nestedObjects(LIMITS.maxDepth) }, 'value.w' + '.n'.repeat(63));
  });

  it('values larger than LIMITS.maxValueSize', () => {
    expectInvalidValue('x'.repeat(LIMITS.maxValueSize + 1), 'value');
    expectInvalidValue(new Uint8Array(LIMITS.maxValueSize + 1), 'value');
    const half = 'y'.repeat(LIMITS.maxValueSize / 2);
    const err = expectRefused(() => put('k', { a: half, b: half }), InvalidValueError);
    expect(err.path.startsWith('value')).toBe(true);
    // Many small scalars add up too (8 per scalar).
    const many = new Array<number>(LIMITS.maxValueSize / 8 + 1).fill(1);
    expectInvalidValue(many, 'value');
  });

  it('strings that are not well-formed UTF-16 (they cannot survive the UTF-8 WAL)', () => {
    expectInvalidValue('a\uD800b', 'value');
    expectInvalidValue({ s: 'x\uDC00' }, 'value.s');
    const err = expectRefused(() => put('k', { ['bad\uD83D']: 1 }), InvalidValueError);
    expect(err.path.startsWith('value')).toBe(true);
    // A proper surrogate pair is fine.
    put('k', '\uD83D\uDE00');
    reopen();
    expect(db.get(run, 'k')).toBe('😀');
  });

  it('a refused value aborts the whole transaction: its other writes are not committed', () => {
    const before = writeState();
    expect(() =>
      db.transaction(run, (txn) => {
        txn.put('a', 1);
        txn.put('b', { fn: () => 0 });
      }),
    ).toThrow(InvalidValueError);
    const after = writeState();
    expect(after.commits).toBe(before.commits);
    expect(after.version).toBe(before.version);
    expect(after.fileBytes).toBe(before.fileBytes);
    expect(after.aborts).toBe(before.aborts + 1);
    expect(db.get(run, 'a')).toBeUndefined();
    expect(db.get(run, 'existing')).toEqual({ ok: true });
  });

  it('a refused cas value writes nothing', () => {
    expectRefused(
      () => db.transaction(run, (txn) => txn.cas('k', 0, { d: new Date() })),
      InvalidValueError,
    );
    expect(db.get(run, 'k')).toBeUndefined();
  });

  it('in an open transaction, a refused put leaves the write set as it was', () => {
    const txn = db.begin(run);
    txn.put('k', 1);
    expect(() => txn.put('k', NaN)).toThrow(InvalidValueError);
    expect(() => txn.put('other', [undefined])).toThrow(InvalidValueError);
    expect(txn.get('k')).toBe(1);
    expect(txn.get('other')).toBeUndefined();
    txn.commit();
    expect(db.get(run, 'k')).toBe(1);
    expect(db.get(run, 'other')).toBeUndefined();
  });
});

describe('keys', () => {
  // The raw Database API; primitives' own names are limited to LIMITS.maxKeyBytes.
  const max = LIMITS.maxRawKeyBytes;

  it('keys up to LIMITS.maxRawKeyBytes UTF-8 bytes are accepted and round-trip', () => {
    const keys = [
      'a',
      'x'.repeat(max),
      'é'.repeat(max / 2), // 2 bytes each
      '😀'.repeat(max / 4), // 4 bytes (2 UTF-16 units) each
      '€'.repeat(Math.floor(max / 3)), // 3 bytes each
      'with space/and:colons\u0000nul',
    ];
    keys.forEach((k, i) => put(k, i));
    reopen();
    keys.forEach((k, i) => expect(db.get(run, k)).toBe(i));
  });

  it('empty, non-string and oversized keys are refused with InvalidKeyError', () => {
    put('existing', 1);
    const bad: unknown[] = [
      '',
      123,
      null,
      undefined,
      {},
      ['k'],
      Symbol('k'),
      'x'.repeat(max + 1),
      'é'.repeat(max / 2 + 1), // 1026 bytes in 513 units
      '😀'.repeat(max / 4 + 1), // 1028 bytes
      '€'.repeat(Math.floor(max / 3) + 1), // 1026 bytes in 342 units
      'a\uD800', // a lone surrogate is not valid UTF-8
      '\uDFFF',
    ];
    for (const key of bad) {
      const err = expectRefused(() => put(key, 1), InvalidKeyError);
      expect(err.code).toBe('INVALID_KEY');
      expectRefused(() => db.transaction(run, (txn) => txn.delete(key as string)), InvalidKeyError);
      expectRefused(
        () => db.transaction(run, (txn) => txn.cas(key as string, 0, 1)),
        InvalidKeyError,
      );
      expect(() => db.get(run, key as string)).toThrow(InvalidKeyError);
      expect(() => db.get(newRunId(), key as string)).toThrow(InvalidKeyError);
      expect(() => db.getVersion(run, key as string)).toThrow(InvalidKeyError);
      const txn = db.begin(run);
      expect(() => txn.get(key as string)).toThrow(InvalidKeyError);
      expect(() => txn.getVersion(key as string)).toThrow(InvalidKeyError);
      expect(() => txn.put(key as string, 1)).toThrow(InvalidKeyError);
      txn.commit();
      const snap = db.snapshot();
      expect(() => snap.get(run, key as string)).toThrow(InvalidKeyError);
      snap.release();
    }
    expect(db.list(run)).toEqual([['existing', 1]]);
  });
});

describe('run ids', () => {
  const badRunIds: unknown[] = [
    'not-a-uuid',
    '',
    123,
    null,
    undefined,
    '00000000-0000-0000-0000-00000000000', // one digit short
    '00000000-0000-0000-0000-0000000000000',
    'g0000000-0000-0000-0000-000000000000',
    ' 00000000-0000-0000-0000-000000000000',
  ];

  it('newRunId() produces valid, distinct run ids', () => {
    const a = newRunId();
    const b = newRunId();
    expect(a).not.toBe(b);
    putIn(a, 'k', 1);
    putIn(b, 'k', 2);
    expect(db.get(a, 'k')).toBe(1);
    expect(db.get(b, 'k')).toBe(2);
  });

  it('bad run ids are refused with InvalidKeyError and write nothing', () => {
    put('k', 1);
    for (const runId of badRunIds) {
      const err = expectRefused(() => putIn(runId, 'k', 1), InvalidKeyError);
      expect(err.code).toBe('INVALID_KEY');
      expect(() => db.begin(runId as RunId)).toThrow(InvalidKeyError);
      expect(() => db.get(runId as RunId, 'k')).toThrow(InvalidKeyError);
      expect(() => db.getVersion(runId as RunId, 'k')).toThrow(InvalidKeyError);
      expect(() => db.list(runId as RunId)).toThrow(InvalidKeyError);
      const snap = db.snapshot();
      expect(() => snap.get(runId as RunId, 'k')).toThrow(InvalidKeyError);
      expect(() => snap.list(runId as RunId)).toThrow(InvalidKeyError);
      snap.release();
    }
    expect(db.runIds()).toEqual([run]);
  });
});

describe('admission reads each container once', () => {
  /** Puts `value`, then checks the stored value and the one recovered by a reopen. */
  function expectStoredAfterReopen(value: unknown, expected: Value): void {
    put('k', value);
    const check = (v: Value | undefined): void => {
      expect(v).toEqual(expected);
      if (Array.isArray(v)) expect(Object.keys(v)).toHaveLength(v.length);
    };
    check(db.get(run, 'k'));
    db.close();
    db = Database.open(dir);
    check(db.get(run, 'k'));
  }

  it('an array a getter shrinks while it is read is refused, never stored sparse', () => {
    const arr: unknown[] = [1, 2, 3];
    Object.defineProperty(arr, 0, {
      get() {
        arr.length = 1;
        return 1;
      },
      enumerable: true,
      configurable: true,
    });
    const err = expectInvalidValue(arr, 'value[1]');
    expect(err.message).toContain('removed while the array was being read');
    db.close();
    db = Database.open(dir);
    expect(db.get(run, 'k')).toBeUndefined();
  });

  it('an array whose last getter shrinks it is stored as it was read, dense', () => {
    const arr: unknown[] = [1, 2, 3];
    Object.defineProperty(arr, 2, {
      get() {
        arr.length = 0;
        return 3;
      },
      enumerable: true,
      configurable: true,
    });
    expectStoredAfterReopen(arr, [1, 2, 3]);
  });

  it('an array a getter grows while it is read is copied at the length read first', () => {
    const arr: unknown[] = [1, 2];
    Object.defineProperty(arr, 0, {
      get() {
        arr.push(99, 100);
        return 1;
      },
      enumerable: true,
      configurable: true,
    });
    expectStoredAfterReopen({ list: arr }, { list: [1, 2] });
  });

  it('a key deleted by an earlier getter is refused; one deleted after it was read stays', () => {
    const later: Record<string, unknown> = { b: 2 };
    Object.defineProperty(later, 'a', {
      get() {
        delete later['b'];
        return 1;
      },
      enumerable: true,
      configurable: true,
    });
    // Object.keys order: 'b' was defined first, so it is read before 'a' deletes it.
    expectStoredAfterReopen(later, { b: 2, a: 1 });
    db.delete(run, 'k');

    const earlier: Record<string, unknown> = {};
    Object.defineProperty(earlier, 'a', {
      get() {
        delete earlier['b'];
        return 1;
      },
      enumerable: true,
      configurable: true,
    });
    earlier['b'] = 2;
    const err = expectInvalidValue({ x: earlier }, 'value.x.b');
    expect(err.message).toContain('deleted while the object was being read');
  });

  it('a getter that adds keys does not add them to the copy', () => {
    const obj: Record<string, unknown> = {};
    Object.defineProperty(obj, 'a', {
      get() {
        obj['late'] = 'x';
        return 1;
      },
      enumerable: true,
      configurable: true,
    });
    expectStoredAfterReopen(obj, { a: 1 });
  });

  it('a throwing getter or proxy trap is an InvalidValueError naming where, with the cause', () => {
    const boom = new Error('boom');
    const thrower = (): never => {
      throw boom;
    };
    const cases: Array<[unknown, string]> = [
      [new Proxy({ a: 1 }, { ownKeys: thrower }), 'value'],
      [{ nested: new Proxy({ a: 1 }, { get: thrower }) }, 'value.nested.a'],
      // Its length is the first thing read.
      [[0, new Proxy([1], { get: thrower })], 'value[1]'],
      [new Proxy({ a: 1 }, { getPrototypeOf: thrower }), 'value'],
      [Object.defineProperty({}, 'g', { get: thrower, enumerable: true }) as unknown, 'value.g'],
    ];
    for (const [value, where] of cases) {
      const err = expectInvalidValue(value, where);
      expect(err.message).toContain('a getter or proxy trap threw (boom)');
      expect(err.cause).toBe(boom);
    }
    const { proxy, revoke } = Proxy.revocable({ a: 1 }, {});
    revoke();
    expect(expectInvalidValue([proxy], 'value[0]').cause).toBeInstanceOf(TypeError);
  });

  it('the prototype is read once', () => {
    let reads = 0;
    const p = new Proxy(
      { a: 1 },
      {
        getPrototypeOf() {
          reads++;
          return Object.prototype;
        },
      },
    );
    expectStoredAfterReopen(p, { a: 1 });
    expect(reads).toBe(1);
  });
});
