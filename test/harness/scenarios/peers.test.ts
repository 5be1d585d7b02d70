import { describe, expect, it } from 'vitest';
import { scenarios } from '../../../harness/scenarios/peers.ts';
import { PEER_ADAPTERS } from '../../../harness/peers/index.ts';
import { PEER_WORKLOADS } from '../../../harness/peers/scenarios.ts';
import type { Scenario } from '../../../harness/catalogue/scenario.ts';
import type { ModeName } from '../../../harness/engine-api/modes.ts';
import { drive, jobsOf } from './drive.ts';

const N = 20;

/** The first check of a peer proof, by what the store counts (peers/scenarios.ts). */
function expected(s: Scenario, mode: ModeName, calls: number): string {
  const adapter = s.name.split('/')[1];
  const workload = s.name.split('/').slice(2).join('/');
  if (workload.startsWith('kv/get/')) return `gets that found their key: expected ${calls}`;
  const writes = workload === 'txn/multi_put/10' ? 10 * calls : calls;
  // SQLite and the Map floor count rows written; the others count commits.
  const byWrites = adapter === 'sqlite' || (adapter === 'floor' && mode === 'inMemory');
  return byWrites
    ? `writes read back from the store: expected ${writes}`
    : `commits read back from the store: expected ${calls}`;
}

describe('peer scenarios (every workload on every adapter)', () => {
  it('are every workload of every adapter, in adapter order', () => {
    expect(scenarios.map((s) => s.name)).toEqual(
      PEER_ADAPTERS.flatMap((a) => PEER_WORKLOADS.map((w) => `peers/${a.name}/${w}`)),
    );
    expect(scenarios.every((s) => s.peer === true)).toBe(true);
    expect(jobsOf(scenarios)).toHaveLength(4 * 5 * 3);
  });

  it.each(jobsOf(scenarios))('%s: N calls proved, N ± 1 refused', async (_label, s, mode) => {
    if (mode === null) throw new Error(`${s.name} runs per mode`);
    const d = await drive(s, mode, N);
    expect(d.proof).toEqual({ ok: true });
    expect(d.over.ok ? '' : d.over.reason).toMatch(
      new RegExp(`^${expected(s, mode, N + 1)}, got \\d+$`),
    );
    expect(d.under.ok ? '' : d.under.reason).toMatch(
      new RegExp(`^${expected(s, mode, N - 1)}, got \\d+$`),
    );
    const adapter = PEER_ADAPTERS.find((a) => a.name === s.name.split('/')[1]);
    // The labels say which settings stood for the mode (the store's own report beside them).
    expect(d.labels?.mapping).toBe(adapter?.describeMapping(mode));
  });
});
