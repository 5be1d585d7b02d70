/**
 * DurabilityMode (docs/engine.md "Durability modes"): constructors, helpers, the default,
 * the JSON round trip, and refusal of every malformed parameter with an InvalidArgumentError
 * whose message names the offending field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DurabilityMode,
  InvalidArgumentError,
  type BufferedOptions,
} from '../../engine/src/index.ts';

/** Runs `fn`, expects it to throw, and returns what it threw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw, but it returned');
}

/** Expects an InvalidArgumentError whose message matches `field`. */
function expectRefused(fn: () => unknown, field: RegExp): void {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(InvalidArgumentError);
  expect((err as InvalidArgumentError).code).toBe('INVALID_ARGUMENT');
  expect((err as Error).message).toMatch(field);
}

const ALL_MODES: Array<[string, DurabilityMode]> = [
  ['inMemory', DurabilityMode.inMemory()],
  ['strict', DurabilityMode.strict()],
  ['bufferedDefault', DurabilityMode.bufferedDefault()],
  ['buffered 1/1', DurabilityMode.buffered({ flushIntervalMs: 1, maxPendingWrites: 1 })],
  [
    'buffered large',
    DurabilityMode.buffered({ flushIntervalMs: 3_600_000, maxPendingWrites: 1_000_000 }),
  ],
];

describe('DurabilityMode constructors', () => {
  it('inMemory() and strict() have just their kind', () => {
    expect(DurabilityMode.inMemory()).toEqual({ kind: 'inMemory' });
    expect(DurabilityMode.strict()).toEqual({ kind: 'strict' });
  });

  it('buffered() keeps both knobs', () => {
    expect(DurabilityMode.buffered({ flushIntervalMs: 7, maxPendingWrites: 42 })).toEqual({
      kind: 'buffered',
      flushIntervalMs: 7,
      maxPendingWrites: 42,
    });
  });

  it('bufferedDefault() is 100 ms / 1000 writes', () => {
    expect(DurabilityMode.bufferedDefault()).toEqual({
      kind: 'buffered',
      flushIntervalMs: 100,
      maxPendingWrites: 1000,
    });
  });

  it('the default is strict', () => {
    expect(DurabilityMode.default()).toEqual({ kind: 'strict' });
    expect(DurabilityMode.equals(DurabilityMode.default(), DurabilityMode.strict())).toBe(true);
  });

  it('modes are immutable values', () => {
    for (const [, mode] of ALL_MODES) expect(Object.isFrozen(mode)).toBe(true);
    const m = DurabilityMode.buffered({ flushIntervalMs: 5, maxPendingWrites: 6 });
    expect(() => {
      (m as { flushIntervalMs: number }).flushIntervalMs = 0;
    }).toThrow(TypeError);
    expect(DurabilityMode.flushInterval(m)).toBe(5);
  });

  it('buffered() copies its options: changing the object afterwards changes nothing', () => {
    const options: BufferedOptions = { flushIntervalMs: 10, maxPendingWrites: 20 };
    const m = DurabilityMode.buffered(options);
    options.flushIntervalMs = 99;
    expect(DurabilityMode.flushInterval(m)).toBe(10);
  });

  it('equals compares kinds and knobs', () => {
    const a = DurabilityMode.buffered({ flushIntervalMs: 10, maxPendingWrites: 20 });
    expect(
      DurabilityMode.equals(
        a,
        DurabilityMode.buffered({ flushIntervalMs: 10, maxPendingWrites: 20 }),
      ),
    ).toBe(true);
    expect(
      DurabilityMode.equals(
        a,
        DurabilityMode.buffered({ flushIntervalMs: 10, maxPendingWrites: 21 }),
      ),
    ).toBe(false);
    expect(DurabilityMode.equals(DurabilityMode.inMemory(), DurabilityMode.strict())).toBe(false);
  });
});

