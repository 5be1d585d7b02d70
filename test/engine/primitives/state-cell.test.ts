import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AlreadyExistsError,
  ClosedError,
  ConflictError,
  InvalidArgumentError,
  InvalidKeyError,
  InvalidValueError,
  KVStore,
  LIMITS,
  NotFoundError,
  StateCell,
  newRunId,
  type RunId,
  type Value,
} from '../../../engine/src/index.ts';
import { TempDb, thrown } from './helpers.ts';

let t: TempDb;
let cells: StateCell;
let run: RunId;

beforeEach(() => {
  t = new TempDb('sc');
  cells = new StateCell(t.db);
  run = newRunId();
});

afterEach(() => {
  vi.restoreAllMocks();
  t.dispose();
});

function reopen(): void {
  cells = new StateCell(t.reopen());
}

/** Asserts `fn` throws `errorClass` and leaves the database version where it was. */
function expectRefused(
  fn: () => unknown,
  errorClass: abstract new (...args: never[]) => Error,
): unknown {
  const v = t.db.version;
  const err = thrown(fn);
  expect(err).toBeInstanceOf(errorClass);
  expect(t.db.version).toBe(v);
  return err;
}

describe('StateCell init / read / exists', () => {
  it('init creates a cell at version 1', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_000);
    expect(cells.init(run, 'c', { phase: 'start' })).toBe(1);
    expect(cells.read(run, 'c')).toEqual({
      value: { phase: 'start' },
      version: 1,
      updatedAt: 1_000,
    });
    expect(cells.exists(run, 'c')).toBe(true);
  });

  it('init a second time -> AlreadyExistsError, cell unchanged', () => {
    cells.init(run, 'c', 1);
    const before = cells.read(run, 'c');
    expectRefused(() => cells.init(run, 'c', 2), AlreadyExistsError);
    expect(cells.read(run, 'c')).toEqual(before);
  });

  it('init after set or after a later version still refuses', () => {
    cells.set(run, 'c', 1);
    cells.set(run, 'c', 2);
    expectRefused(() => cells.init(run, 'c', 3), AlreadyExistsError);
    expect(cells.read(run, 'c')?.version).toBe(2);
  });

  it('read of a missing cell is undefined; exists is false', () => {
    expect(cells.read(run, 'nope')).toBeUndefined();
    expect(cells.exists(run, 'nope')).toBe(false);
  });

  it('cells with the same name in two runs are independent', () => {
    const other = newRunId();
    cells.init(run, 'c', 'mine');
    expect(cells.exists(other, 'c')).toBe(false);
    cells.init(other, 'c', 'theirs');
    cells.set(other, 'c', 'theirs v2');
    expect(cells.read(run, 'c')).toMatchObject({ value: 'mine', version: 1 });
    expect(cells.read(other, 'c')).toMatchObject({ value: 'theirs v2', version: 2 });
  });

  it('holds every kind of Value', () => {
    const value = { big: -5n, bytes: new Uint8Array([1, 2]), list: [null, true, 1.5, 'x'] };
    cells.init(run, 'c', value);
    expect(cells.read(run, 'c')?.value).toEqual(value);
    cells.set(run, 'n', null);
    expect(cells.read(run, 'n')).toMatchObject({ value: null, version: 1 });
    expect(cells.exists(run, 'n')).toBe(true);
  });
});

describe('StateCell set', () => {
  it('increments the version on every write and stamps updatedAt', () => {
    const now = vi.spyOn(Date, 'now');
    now.mockReturnValue(10);
    cells.init(run, 'c', 'a');
    now.mockReturnValue(20);
    expect(cells.set(run, 'c', 'b')).toBe(2);
    now.mockReturnValue(30);
    expect(cells.set(run, 'c', 'c')).toBe(3);
    expect(cells.read(run, 'c')).toEqual({ value: 'c', version: 3, updatedAt: 30 });
  });

  it('creates a missing cell at version 1', () => {
    expect(cells.set(run, 'new', 42)).toBe(1);
    expect(cells.read(run, 'new')).toMatchObject({ value: 42, version: 1 });
  });

  it('setting the same value still bumps the version', () => {
    cells.init(run, 'c', 7);
    expect(cells.set(run, 'c', 7)).toBe(2);
  });
});

