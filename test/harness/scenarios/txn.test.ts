import { describe, expect, it } from 'vitest';
import { scenarios } from '../../../harness/scenarios/txn.ts';
import { drive, jobsOf } from './drive.ts';

const N = 20;

/** What each proof checks first, as its failure names it. */
const COUNTED: Record<string, string> = {
  'txn/commit_single_put': 'engine commits',
  'txn/multi_put/10': 'engine commits',
  'txn/readN_write1/10': 'engine commits',
  'txn/conflict_abort': 'ConflictErrors caught',
};

describe('transaction scenarios', () => {
  it('are the explicit commit, ten writes, ten reads + a write, and the conflict path', () => {
    expect(scenarios.map((s) => s.name)).toEqual(Object.keys(COUNTED));
    expect(jobsOf(scenarios)).toHaveLength(4 * 3);
  });

  it.each(jobsOf(scenarios))('%s: N calls proved, N ± 1 refused', async (_label, s, mode) => {
    const d = await drive(s, mode, N);
    const what = COUNTED[s.name];
    expect(d.proof).toEqual({ ok: true });
    expect(d.over).toEqual({ ok: false, reason: `${what}: expected ${N + 1}, got ${N}` });
    expect(d.under).toEqual({ ok: false, reason: `${what}: expected ${N - 1}, got ${N}` });
    expect(d.opened).toBe(1);
  });
});
