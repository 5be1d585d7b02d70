import { describe, expect, it } from 'vitest';
import { Prng, SEED } from '../../../harness/support/prng.ts';
import { KEY_SEQUENCE_LENGTH, keySequence } from '../../../harness/catalogue/scenario.ts';

describe('the seeded generator', () => {
  it('uses the upstream seed', () => {
    expect(SEED).toBe(0xdeadbeef_cafebaben);
  });

  it('is deterministic for a seed and stream, and streams differ', () => {
    const draw = (p: Prng): number[] => Array.from({ length: 8 }, () => p.nextU32());
    expect(draw(new Prng())).toEqual(draw(new Prng()));
    expect(draw(new Prng(SEED, 1))).not.toEqual(draw(new Prng(SEED, 0)));
  });

  it('draws uint32s and integers in range, covering the range', () => {
    const p = new Prng();
    const seen = new Set<number>();
    for (let k = 0; k < 10_000; k++) {
      const u = p.nextU32();
      expect(Number.isInteger(u) && u >= 0 && u < 2 ** 32).toBe(true);
      const n = p.nextInt(10);
      expect(n >= 0 && n < 10).toBe(true);
      seen.add(n);
    }
    expect(seen.size).toBe(10);
    expect(() => p.nextInt(0)).toThrow(RangeError);
  });

  it('gives the same key sequences on every run', () => {
    const a = keySequence(new Prng(), 'key:', 100);
    const b = keySequence(new Prng(), 'key:', 100);
    expect(a).toEqual(b);
    expect(a).toHaveLength(KEY_SEQUENCE_LENGTH);
    expect(new Set(a).size).toBe(100);
    expect(new Set(keySequence(new Prng(), 'key:', 1))).toEqual(new Set(['key:00000000']));
  });
});
