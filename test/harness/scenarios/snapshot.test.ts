import { describe, expect, it } from 'vitest';
import { scenarios } from '../../../harness/scenarios/snapshot.ts';
import { drive, jobsOf } from './drive.ts';

const N = 20;

describe('snapshot scenarios (writes under an open reader)', () => {
  it('are hot-key puts with a long reader and without one, in every mode', () => {
    expect(scenarios.map((s) => s.name)).toEqual([
      'snapshot/long_reader/put/hot_key',
      'snapshot/no_reader/put/hot_key',
    ]);
    expect(jobsOf(scenarios)).toHaveLength(2 * 3);
  });

  it.each(jobsOf(scenarios))('%s: N calls proved, N ± 1 refused', async (_label, s, mode) => {
    const d = await drive(s, mode, N);
    expect(d.proof).toEqual({ ok: true });
    expect(d.over).toEqual({ ok: false, reason: `engine commits: expected ${N + 1}, got ${N}` });
    expect(d.under).toEqual({ ok: false, reason: `engine commits: expected ${N - 1}, got ${N}` });
    expect(d.labels).toEqual({ api: 'db.put' });
    expect(d.opened).toBe(1);
  });
});