describe('DurabilityMode helpers', () => {
  const buffered = DurabilityMode.buffered({ flushIntervalMs: 25, maxPendingWrites: 300 });

  it('requiresWal: every mode but inMemory', () => {
    expect(DurabilityMode.requiresWal(DurabilityMode.inMemory())).toBe(false);
    expect(DurabilityMode.requiresWal(buffered)).toBe(true);
    expect(DurabilityMode.requiresWal(DurabilityMode.bufferedDefault())).toBe(true);
    expect(DurabilityMode.requiresWal(DurabilityMode.strict())).toBe(true);
  });

  it('requiresImmediateFsync: only strict', () => {
    expect(DurabilityMode.requiresImmediateFsync(DurabilityMode.inMemory())).toBe(false);
    expect(DurabilityMode.requiresImmediateFsync(buffered)).toBe(false);
    expect(DurabilityMode.requiresImmediateFsync(DurabilityMode.strict())).toBe(true);
  });

  it('flushInterval and maxPendingWrites: the knobs of buffered, undefined otherwise', () => {
    expect(DurabilityMode.flushInterval(buffered)).toBe(25);
    expect(DurabilityMode.maxPendingWrites(buffered)).toBe(300);
    expect(DurabilityMode.flushInterval(DurabilityMode.bufferedDefault())).toBe(100);
    expect(DurabilityMode.maxPendingWrites(DurabilityMode.bufferedDefault())).toBe(1000);
    for (const m of [DurabilityMode.inMemory(), DurabilityMode.strict()]) {
      expect(DurabilityMode.flushInterval(m)).toBeUndefined();
      expect(DurabilityMode.maxPendingWrites(m)).toBeUndefined();
    }
  });

  it('describe gives a distinct one-line description per mode, with the buffered knobs', () => {
    const texts = [
      DurabilityMode.describe(DurabilityMode.inMemory()),
      DurabilityMode.describe(buffered),
      DurabilityMode.describe(DurabilityMode.strict()),
    ];
    for (const t of texts) {
      expect(t.length).toBeGreaterThan(0);
      expect(t).not.toContain('\n');
    }
    expect(new Set(texts).size).toBe(3);
    expect(texts[0]).toMatch(/memory/i);
    expect(texts[1]).toMatch(/buffered/i);
    expect(texts[1]).toContain('25');
    expect(texts[1]).toContain('300');
    expect(texts[2]).toMatch(/strict/i);
    expect(texts[2]).toMatch(/fsync/i);
  });
});

describe('DurabilityMode JSON round trip', () => {
  it.each(ALL_MODES)('%s survives JSON.stringify + fromJSON', (_name, mode) => {
    const text = JSON.stringify(mode);
    const back = DurabilityMode.fromJSON(JSON.parse(text) as unknown);
    expect(back).toEqual(mode);
    expect(DurabilityMode.equals(back, mode)).toBe(true);
    expect(JSON.stringify(back)).toBe(text);
    // The revived value works with the helpers like the original.
    expect(DurabilityMode.requiresWal(back)).toBe(DurabilityMode.requiresWal(mode));
    expect(DurabilityMode.flushInterval(back)).toBe(DurabilityMode.flushInterval(mode));
    expect(DurabilityMode.maxPendingWrites(back)).toBe(DurabilityMode.maxPendingWrites(mode));
  });

  it('the JSON is the plain tagged object', () => {
    expect(JSON.stringify(DurabilityMode.strict())).toBe('{"kind":"strict"}');
    expect(JSON.stringify(DurabilityMode.inMemory())).toBe('{"kind":"inMemory"}');
    expect(JSON.parse(JSON.stringify(DurabilityMode.bufferedDefault()))).toEqual({
      kind: 'buffered',
      flushIntervalMs: 100,
      maxPendingWrites: 1000,
    });
  });

  it('round-trips every valid buffered mode (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        (flushIntervalMs, maxPendingWrites) => {
          const m = DurabilityMode.buffered({ flushIntervalMs, maxPendingWrites });
          const back = DurabilityMode.fromJSON(JSON.parse(JSON.stringify(m)) as unknown);
          expect(back).toEqual({ kind: 'buffered', flushIntervalMs, maxPendingWrites });
        },
      ),
    );
  });
});

/** Parameter values that are not a positive integer, with a label. */
const BAD_VALUES: Array<[string, unknown]> = [
  ['zero', 0],
  ['negative zero', -0],
  ['negative', -1],
  ['large negative', -1_000_000],
  ['non-integer', 1.5],
  ['tiny fraction', 0.001],
  ['NaN', Number.NaN],
  ['Infinity', Number.POSITIVE_INFINITY],
  ['-Infinity', Number.NEGATIVE_INFINITY],
  ['beyond safe integers', 2 ** 53],
  ['numeric string', '100'],
  ['empty string', ''],
  ['boolean', true],
  ['null', null],
  ['missing (undefined)', undefined],
  ['object', { ms: 1 }],
  ['bigint', 100n],
];