describe('StateCell cas', () => {
  it('writes when the version matches and returns the new version', () => {
    cells.init(run, 'c', 'v1');
    expect(cells.cas(run, 'c', 1, 'v2')).toBe(2);
    expect(cells.cas(run, 'c', 2, 'v3')).toBe(3);
    expect(cells.read(run, 'c')).toMatchObject({ value: 'v3', version: 3 });
  });

  it.each([[2], [3], [100]])(
    'ConflictError when expecting version %i of a cell at version 1',
    (expected) => {
      cells.init(run, 'c', 'v1');
      const err = expectRefused(() => cells.cas(run, 'c', expected, 'x'), ConflictError);
      expect(err).toMatchObject({ code: 'CONFLICT' });
      expect(cells.read(run, 'c')).toMatchObject({ value: 'v1', version: 1 });
    },
  );

  it('ConflictError for a stale version after another write', () => {
    cells.init(run, 'c', 'v1');
    cells.set(run, 'c', 'v2');
    expectRefused(() => cells.cas(run, 'c', 1, 'lost update'), ConflictError);
    expect(cells.read(run, 'c')).toMatchObject({ value: 'v2', version: 2 });
  });

  it('NotFoundError on a missing cell (and nothing is created)', () => {
    expectRefused(() => cells.cas(run, 'missing', 1, 'x'), NotFoundError);
    expect(cells.exists(run, 'missing')).toBe(false);
  });

  it('NotFoundError on a deleted cell', () => {
    cells.init(run, 'c', 1);
    cells.delete(run, 'c');
    expectRefused(() => cells.cas(run, 'c', 1, 'x'), NotFoundError);
  });

  it.each([[0], [-1], [1.5], [Number.NaN]])(
    'expectedVersion %s -> InvalidArgumentError',
    (expected) => {
      cells.init(run, 'c', 1);
      expectRefused(() => cells.cas(run, 'c', expected, 'x'), InvalidArgumentError);
      expect(cells.read(run, 'c')).toMatchObject({ value: 1, version: 1 });
    },
  );
});

describe('StateCell delete / list', () => {
  it('delete returns true for an existing cell, then false', () => {
    cells.init(run, 'c', 1);
    expect(cells.delete(run, 'c')).toBe(true);
    expect(cells.read(run, 'c')).toBeUndefined();
    expect(cells.exists(run, 'c')).toBe(false);
    const v = t.db.version;
    expect(cells.delete(run, 'c')).toBe(false);
    expect(t.db.version).toBe(v);
  });

  it('a deleted cell can be created again from version 1', () => {
    cells.init(run, 'c', 1);
    cells.set(run, 'c', 2);
    cells.delete(run, 'c');
    expect(cells.init(run, 'c', 'again')).toBe(1);
  });

  it("list returns the run's cell names, sorted, without other primitives' keys or runs", () => {
    for (const name of ['zeta', 'alpha', 'mid/1', 'mid', 'Beta']) cells.set(run, name, 0);
    new KVStore(t.db).put(run, 'kvkey', 1);
    t.db.transaction(run, (txn) => txn.put('raw', 1));
    cells.set(newRunId(), 'elsewhere', 1);
    expect(cells.list(run)).toEqual(['Beta', 'alpha', 'mid', 'mid/1', 'zeta']);
    cells.delete(run, 'mid');
    expect(cells.list(run)).toEqual(['Beta', 'alpha', 'mid/1', 'zeta']);
    expect(cells.list(newRunId())).toEqual([]);
  });
});

