/**
 * The peers section of a results file (section.ts): our engine ÷ each peer and each adapter ÷
 * the floor from the two jobs' samples (peerRatio), and the section's rows, cells, adapters
 * and method built from a run's peer results (peersSection).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PEER_METHOD, peerRatio, peersSection } from '../../../harness/peers/section.ts';
import type { KvAdapter } from '../../../harness/peers/kv-adapter.ts';
import { PeersSectionSchema } from '../../../harness/results/results-file.ts';
import { REPO_ROOT } from '../../../harness/support/paths.ts';
import type { ModeName } from '../../../harness/engine-api/modes.ts';
import type { ScenarioResult } from '../../../harness/results/results-file.ts';
import { okResult } from '../helpers.ts';

function row(
  adapter: string,
  mode: ModeName,
  ns: number[],
  over: Partial<ScenarioResult> = {},
  workload = 'kv/put/hot_key',
): ScenarioResult {
  return okResult({
    id: `peers/${adapter}/${workload}/dur_${mode.toLowerCase()}`,
    name: `peers/${adapter}/${workload}`,
    layer: 'other',
    mode,
    writes: true,
    peer: true,
    // The first sample is the median in these rows.
    medianNs: ns[0] ?? null,
    samples: { count: ns.length, ns },
    ...over,
  });
}

const unsupported = (reason: string | null): Partial<ScenarioResult> => ({
  status: 'unsupported',
  reason,
  samples: null,
  medianNs: null,
});

describe('peerRatio', () => {
  it('numerator ÷ denominator of the two jobs’ samples, with a CI and the sample counts', () => {
    const r = peerRatio(
      'inmem',
      row('inmem', 'strict', [100, 101, 99, 102, 98, 100]),
      'sqlite',
      row('sqlite', 'strict', [200, 202, 198, 204, 196, 200, 201]),
    );
    expect(r).toMatchObject({
      numerator: 'inmem',
      denominator: 'sqlite',
      nNumerator: 6,
      nDenominator: 7,
      method: 'yuen-log-t',
      note: 'within-process benchmark.js samples of one job per side',
    });
    expect(r.ratio).toBeCloseTo(0.5, 2);
    expect(r.ci?.[0]).toBeLessThan(0.5);
    expect(r.ci?.[1]).toBeGreaterThan(0.5);
    expect(r.pValue).toBeLessThan(0.001);
  });

  it('drops samples that are not finite and positive before comparing', () => {
    const r = peerRatio(
      'inmem',
      row('inmem', 'strict', [0, 100, 100, 100]),
      'floor',
      row('floor', 'strict', [10, 10, 10]),
    );
    expect(r.nNumerator).toBe(3);
    expect(r.nDenominator).toBe(3);
    // Identical samples on each side: the ratio is exact.
    expect(r.method).toBe('exact');
    expect(r.ratio).toBeCloseTo(10, 10);
  });

  it('one sample a side: the ratio of the two, no CI', () => {
    const r = peerRatio(
      'inmem',
      row('inmem', 'strict', [100]),
      'sqlite',
      row('sqlite', 'strict', [400]),
    );
    expect(r).toMatchObject({ ratio: 0.25, ci: null, pValue: null, method: 'medians' });
  });

  it('a ratio needs samples on both sides; the note says which side lacks them and why', () => {
    const ok = row('sqlite', 'strict', [1, 2]);
    const none = { ratio: null, ci: null, pValue: null, method: 'none' };
    expect(peerRatio('inmem', undefined, 'sqlite', ok)).toMatchObject({
      ...none,
      note: 'inmem was not run',
      nNumerator: 0,
      nDenominator: 2,
    });
    expect(peerRatio('inmem', ok, 'sqlite', undefined).note).toBe('sqlite was not run');
    // Both missing: the numerator is named.
    expect(peerRatio('inmem', undefined, 'sqlite', undefined).note).toBe('inmem was not run');
    const failed = row('sqlite', 'strict', [], { status: 'failed', reason: 'boom', samples: null });
    expect(peerRatio('inmem', ok, 'sqlite', failed)).toMatchObject({
      ...none,
      note: 'sqlite is failed: boom',
    });
    expect(peerRatio('inmem', ok, 'lmdb', row('lmdb', 'strict', [], unsupported(null))).note).toBe(
      'lmdb is unsupported',
    );
  });
});

describe('peersSection', () => {
  it('gives our engine ÷ each peer with a CI, and each adapter ÷ the floor', () => {
    const section = peersSection([
      row('inmem', 'strict', [100, 101, 99, 102, 98, 100]),
      row('sqlite', 'strict', [200, 202, 198, 204, 196, 200]),
      row(
        'lmdb',
        'strict',
        [50, 51, 49, 50, 52, 48],
        unsupported('peer lmdb could not load its package "lmdb": boom'),
      ),
      row('floor', 'strict', [10, 10.1, 9.9, 10.2, 9.8, 10]),
    ]);
    expect(PeersSectionSchema.safeParse(section).success).toBe(true);
    const [r] = section.rows;
    expect(section.rows).toHaveLength(1);
    expect(r?.vsPeers.map((x) => [x.numerator, x.denominator])).toEqual([
      ['inmem', 'sqlite'],
      ['inmem', 'lmdb'],
    ]);
    expect(r?.toFloor.map((x) => [x.numerator, x.denominator])).toEqual([
      ['inmem', 'floor'],
      ['sqlite', 'floor'],
      ['lmdb', 'floor'],
    ]);
    const vsSqlite = r?.vsPeers.find((x) => x.denominator === 'sqlite');
    expect(vsSqlite?.ratio).toBeCloseTo(0.5, 2);
    expect(vsSqlite?.ci?.[0]).toBeLessThan(0.5);
    expect(vsSqlite?.ci?.[1]).toBeGreaterThan(0.5);
    const vsLmdb = r?.vsPeers.find((x) => x.denominator === 'lmdb');
    expect(vsLmdb?.ratio).toBeNull();
    expect(vsLmdb?.note).toMatch(/unsupported: peer lmdb could not load/);
    expect(r?.toFloor.find((x) => x.numerator === 'inmem')?.ratio).toBeCloseTo(10, 1);
    expect(r?.toFloor.find((x) => x.numerator === 'sqlite')?.ratio).toBeCloseTo(20, 1);
    expect(r?.toFloor.find((x) => x.numerator === 'lmdb')?.ratio).toBeNull();
    expect(section.adapters.find((a) => a.name === 'sqlite')?.mappings.strict).toMatch(
      /synchronous=FULL/,
    );
  });

  it('one row per mode and workload that ran, in mode then workload order; a cell per adapter', () => {
    const section = peersSection([
      row('sqlite', 'strict', [300], {}, 'kv/get/uniform'),
      row('inmem', 'strict', [100], {}, 'kv/put/hot_key'),
      row('floor', 'inMemory', [5], {}, 'txn/multi_put/10'),
      row('inmem', 'inMemory', [50], {}, 'kv/put/uniform'),
      // Not peer rows: ignored.
      okResult({
        id: 'kvstore/put/hot_key/dur_strict',
        name: 'kvstore/put/hot_key',
        mode: 'strict',
      }),
      okResult({
        id: 'peers/inmem/kv/get/hot_key',
        name: 'peers/inmem/kv/get/hot_key',
        mode: null,
      }),
    ]);
    expect(section.rows.map((r) => `${r.mode} ${r.workload}`)).toEqual([
      'inMemory kv/put/uniform',
      'inMemory txn/multi_put/10',
      'strict kv/put/hot_key',
      'strict kv/get/uniform',
    ]);
    const getUniform = section.rows[3];
    expect(getUniform?.cells).toEqual([
      {
        adapter: 'inmem',
        id: 'peers/inmem/kv/get/uniform',
        status: 'unsupported',
        medianNs: null,
        reason: 'not run (filtered out)',
      },
      {
        adapter: 'sqlite',
        id: 'peers/sqlite/kv/get/uniform/dur_strict',
        status: 'ok',
        medianNs: 300,
        reason: null,
      },
      {
        adapter: 'lmdb',
        id: 'peers/lmdb/kv/get/uniform',
        status: 'unsupported',
        medianNs: null,
        reason: 'not run (filtered out)',
      },
      {
        adapter: 'floor',
        id: 'peers/floor/kv/get/uniform',
        status: 'unsupported',
        medianNs: null,
        reason: 'not run (filtered out)',
      },
    ]);
    expect(getUniform?.vsPeers.map((r) => r.note)).toEqual([
      'inmem was not run',
      'inmem was not run',
    ]);
    expect(PeersSectionSchema.safeParse(section).success).toBe(true);
  });

  it('a cell that did not run ok has no median, and keeps its reason', () => {
    const section = peersSection([
      row('inmem', 'buffered', [100]),
      row('sqlite', 'buffered', [], {
        status: 'failed',
        reason: 'crashed',
        samples: null,
        medianNs: 7,
      }),
    ]);
    expect(section.rows[0]?.cells[1]).toEqual({
      adapter: 'sqlite',
      id: 'peers/sqlite/kv/put/hot_key/dur_buffered',
      status: 'failed',
      medianNs: null,
      reason: 'crashed',
    });
  });

  it('names the reference and the floor, the adapters with their mappings and versions, the method', () => {
    const section = peersSection([]);
    expect(section.rows).toEqual([]);
    expect(section.reference).toBe('inmem');
    expect(section.floor).toBe('floor');
    expect(section.method).toBe(PEER_METHOD);
    expect(section.adapters.map((a) => [a.name, a.packageName])).toEqual([
      ['inmem', null],
      ['sqlite', 'better-sqlite3'],
      ['lmdb', 'lmdb'],
      ['floor', null],
    ]);
    const installed = (name: string): unknown =>
      (
        JSON.parse(
          fs.readFileSync(path.join(REPO_ROOT, 'node_modules', name, 'package.json'), 'utf8'),
        ) as { version: unknown }
      ).version;
    expect(section.adapters[1]?.version).toBe(installed('better-sqlite3'));
    expect(section.adapters[2]?.version).toBe(installed('lmdb'));
    expect(section.adapters[0]?.version).toBeNull();
  });

  it('takes the adapters it is given: their names, mappings, and no version for a missing package', () => {
    const fake = (name: KvAdapter['name'], packageName: string | null): KvAdapter => ({
      name,
      packageName,
      describeMapping: (m) => `${name} in ${m}`,
      open: () => Promise.reject(new Error('not opened in this test')),
    });
    const section = peersSection(
      [row('inmem', 'strict', [100, 100]), row('sqlite', 'strict', [200, 200])],
      [fake('inmem', null), fake('sqlite', 'no-such-package-xyz'), fake('floor', null)],
    );
    expect(section.adapters).toEqual([
      {
        name: 'inmem',
        packageName: null,
        version: null,
        mappings: {
          inMemory: 'inmem in inMemory',
          buffered: 'inmem in buffered',
          strict: 'inmem in strict',
        },
      },
      {
        name: 'sqlite',
        packageName: 'no-such-package-xyz',
        version: null,
        mappings: {
          inMemory: 'sqlite in inMemory',
          buffered: 'sqlite in buffered',
          strict: 'sqlite in strict',
        },
      },
      {
        name: 'floor',
        packageName: null,
        version: null,
        mappings: {
          inMemory: 'floor in inMemory',
          buffered: 'floor in buffered',
          strict: 'floor in strict',
        },
      },
    ]);
    const [r] = section.rows;
    expect(r?.cells.map((c) => c.adapter)).toEqual(['inmem', 'sqlite', 'floor']);
    expect(r?.vsPeers.map((x) => x.denominator)).toEqual(['sqlite']);
    expect(r?.vsPeers[0]?.ratio).toBeCloseTo(0.5, 10);
    expect(r?.toFloor.map((x) => [x.numerator, x.note])).toEqual([
      ['inmem', 'floor was not run'],
      ['sqlite', 'floor was not run'],
    ]);
  });
});
