import { describe, expect, it } from 'vitest';
import { scenarios } from '../../../harness/scenarios/core.ts';
import { drive, jobsOf } from './drive.ts';

const N = 20;

describe('core scenarios (the A0 Map floor)', () => {
  it('are map_set and map_get', () => {
    expect(scenarios.map((s) => s.name)).toEqual(['core/map_set', 'core/map_get']);
    expect(jobsOf(scenarios).map(([label]) => label)).toEqual(['core/map_set', 'core/map_get']);
  });

  it('map_set: the proof counts the calls exactly and finds the last call’s value', async () => {
    const [s] = scenarios;
    if (s === undefined) throw new Error('no core/map_set');
    const d = await drive(s, null, N);
    expect(d.proof).toEqual({ ok: true });
    expect(d.over.ok).toBe(false);
    // The count is exact both ways.
    expect(d.over).toEqual({ ok: false, reason: `map_set calls: expected ${N + 1}, got ${N}` });
    expect(d.under).toEqual({ ok: false, reason: `map_set calls: expected ${N - 1}, got ${N}` });
    // The floor needs no engine.
    expect(d.opened).toBe(0);
  });

  it('map_get: every call is a hit, counted exactly', async () => {
    const s = scenarios[1];
    if (s === undefined) throw new Error('no core/map_get');
    const d = await drive(s, null, N);
    expect(d.proof).toEqual({ ok: true });
    expect(d.over).toEqual({ ok: false, reason: `map_get hits: expected ${N + 1}, got ${N}` });
    expect(d.under).toEqual({ ok: false, reason: `map_get hits: expected ${N - 1}, got ${N}` });
    expect(d.opened).toBe(0);
  });
});
