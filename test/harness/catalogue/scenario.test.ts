import { describe, expect, it } from 'vitest';
import {
  ACCESS_PATTERNS,
  KEY_MASK,
  KEY_SEQUENCE_LENGTH,
  LAYERS,
  PREFIX_LAYERS,
  allOf,
  expectEqual,
  keyName,
  keyNames,
  keySequence,
} from '../../../harness/catalogue/scenario.ts';
import { Prng, SEED } from '../../../harness/support/prng.ts';

describe('the naming guide', () => {
  it('maps every prefix to one of the layers', () => {
    expect(LAYERS).toEqual(['A0', 'A1', 'B', 'other']);
    for (const layer of Object.values(PREFIX_LAYERS)) expect(LAYERS).toContain(layer);
    expect(PREFIX_LAYERS).toMatchObject({ core: 'A0', engine: 'A1', kvstore: 'B', wal: 'other' });
    expect(ACCESS_PATTERNS).toEqual(['hot_key', 'uniform', 'working_set_100', 'miss', 'rotating']);
  });
});

describe('key helpers', () => {
  it('a key sequence is a power of two long, so the op masks its index', () => {
    expect(KEY_SEQUENCE_LENGTH).toBe(65_536);
    expect(KEY_MASK).toBe(KEY_SEQUENCE_LENGTH - 1);
    expect(KEY_SEQUENCE_LENGTH & KEY_MASK).toBe(0);
  });

  it('names keys with eight zero-padded digits', () => {
    expect(keyName('key:', 0)).toBe('key:00000000');
    expect(keyName('key:', 42)).toBe('key:00000042');
    expect(keyName('absent:', 12_345_678)).toBe('absent:12345678');
    expect(keyNames('k', 3)).toEqual(['k00000000', 'k00000001', 'k00000002']);
    expect(keyNames('k', 0)).toEqual([]);
  });

  it('draws a sequence from the keyspace, the same for the same seed', () => {
    const a = keySequence(new Prng(SEED), 'key:', 100);
    const b = keySequence(new Prng(SEED), 'key:', 100);
    expect(a).toHaveLength(KEY_SEQUENCE_LENGTH);
    expect(a).toEqual(b);
    const names = new Set(keyNames('key:', 100));
    expect(a.every((k) => names.has(k))).toBe(true);
    // 65,536 draws over 100 keys reach all of them.
    expect(new Set(a).size).toBe(100);
    expect(keySequence(new Prng(SEED, 1), 'key:', 100)).not.toEqual(a);
  });

  it('a keyspace of one is a single hot key; the length can be chosen', () => {
    expect(new Set(keySequence(new Prng(SEED), 'hot:', 1))).toEqual(new Set(['hot:00000000']));
    const short = keySequence(new Prng(SEED), 'key:', 10, 40);
    expect(short).toHaveLength(40);
    // Drawn in order: the first draws match those of a full sequence.
    expect(short).toEqual(keySequence(new Prng(SEED), 'key:', 10).slice(0, 40));
  });

  it('refuses an empty keyspace (the generator has nothing to draw from)', () => {
    expect(() => keySequence(new Prng(SEED), 'key:', 0)).toThrow(RangeError);
  });
});

describe('proof helpers', () => {
  it('expectEqual says what was expected and what was found', () => {
    expect(expectEqual('engine commits', 5, 5)).toEqual({ ok: true });
    expect(expectEqual('engine commits', 4, 5)).toEqual({
      ok: false,
      reason: 'engine commits: expected 5, got 4',
    });
  });

  it('allOf is the first failed check, or ok', () => {
    const bad1 = expectEqual('a', 1, 2);
    const bad2 = expectEqual('b', 3, 4);
    expect(allOf()).toEqual({ ok: true });
    expect(allOf({ ok: true }, { ok: true })).toEqual({ ok: true });
    expect(allOf({ ok: true }, bad1, bad2)).toBe(bad1);
    expect(allOf(bad2, bad1)).toBe(bad2);
  });
});