describe('StateCell transition', () => {
  it('applies the closure to the current value and version', () => {
    cells.init(run, 'counter', 5);
    const seen: Array<[Value, number]> = [];
    const res = cells.transition(run, 'counter', (cur, version) => {
      seen.push([cur, version]);
      return (cur as number) * 2;
    });
    expect(seen).toEqual([[5, 1]]);
    expect(res).toMatchObject({ value: 10, version: 2, attempts: 1 });
    expect(cells.read(run, 'counter')).toMatchObject({ value: 10, version: 2 });
    expect(res.updatedAt).toBe(cells.read(run, 'counter')?.updatedAt);
  });

  it('re-runs the closure after a conflicting concurrent write, on the new value', () => {
    cells.init(run, 'counter', 1);
    const calls: Array<[Value, number]> = [];
    const res = cells.transition(run, 'counter', (cur, version) => {
      calls.push([cur, version]);
      if (calls.length === 1) {
        // Impure on the first call only: another writer commits to the same cell meanwhile.
        cells.set(run, 'counter', 100);
      }
      return (cur as number) + 1;
    });
    expect(calls).toEqual([
      [1, 1],
      [100, 2],
    ]);
    expect(res.attempts).toBe(2);
    expect(res.value).toBe(101);
    expect(res.version).toBe(3);
    expect(cells.read(run, 'counter')).toMatchObject({ value: 101, version: 3 });
  });

  it('re-runs after a conflicting cas and a conflicting delete+recreate', () => {
    cells.init(run, 'c', 'a');
    let calls = 0;
    const res = cells.transition(run, 'c', (cur) => {
      calls++;
      if (calls === 1) cells.cas(run, 'c', 1, 'b');
      if (calls === 2) {
        cells.delete(run, 'c');
        cells.init(run, 'c', 'c');
      }
      return `${cur as string}+`;
    });
    expect(calls).toBe(3);
    expect(res).toMatchObject({ value: 'c+', version: 2, attempts: 3 });
  });

  it('a concurrent delete makes the retry throw NotFoundError', () => {
    cells.init(run, 'c', 1);
    let calls = 0;
    const err = thrown(() =>
      cells.transition(run, 'c', (cur) => {
        calls++;
        if (calls === 1) cells.delete(run, 'c');
        return cur;
      }),
    );
    expect(err).toBeInstanceOf(NotFoundError);
    expect(calls).toBe(1);
    expect(cells.exists(run, 'c')).toBe(false);
  });

  it('a concurrent write to a different cell or run does not cause a retry', () => {
    cells.init(run, 'c', 0);
    cells.init(run, 'other', 0);
    let calls = 0;
    const res = cells.transition(run, 'c', (cur) => {
      calls++;
      cells.set(run, 'other', calls);
      cells.set(newRunId(), 'c', calls);
      return (cur as number) + 1;
    });
    expect(calls).toBe(1);
    expect(res).toMatchObject({ value: 1, version: 2, attempts: 1 });
  });

  it('gives up with ConflictError after maxAttempts when every attempt conflicts', () => {
    cells.init(run, 'c', 0);
    let calls = 0;
    const err = thrown(() =>
      cells.transition(
        run,
        'c',
        (cur) => {
          calls++;
          cells.set(run, 'c', -calls); // every attempt is overtaken
          return (cur as number) + 1000;
        },
        { maxAttempts: 4 },
      ),
    );
    expect(err).toBeInstanceOf(ConflictError);
    expect(calls).toBe(4);
    // None of the transition's writes landed: the cell holds the last concurrent write.
    expect(cells.read(run, 'c')).toMatchObject({ value: -4, version: 5 });
  });

  it('the default maxAttempts is 100', () => {
    cells.init(run, 'c', 0);
    let calls = 0;
    expect(() =>
      cells.transition(run, 'c', () => {
        calls++;
        cells.set(run, 'c', calls);
        return 0;
      }),
    ).toThrow(ConflictError);
    expect(calls).toBe(100);
  });

  it('maxAttempts 1 makes no retry', () => {
    cells.init(run, 'c', 0);
    let calls = 0;
    expect(() =>
      cells.transition(
        run,
        'c',
        () => {
          calls++;
          cells.set(run, 'c', 9);
          return 1;
        },
        { maxAttempts: 1 },
      ),
    ).toThrow(ConflictError);
    expect(calls).toBe(1);
  });

  it('succeeds on the last allowed attempt', () => {
    cells.init(run, 'c', 0);
    let calls = 0;
    const res = cells.transition(
      run,
      'c',
      (cur) => {
        calls++;
        if (calls < 3) cells.set(run, 'c', calls * 10);
        return (cur as number) + 1;
      },
      { maxAttempts: 3 },
    );
    expect(res).toMatchObject({ value: 21, attempts: 3, version: 4 });
  });

  it('NotFoundError on a missing cell; the closure never runs and nothing is written', () => {
    let calls = 0;
    expectRefused(
      () =>
        cells.transition(run, 'missing', () => {
          calls++;
          return 1;
        }),
      NotFoundError,
    );
    expect(calls).toBe(0);
    expect(cells.exists(run, 'missing')).toBe(false);
  });

  it('an error thrown by the closure propagates without retry or write', () => {
    cells.init(run, 'c', 1);
    const boom = new Error('boom');
    let calls = 0;
    const err = expectRefused(
      () =>
        cells.transition(run, 'c', () => {
          calls++;
          throw boom;
        }),
      Error,
    );
    expect(err).toBe(boom);
    expect(calls).toBe(1);
    expect(cells.read(run, 'c')).toMatchObject({ value: 1, version: 1 });
  });

  it('an invalid result -> InvalidValueError, no retry, nothing written', () => {
    cells.init(run, 'c', 1);
    let calls = 0;
    expectRefused(
      () =>
        cells.transition(run, 'c', () => {
          calls++;
          return () => 1;
        }),
      InvalidValueError,
    );
    expect(calls).toBe(1);
    expect(cells.read(run, 'c')).toMatchObject({ value: 1, version: 1 });
  });

  it.each([[0], [-1], [1.5]])('maxAttempts %s -> InvalidArgumentError', (maxAttempts) => {
    cells.init(run, 'c', 1);
    expectRefused(() => cells.transition(run, 'c', () => 2, { maxAttempts }), InvalidArgumentError);
  });

  it('leaves no transaction open (a later close works and data is intact)', () => {
    cells.init(run, 'c', 0);
    let calls = 0;
    cells.transition(run, 'c', (cur) => {
      calls++;
      if (calls === 1) cells.set(run, 'c', 5);
      return (cur as number) + 1;
    });
    expect(() => cells.transition(run, 'missing', () => 0)).toThrow(NotFoundError);
    expect(t.db.store.pinnedCount).toBe(0);
    reopen();
    expect(cells.read(run, 'c')).toMatchObject({ value: 6, version: 3 });
  });
});

