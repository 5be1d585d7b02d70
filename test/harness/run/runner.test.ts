/**
 * The V8 seeds a comparison gives both processes of a pair (runner.ts `seedFlags`): the flags
 * are well-formed, and Node really honours them (same seed, same random stream). And the sweep
 * of job scratch folders a killed run left behind (`sweepStaleScratch`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { SCRATCH_PREFIX, seedFlags, sweepStaleScratch } from '../../../harness/run/runner.ts';
import { tempDirs } from '../helpers.ts';

const dirs = tempDirs('runner-');
afterAll(dirs.removeAll);

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

describe('sweepStaleScratch', () => {
  it('removes the job scratch folders of harness processes that are gone, and only those', async () => {
    const root = dirs.make();
    // A pid that existed and has exited.
    const dead = (
      await execa(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'])
    ).stdout;
    const names = {
      dead: `${SCRATCH_PREFIX}${dead}-aaaaaa`,
      self: `${SCRATCH_PREFIX}${process.pid}-bbbbbb`,
      alive: `${SCRATCH_PREFIX}${process.ppid}-cccccc`,
      // The old naming, without an owner: nobody can tell whether it is in use.
      unowned: `${SCRATCH_PREFIX}dddddd`,
      other: 'something-else-1-eeeeee',
    };
    for (const n of Object.values(names))
      fs.mkdirSync(path.join(root, n, 'work'), { recursive: true });
    expect(sweepStaleScratch(root)).toEqual([names.dead]);
    expect(fs.readdirSync(root).sort()).toEqual(
      [names.self, names.alive, names.unowned, names.other].sort(),
    );
    expect(sweepStaleScratch(path.join(root, 'missing'))).toEqual([]);
  });
});
