/**
 * The V8 seeds a comparison gives both processes of a pair (runner.ts `seedFlags`): the flags
 * are well-formed, and Node really honours them (same seed, same random stream).
 */
import { describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { seedFlags } from '../../../harness/run/runner.ts';

describe('seedFlags', () => {
  it('fixes both the hash and the random seed, or nothing', () => {
    expect(seedFlags(12345)).toEqual(['--hash-seed=12345', '--random-seed=12345']);
    expect(seedFlags(undefined)).toEqual([]);
  });

  it('refuses seeds V8 would treat as "random" or reject', () => {
    for (const bad of [0, -1, 1.5, 2 ** 31, Number.NaN]) {
      expect(() => seedFlags(bad)).toThrow(RangeError);
    }
  });

  it('two processes with the same seed draw the same Math.random stream; another seed differs', async () => {
    const draw = async (seed: number) =>
      (
        await execa(process.execPath, [
          ...seedFlags(seed),
          '-e',
          'console.log([Math.random(), Math.random()].join(","))',
        ])
      ).stdout;
    const [a, b, c] = await Promise.all([draw(777), draw(777), draw(778)]);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });
});
