import { describe, expect, it } from 'vitest';
import { scenarios } from '../../../harness/scenarios/engine.ts';
import { loadEngine } from '../../../harness/engine-api/adapter.ts';
import { FAKE_ENGINE_DIR } from '../helpers.ts';
import { drive, jobsOf } from './drive.ts';

const N = 20;

/** What each proof counts (its first check), as its failure names it. */
const COUNTED: Record<string, string> = {
  'engine/put_direct': 'engine commits',
  'engine/get_direct': 'db.get hits',
  'snapshot/acquire': 'snapshots pinned at the current version',
};

describe('engine scenarios (layer A1)', () => {
  it('are put_direct in every mode, get_direct and snapshot/acquire read-only', () => {
    expect(jobsOf(scenarios).map(([label]) => label)).toEqual([
      'engine/put_direct in inMemory',
      'engine/put_direct in buffered',
      'engine/put_direct in strict',
      'engine/get_direct',
      'snapshot/acquire',
    ]);
  });

  it.each(jobsOf(scenarios))('%s: N calls proved, N ± 1 refused', async (_label, s, mode) => {
    const d = await drive(s, mode, N);
    const what = COUNTED[s.name];
    expect(d.proof).toEqual({ ok: true });
    expect(d.over).toEqual({ ok: false, reason: `${what}: expected ${N + 1}, got ${N}` });
    expect(d.under).toEqual({ ok: false, reason: `${what}: expected ${N - 1}, got ${N}` });
    expect(d.opened).toBe(1);
  });

  it('put_direct uses db.put where the engine has it, else a one-key transaction', async () => {
    const put = scenarios[0];
    if (put === undefined) throw new Error('no engine/put_direct');
    expect((await drive(put, 'strict', N)).labels).toEqual({ api: 'db.put' });
    const m3 = await drive(put, 'strict', N, loadEngine(FAKE_ENGINE_DIR));
    expect(m3.labels).toEqual({ api: 'db.transaction' });
    expect(m3.proof).toEqual({ ok: true });
    expect(m3.over.ok).toBe(false);
  });
});
