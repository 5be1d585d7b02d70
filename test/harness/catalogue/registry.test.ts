import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MODES, WAL_MODES } from '../../../harness/engine-api/modes.ts';
import { SCENARIOS_DIR } from '../../../harness/support/paths.ts';
import {
  catalogueProblems,
  inShard,
  loadCatalogue,
  planJobs,
  scenarioModes,
  scenarioProblems,
  shardJobs,
  shardOf,
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

describe('shards: --shard i/n runs a deterministic part of the plan', () => {
  const ids = (jobs: ReadonlyArray<{ id: string }>): string[] => jobs.map((j) => j.id);
  const asJobs = (list: readonly string[]) => list.map((id) => ({ id }));
  /** Distinct job-like ids, in any order. */
  const idLists = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { maxLength: 60 });

  it('puts every job in exactly one shard; together the shards are the unsharded plan', () => {
    fc.assert(
      fc.property(idLists, fc.integer({ min: 1, max: 9 }), (list, count) => {
        const jobs = asJobs(list);
        const shards = Array.from({ length: count }, (_, i) =>
          ids(shardJobs(jobs, { index: i + 1, count })),
        );
        const all = shards.flat();
        expect(all.sort()).toEqual([...list].sort());
        expect(new Set(all).size).toBe(list.length);
      }),
    );
  });

  it('balances the shards within one job, and keeps each in plan order', () => {
    fc.assert(
      fc.property(idLists, fc.integer({ min: 1, max: 9 }), (list, count) => {
        const jobs = asJobs(list);
        const sizes = Array.from({ length: count }, (_, i) => {
          const mine = ids(shardJobs(jobs, { index: i + 1, count }));
          expect(mine).toEqual(list.filter((id) => mine.includes(id)));
          return mine.length;
        });
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('depends on the set of ids alone, not on the order they were planned in', () => {
    const permuted = idLists.chain((list) =>
      fc.tuple(
        fc.constant(list),
        fc.shuffledSubarray(list, { minLength: list.length, maxLength: list.length }),
      ),
    );
    fc.assert(
      fc.property(permuted, fc.integer({ min: 1, max: 9 }), ([list, other], count) => {
        const a = shardOf(list, count);
        expect(shardOf(other, count)).toEqual(a);
        for (const id of list) {
          const index = a.get(id) ?? 0;
          expect(inShard(id, other, { index, count })).toBe(true);
          expect(inShard(id, other, { index: (index % count) + 1, count })).toBe(count === 1);
        }
      }),
    );
  });

  it('deals the sorted ids round robin: position p goes to shard (p % n) + 1', () => {
    const of = shardOf(['d', 'a', 'c', 'b', 'e'], 2);
    expect([...of].sort()).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 1],
      ['d', 2],
      ['e', 1],
    ]);
    expect(ids(shardJobs(asJobs(['d', 'a', 'c', 'b', 'e']), { index: 2, count: 2 }))).toEqual([
      'd',
      'b',
    ]);
  });

  it('planJobs shards after the filters and modes', () => {
    const selection = { filters: ['kvstore/**', 'core/*'], modes: ['strict' as const] };
    const whole = planJobs(catalogue, selection);
    expect(whole.length).toBeGreaterThan(6);
    const parts = [1, 2, 3].map((index) =>
      ids(planJobs(catalogue, { ...selection, shard: { index, count: 3 } })),
    );
    for (const [i, part] of parts.entries()) {
      expect(part).toEqual(ids(shardJobs(whole, { index: i + 1, count: 3 })));
    }
    expect(parts.flat().sort()).toEqual(ids(whole).sort());
  });

  it('a shard beyond the number of jobs plans nothing', () => {
    const selection = { filters: ['core/*'] };
    expect(planJobs(catalogue, selection)).toHaveLength(2);
    expect(planJobs(catalogue, { ...selection, shard: { index: 3, count: 3 } })).toEqual([]);
    expect(planJobs(catalogue, { ...selection, shard: { index: 1, count: 1 } })).toHaveLength(2);
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
