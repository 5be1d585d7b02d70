/**
 * Peer scenarios: naming, the planner (never planned without --peers), an in-process
 * measurement with its proof, and the failure-to-load path. The peers section is in
 * section.test.ts, its terminal table in ../render/peers-text.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { loadEngine } from '../../../harness/engine-api/adapter.ts';
import { measureScenario } from '../../../harness/measure/measure.ts';
import { DEFAULT_ENGINE_DIR, SCENARIOS_DIR } from '../../../harness/support/paths.ts';
import { floorAdapter } from '../../../harness/peers/floor.ts';
import { PEER_ADAPTERS } from '../../../harness/peers/index.ts';
import { PEER_WORKLOADS, parsePeerName, peerScenarios } from '../../../harness/peers/scenarios.ts';
import { sqliteAdapter } from '../../../harness/peers/sqlite.ts';
import { Prng, SEED } from '../../../harness/support/prng.ts';
import { catalogueProblems, loadCatalogue, planJobs } from '../../../harness/catalogue/registry.ts';
import type { Scenario, ScenarioContext } from '../../../harness/catalogue/scenario.ts';
import type { ModeName } from '../../../harness/engine-api/modes.ts';
import { TINY_PROFILE, tempDir } from '../helpers.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

async function measure(s: Scenario, mode: ModeName) {
  const dir = tempDir('peer-scenario-');
  dirs.push(dir);
  const engine = await loadEngine(DEFAULT_ENGINE_DIR);
  const ctx: ScenarioContext = {
    engine,
    mode,
    tmpDir: dir,
    profile: TINY_PROFILE,
    rng: new Prng(SEED),
    openDb: (name = 'db') => engine.open(mode, path.join(dir, name)),
  };
  return measureScenario(s, ctx);
}

describe('the peer catalogue', () => {
  it('follows the naming rules: peers/<adapter>/<workload>, layer other, flagged peer', async () => {
    const catalogue = await loadCatalogue(SCENARIOS_DIR);
    const peers = catalogue.filter((s) => s.peer === true);
    expect(peers).toHaveLength(PEER_ADAPTERS.length * PEER_WORKLOADS.length);
    for (const s of peers) {
      expect(s.name.startsWith('peers/')).toBe(true);
      expect(s.layer).toBe('other');
      expect(s.writes).toBe(true);
      expect(PEER_WORKLOADS).toContain(parsePeerName(s.name)?.workload);
    }
  });

  it('refuses a peers/ name without the peer flag, and a peer flag outside peers/', () => {
    const [s] = peerScenarios(floorAdapter());
    if (s === undefined) throw new Error('no scenario');
    expect(catalogueProblems([{ ...s, peer: undefined }]).join()).toMatch(/peer scenarios/);
    expect(catalogueProblems([{ ...s, name: 'kvstore/put/hot_key' }]).join()).toMatch(
      /peer scenarios/,
    );
  });
});

describe('the planner', () => {
  it('never plans a peer scenario without peers: true (plain bench, compare, gate)', async () => {
    const catalogue = await loadCatalogue(SCENARIOS_DIR);
    expect(planJobs(catalogue).some((j) => j.scenario.peer === true)).toBe(false);
    expect(planJobs(catalogue, { filters: ['peers/**'] })).toHaveLength(0);
  });

  it('plans every peer scenario once per mode with peers: true', async () => {
    const catalogue = await loadCatalogue(SCENARIOS_DIR);
    const jobs = planJobs(catalogue, { filters: ['peers/**'], peers: true });
    expect(jobs).toHaveLength(PEER_ADAPTERS.length * PEER_WORKLOADS.length * 3);
    expect(jobs.map((j) => j.id)).toContain('peers/sqlite/kv/put/hot_key/dur_strict');
    const one = planJobs(catalogue, {
      filters: ['peers/*/kv/get/hot_key'],
      modes: ['inMemory'],
      peers: true,
    });
    expect(one.map((j) => j.id)).toEqual(
      PEER_ADAPTERS.map((a) => `peers/${a.name}/kv/get/hot_key/dur_inmemory`),
    );
  });
});

describe('measuring a peer scenario in-process (tiny profile)', () => {
  it.each(['inMemory', 'strict'] as const)(
    'every sqlite workload runs and proves its ops from the store in %s',
    async (mode) => {
      for (const s of peerScenarios(sqliteAdapter())) {
        const m = await measure(s, mode);
        expect(m.status, `${s.name}: ${m.reason ?? ''}`).toBe('ok');
        expect(m.opCount).toBeGreaterThan(0);
        expect(m.labels.mapping).toMatch(/better-sqlite3/);
      }
    },
  );

  it('a peer whose package cannot load is unsupported, with the load error as the reason', async () => {
    const [s] = peerScenarios(sqliteAdapter('no-such-peer-package-xyz'));
    if (s === undefined) throw new Error('no scenario');
    const m = await measure(s, 'buffered');
    expect(m.status).toBe('unsupported');
    expect(m.reason).toMatch(/could not load its package "no-such-peer-package-xyz"/);
  });
});
