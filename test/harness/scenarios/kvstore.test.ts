import { describe, expect, it } from 'vitest';
import { scenarios } from '../../../harness/scenarios/kvstore.ts';
import { loadEngine } from '../../../harness/engine-api/adapter.ts';
import { UnsupportedError } from '../../../harness/support/errors.ts';
import { FAKE_ENGINE_DIR } from '../helpers.ts';
import { drive, jobsOf } from './drive.ts';

const N = 20;

function counted(name: string): string {
  if (name.startsWith('kvstore/put/')) return 'engine commits';
  if (name === 'kvstore/get/miss') return 'KVStore.get misses';
  if (name === 'kvstore/get_many_10') return 'getMany calls that found all 10 keys';
  return 'KVStore.get hits';
}

describe('kvstore scenarios (the KVStore facade)', () => {
  it('are the puts and gets per access pattern, the miss and getMany', () => {
    expect(scenarios.map((s) => s.name)).toEqual([
      'kvstore/put/hot_key',
      'kvstore/put/uniform',
      'kvstore/put/working_set_100',
      'kvstore/get/hot_key',
      'kvstore/get/uniform',
      'kvstore/get/working_set_100',
      'kvstore/get/miss',
      'kvstore/get_many_10',
    ]);
    // Puts run in every mode, reads once.
    expect(jobsOf(scenarios)).toHaveLength(3 * 3 + 5);
  });

  it.each(jobsOf(scenarios))('%s: N calls proved, N ± 1 refused', async (_label, s, mode) => {
    const d = await drive(s, mode, N);
    const what = counted(s.name);
    expect(d.proof).toEqual({ ok: true });
    expect(d.over).toEqual({ ok: false, reason: `${what}: expected ${N + 1}, got ${N}` });
    expect(d.under).toEqual({ ok: false, reason: `${what}: expected ${N - 1}, got ${N}` });
    expect(d.opened).toBe(1);
  });

  it('an engine without KVStore: every scenario is unsupported, from its setup', async () => {
    const m3 = loadEngine(FAKE_ENGINE_DIR);
    for (const s of scenarios) {
      await expect(drive(s, 'strict', 1, m3), s.name).rejects.toThrow(UnsupportedError);
    }
  });
});