describe('StateCell name limits', () => {
  it('accepts a long cell name well inside the limit', () => {
    const name = 'n'.repeat(1000);
    expect(cells.init(run, name, 1)).toBe(1);
    expect(cells.list(run)).toEqual([name]);
  });

  // Primitives accept full 1024-byte names: the raw key limit leaves room for the namespace.
  it('accepts a cell name of exactly LIMITS.maxKeyBytes bytes', () => {
    const name = 'n'.repeat(LIMITS.maxKeyBytes);
    expect(cells.init(run, name, 1)).toBe(1);
  });
});

describe('StateCell invalid input: typed error, nothing written', () => {
  const badNames: Array<[string, unknown]> = [
    ['empty', ''],
    ['not a string', 3],
    ['too long', 'n'.repeat(2000)],
  ];

  it.each(badNames)('a cell name that is %s -> InvalidKeyError everywhere', (_label, name) => {
    const n = name as string;
    expectRefused(() => cells.init(run, n, 1), InvalidKeyError);
    expectRefused(() => cells.set(run, n, 1), InvalidKeyError);
    expectRefused(() => cells.cas(run, n, 1, 1), InvalidKeyError);
    expectRefused(() => cells.read(run, n), InvalidKeyError);
    expectRefused(() => cells.exists(run, n), InvalidKeyError);
    expectRefused(() => cells.delete(run, n), InvalidKeyError);
    expectRefused(() => cells.transition(run, n, () => 1), InvalidKeyError);
  });

  it('a bad run id -> InvalidKeyError everywhere', () => {
    const bad = 'run-1' as RunId;
    expectRefused(() => cells.init(bad, 'c', 1), InvalidKeyError);
    expectRefused(() => cells.set(bad, 'c', 1), InvalidKeyError);
    expectRefused(() => cells.read(bad, 'c'), InvalidKeyError);
    expectRefused(() => cells.list(bad), InvalidKeyError);
    expectRefused(() => cells.transition(bad, 'c', () => 1), InvalidKeyError);
  });

  it.each([
    ['a function', () => 1],
    ['undefined', undefined],
    ['a Date', new Date()],
    ['Infinity', Number.POSITIVE_INFINITY],
  ])('a value that is %s -> InvalidValueError', (_label, value) => {
    cells.init(run, 'c', 'ok');
    expectRefused(() => cells.init(run, 'd', value), InvalidValueError);
    expectRefused(() => cells.set(run, 'c', value), InvalidValueError);
    expectRefused(() => cells.cas(run, 'c', 1, value), InvalidValueError);
    expect(cells.read(run, 'c')).toMatchObject({ value: 'ok', version: 1 });
    expect(cells.exists(run, 'd')).toBe(false);
  });

  it('throws ClosedError after close', () => {
    cells.init(run, 'c', 1);
    t.db.close();
    expect(() => cells.read(run, 'c')).toThrow(ClosedError);
    expect(() => cells.set(run, 'c', 2)).toThrow(ClosedError);
    expect(() => cells.transition(run, 'c', () => 3)).toThrow(ClosedError);
  });
});

describe('StateCell durability', () => {
  it('values and versions survive close and reopen', () => {
    cells.init(run, 'a', { n: 1n });
    cells.set(run, 'a', { n: 2n });
    cells.init(run, 'b', new Uint8Array([3]));
    cells.init(run, 'gone', 0);
    cells.delete(run, 'gone');
    const a = cells.read(run, 'a');
    reopen();
    expect(cells.read(run, 'a')).toEqual(a);
    expect(cells.read(run, 'b')).toMatchObject({ value: new Uint8Array([3]), version: 1 });
    expect(cells.list(run)).toEqual(['a', 'b']);
    expect(cells.cas(run, 'a', 2, { n: 3n })).toBe(3);
    expect(cells.transition(run, 'b', () => 'next')).toMatchObject({ version: 2, attempts: 1 });
  });
});
