import { describe, expect, it } from 'vitest';
import { MODES, WAL_MODES } from '../../../harness/engine-api/modes.ts';
import { SCENARIOS_DIR } from '../../../harness/support/paths.ts';
import {
  catalogueProblems,
  loadCatalogue,
  planJobs,
  scenarioModes,
  scenarioProblems,
} from '../../../harness/catalogue/registry.ts';
import { PREFIX_LAYERS, type Scenario } from '../../../harness/catalogue/scenario.ts';

const catalogue = await loadCatalogue(SCENARIOS_DIR);

/** Every scenario the issue asks for by name. */
const REQUIRED = [
  'core/map_set',
  'core/map_get',
  'engine/put_direct',
  'engine/get_direct',
  'snapshot/acquire',
  'kvstore/put/hot_key',
  'kvstore/put/uniform',
  'kvstore/put/working_set_100',
  'kvstore/get/hot_key',
  'kvstore/get/uniform',
  'kvstore/get/working_set_100',
  'kvstore/get/miss',
  'kvstore/get_many_10',
  'eventlog/append',
  'statecell/cas',
  'statecell/transition',
  'tracestore/record',
  'runindex/create_run',
  'txn/commit_single_put',
  'txn/multi_put/10',
  'txn/readN_write1/10',
  'txn/conflict_abort',
  'wal/recovery/50k',
  'scaling/disjoint_runs/1',
  'scaling/disjoint_runs/2',
  'scaling/disjoint_runs/4',
];

function fake(overrides: Partial<Scenario>): Scenario {
  return {
    kind: 'op',
    name: 'kvstore/put/hot_key',
    layer: 'B',
    writes: true,
    access: 'hot_key',
    guarantee: 'g',
    catches: 'c',
    setup: () => ({ op: () => {}, verify: () => ({ ok: true }) }),
    ...overrides,
  } as Scenario;
}

describe('the scenario catalogue', () => {
  it('has every scenario the issue names', () => {
    const names = catalogue.map((s) => s.name);
    for (const name of REQUIRED) expect(names).toContain(name);
  });

  it('follows the naming rules, with unique names', () => {
    expect(catalogueProblems(catalogue)).toEqual([]);
    expect(new Set(catalogue.map((s) => s.name)).size).toBe(catalogue.length);
  });

  it('labels each scenario with the layer its prefix implies, a guarantee and a regression', () => {
    for (const s of catalogue) {
      expect(PREFIX_LAYERS[s.name.split('/')[0] ?? '']).toBe(s.layer);
      expect(s.guarantee.length).toBeGreaterThan(10);
      expect(s.catches.length).toBeGreaterThan(10);
    }
  });

  it('puts the access pattern at the end of kvstore put/get names', () => {
    for (const s of catalogue.filter((x) => /^kvstore\/(put|get)\//.test(x.name))) {
      expect(s.access).toBe(s.name.split('/').at(-1));
    }
  });

  it('runs every writing scenario once per durability mode (WAL recovery only with a WAL)', () => {
    for (const s of catalogue) {
      const modes = scenarioModes(s);
      if (!s.writes) expect(modes).toEqual([null]);
      else if (s.name.startsWith('wal/')) expect(modes).toEqual([...WAL_MODES]);
      else expect(modes).toEqual([...MODES]);
    }
  });

  it('gives writing jobs a dur_<mode> id and read-only jobs none', () => {
    const jobs = planJobs(catalogue);
    const ids = jobs.map((j) => j.id);
    expect(ids).toContain('kvstore/put/hot_key/dur_inmemory');
    expect(ids).toContain('kvstore/put/hot_key/dur_buffered');
    expect(ids).toContain('kvstore/put/hot_key/dur_strict');
    expect(ids).toContain('kvstore/get/miss');
    expect(ids).not.toContain('wal/recovery/50k/dur_inmemory');
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('selects by glob and by mode', () => {
    const jobs = planJobs(catalogue, { filters: ['kvstore/put/**'], modes: ['strict'] });
    expect(jobs.map((j) => j.id).sort()).toEqual([
      'kvstore/put/hot_key/dur_strict',
      'kvstore/put/uniform/dur_strict',
      'kvstore/put/working_set_100/dur_strict',
    ]);
    // Read-only scenarios run whatever --mode says (they have no mode).
    expect(planJobs(catalogue, { filters: ['core/*'], modes: ['strict'] })).toHaveLength(2);
    expect(planJobs(catalogue, { filters: ['nothing/**'] })).toEqual([]);
  });
});

describe('the naming rules', () => {
  it('accept a well-formed scenario', () => {
    expect(scenarioProblems(fake({}))).toEqual([]);
  });

  it.each([
    [{ name: 'kv/put/hot_key' }, /prefix "kv"/],
    [{ layer: 'A1' as const }, /layer B, not A1/],
    [
      { access: 'uniform' as const },
      /ends in access pattern "hot_key" but declares access uniform/,
    ],
    [{ name: 'kvstore/put', access: 'hot_key' as const }, /must end with \/hot_key/],
    [{ name: 'kvstore/put/hot_key/dur_strict' }, /must not carry it/],
    [{ name: 'kvstore/Put Hot' }, /segments/],
    [{ guarantee: ' ' }, /no guarantee/],
    [{ catches: '' }, /no regression/],
    [{ writes: false, modes: ['strict' as const] }, /only writing scenarios run per mode/],
  ])('reject %o', (overrides, problem) => {
    expect(scenarioProblems(fake(overrides)).join('\n')).toMatch(problem);
  });

  it('reject duplicate names', () => {
    expect(catalogueProblems([fake({}), fake({})])).toEqual([
      'scenario name "kvstore/put/hot_key" is defined more than once',
    ]);
  });
});