describe('DurabilityMode refuses bad parameters', () => {
  describe.each(['flushIntervalMs', 'maxPendingWrites'] as const)('%s', (field) => {
    const other = field === 'flushIntervalMs' ? 'maxPendingWrites' : 'flushIntervalMs';

    it.each(BAD_VALUES)('refuses %s in buffered()', (_label, bad) => {
      const options = { [field]: bad, [other]: 10 } as unknown as BufferedOptions;
      expectRefused(() => DurabilityMode.buffered(options), new RegExp(field));
    });

    it.each(BAD_VALUES)('refuses %s in fromJSON()', (_label, bad) => {
      // JSON can't carry NaN, Infinity or bigint, but a config object built in code can.
      const value = { kind: 'buffered', [field]: bad, [other]: 10 };
      expectRefused(() => DurabilityMode.fromJSON(value), new RegExp(field));
    });

    it('refuses the field missing altogether', () => {
      const options = { [other]: 10 } as unknown as BufferedOptions;
      expectRefused(() => DurabilityMode.buffered(options), new RegExp(field));
      expectRefused(
        () => DurabilityMode.fromJSON({ kind: 'buffered', [other]: 10 }),
        new RegExp(field),
      );
      expectRefused(
        () => DurabilityMode.fromJSON(JSON.parse(`{"kind":"buffered","${other}":10}`) as unknown),
        new RegExp(field),
      );
    });

    it('refuses any non-positive-integer number (property)', () => {
      const badNumber = fc.oneof(
        fc.integer({ max: 0 }),
        fc.double({ noNaN: false }).filter((x) => !(Number.isSafeInteger(x) && x > 0)),
      );
      fc.assert(
        fc.property(badNumber, (bad) => {
          const options = { [field]: bad, [other]: 10 } as unknown as BufferedOptions;
          expectRefused(() => DurabilityMode.buffered(options), new RegExp(field));
        }),
      );
    });
  });

  it('names the value it refused', () => {
    expectRefused(
      () => DurabilityMode.buffered({ flushIntervalMs: -5, maxPendingWrites: 10 }),
      /flushIntervalMs.*-5/,
    );
    expectRefused(
      () => DurabilityMode.buffered({ flushIntervalMs: 5, maxPendingWrites: 2.5 }),
      /maxPendingWrites.*2\.5/,
    );
    expectRefused(
      () => DurabilityMode.buffered({ flushIntervalMs: Number.NaN, maxPendingWrites: 10 }),
      /flushIntervalMs.*NaN/,
    );
  });

  it('refuses buffered() without an options object', () => {
    for (const bad of [undefined, null, 5, 'buffered']) {
      expectRefused(
        () => DurabilityMode.buffered(bad as unknown as BufferedOptions),
        /flushIntervalMs/,
      );
    }
  });

  it('refuses an unknown kind, naming the kind', () => {
    for (const kind of ['Strict', 'async', 'memory', '', 'buffered ', 42, null]) {
      expectRefused(() => DurabilityMode.fromJSON({ kind }), /kind/);
    }
    expectRefused(
      () => DurabilityMode.fromJSON(JSON.parse('{"kind":"turbo"}') as unknown),
      /turbo/,
    );
  });

  it('refuses values that are not a mode object at all', () => {
    for (const bad of [null, undefined, 'strict', 3, [], {}, { flushIntervalMs: 1 }, true]) {
      expectRefused(() => DurabilityMode.fromJSON(bad), /kind/);
    }
  });
});

describe('DurabilityMode refusal never fails while describing the bad value', () => {
  it('a bigint kind or a cyclic object still gives InvalidArgumentError', () => {
    expectRefused(() => DurabilityMode.fromJSON({ kind: 5n }), /kind.*5n/);
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic.self = cyclic;
    expectRefused(() => DurabilityMode.fromJSON(cyclic), /kind/);
    const cyclicKind: Record<string, unknown> = {};
    cyclicKind.self = cyclicKind;
    expectRefused(() => DurabilityMode.fromJSON({ kind: cyclicKind }), /kind/);
    expectRefused(
      () =>
        DurabilityMode.buffered({
          flushIntervalMs: 7n,
          maxPendingWrites: 1,
        } as unknown as BufferedOptions),
      /flushIntervalMs.*7n/,
    );
  });
});
