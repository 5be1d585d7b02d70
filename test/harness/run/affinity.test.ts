import { describe, expect, it } from 'vitest';
import { allowedCpus, findTaskset, measuringLanes, pinned } from '../../../harness/run/affinity.ts';

describe('allowedCpus', () => {
  it('reads ranges and lists from a status text', () => {
    expect(allowedCpus('Name:\tnode\nCpus_allowed_list:\t0-3,6\n')).toEqual([0, 1, 2, 3, 6]);
    expect(allowedCpus('Cpus_allowed_list:\t1\n')).toEqual([1]);
  });

  it('is null when the line is missing or malformed', () => {
    expect(allowedCpus('Name:\tnode\n')).toBeNull();
    expect(allowedCpus('Cpus_allowed_list:\t0-x\n')).toBeNull();
  });
});

describe('pinned', () => {
  it('wraps the command in taskset on the slot-th allowed CPU, or leaves it alone', () => {
    const cpus = allowedCpus();
    const p0 = pinned('/usr/bin/node', ['a.mjs'], 0);
    const p1 = pinned('/usr/bin/node', ['a.mjs'], 1);
    if (findTaskset() === null || cpus === null) {
      expect(p0).toEqual({ file: '/usr/bin/node', args: ['a.mjs'], cpu: null });
      expect(measuringLanes()).toBe(1);
      return;
    }
    expect(p0.file).toBe(findTaskset());
    expect(p0.args).toEqual(['-c', String(cpus[0]), '/usr/bin/node', 'a.mjs']);
    expect(p1.cpu).toBe(cpus[1 % cpus.length]);
    // Slots wrap around the allowed CPUs.
    expect(pinned('/usr/bin/node', [], cpus.length).cpu).toBe(cpus[0]);
    expect(measuringLanes()).toBe(Math.min(4, cpus.length));
    expect(measuringLanes(1)).toBe(1);
  });
});
