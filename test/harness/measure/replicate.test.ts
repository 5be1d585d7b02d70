/**
 * Comparison replicates through a real child process (plain node on the run's bundles): both
 * sides set up in their own worker, timed in alternation, proved by their op counts. What the
 * figures say is calibrate's business; this checks the mechanics.
 */
import { describe, expect, it } from 'vitest';
import { loadEngine } from '../../../harness/engine-api/adapter.ts';
import { DEFAULT_ENGINE_DIR, SCENARIOS_DIR } from '../../../harness/support/paths.ts';
import { PROFILES } from '../../../harness/config/profiles.ts';
import { loadCatalogue, planJobs } from '../../../harness/catalogue/registry.ts';
import { isSteady } from '../../../harness/measure/replicate.ts';
import { interleaves, runReplicatesInChild } from '../../../harness/run/runner.ts';

const profile = PROFILES.quick;
const plan = { warmupMs: 4, maxWarmupMs: 40, windowMs: 0.5, windows: 4 };

async function job(name: string, mode: 'inMemory' | 'strict' | null = null) {
  const jobs = planJobs(await loadCatalogue(SCENARIOS_DIR), { filters: [name] });
  const j = jobs.find((x) => x.mode === mode);
  if (j === undefined) throw new Error(`no job ${name} ${String(mode)}`);
  return j;
}

describe('runReplicatesInChild', () => {
  it('runs the pairs asked for, each side proved by its op count', async () => {
    const engine = await loadEngine(DEFAULT_ENGINE_DIR);
    const j = await job('kvstore/put/hot_key', 'strict');
    const r = await runReplicatesInChild(
      { baseline: { job: j, engine }, candidate: { job: j, engine } },
      3,
      plan,
      { profile, scenariosDir: SCENARIOS_DIR, cpuSlot: 0 },
    );
    expect(r.reason).toBeNull();
    expect(r.status).toBe('ok');
    expect(r.pairs).toHaveLength(3);
    for (const p of r.pairs) {
      expect(p.baseline).toBeGreaterThan(0);
      expect(p.candidate).toBeGreaterThan(0);
      expect(p.baselineOps).toBeGreaterThan(0);
      expect(p.candidateOps).toBeGreaterThan(0);
    }
  });

  it('runs custom scenarios (worker threads of their own) side by side too', async () => {
    const engine = await loadEngine(DEFAULT_ENGINE_DIR);
    const j = await job('scaling/disjoint_runs/2', 'inMemory');
    const r = await runReplicatesInChild(
      { baseline: { job: j, engine }, candidate: { job: j, engine } },
      1,
      plan,
      { profile, scenariosDir: SCENARIOS_DIR },
    );
    expect(r.reason).toBeNull();
    expect(r.pairs[0]?.candidateOps).toBeGreaterThan(0);
  });

  it('a side that cannot run says why, and keeps the pairs that completed', async () => {
    const engine = await loadEngine(DEFAULT_ENGINE_DIR);
    const j = await job('core/map_get');
    const missing = { ...j, scenario: { ...j.scenario, name: 'core/no_such_scenario' } };
    const r = await runReplicatesInChild(
      { baseline: { job: j, engine }, candidate: { job: missing, engine } },
      2,
      plan,
      { profile, scenariosDir: SCENARIOS_DIR },
    );
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/candidate: no scenario named core\/no_such_scenario/);
    expect(r.pairs).toEqual([]);
  });

  it('refuses to inject a slowdown into a scenario that measures itself', async () => {
    const engine = await loadEngine(DEFAULT_ENGINE_DIR);
    const j = await job('scaling/disjoint_runs/1', 'inMemory');
    const r = await runReplicatesInChild(
      { baseline: { job: j, engine }, candidate: { job: j, engine, slowdown: 0.1 } },
      1,
      plan,
      { profile, scenariosDir: SCENARIOS_DIR },
    );
    expect(r.status).toBe('failed');
    expect(r.reason).toMatch(/measures itself: no slowdown can be injected/);
  });
});

describe('interleaves', () => {
  it('alternates the windows of durable modes only', async () => {
    expect(interleaves(await job('kvstore/put/hot_key', 'strict'))).toBe(true);
    expect(interleaves(await job('kvstore/put/hot_key', 'inMemory'))).toBe(false);
    expect(interleaves(await job('core/map_get'))).toBe(false);
  });
});

describe('isSteady', () => {
  it('waits for enough full-size batches', () => {
    expect(isSteady([100, 100, 100, 100, 100, 100, 100])).toBe(false);
    expect(isSteady([100, 100, 100, 100, 100, 100, 100, 100])).toBe(true);
  });

  it('is not steady while the batches keep getting faster (code still tiering up)', () => {
    expect(isSteady([900, 800, 700, 600, 500, 400, 300, 200])).toBe(false);
    expect(isSteady([2200, 2300, 2100, 2250, 600, 580, 610, 590])).toBe(false);
  });

  it('is steady once the last batches are as fast as the ones before, a GC batch or not', () => {
    expect(isSteady([900, 700, 560, 600, 580, 20_000, 590, 600, 570, 610])).toBe(true);
    expect(isSteady([300, 310, 290, 305, 320, 300, 298, 302])).toBe(true);
  });
});
