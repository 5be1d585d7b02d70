/**
 * The peers section in the terminal (peers-text.ts): one table per durability mode with the
 * floor named for that mode, our ratio to each peer with its CI, the distances to the floor,
 * the notes for missing figures, the mappings and the method; null without a peers section.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { peersSection } from '../../../harness/peers/section.ts';
import { renderPeers, renderPeersOf } from '../../../harness/render/peers-text.ts';
import { REPO_ROOT } from '../../../harness/support/paths.ts';
import type { ModeName } from '../../../harness/engine-api/modes.ts';
import type { PeersSection } from '../../../harness/results/results-file.ts';
import { okResult } from '../helpers.ts';
import { readFixture } from '../report-fixtures.ts';
import { tableLines } from './table-cells.ts';

const PEERS_RESULTS = path.join(REPO_ROOT, 'test', 'fixtures', 'report', 'peers', 'results.json');

function fixtureSection(): PeersSection {
  const s = readFixture(PEERS_RESULTS).peers;
  if (s === undefined) throw new Error('the peers fixture has no peers section');
  return s;
}

const HEAD = (floor: string) => [
  'workload',
  'inmem',
  'sqlite',
  'lmdb',
  `floor (${floor})`,
  'inmem÷sqlite [95% CI]',
  'inmem÷lmdb [95% CI]',
  '÷floor: inmem / sqlite / lmdb',
];

describe('renderPeers on a real peers run', () => {
  const section = fixtureSection();
  const parts = renderPeers(section).split('\n\n');

  it('one table per mode, in mode order, then the mappings and the method', () => {
    expect(parts.map((p) => p.split('\n')[0])).toEqual([
      'peers, durability mode inMemory (median ns/op; ratio < 1: inmem is faster)',
      'peers, durability mode buffered (median ns/op; ratio < 1: inmem is faster)',
      'peers, durability mode strict (median ns/op; ratio < 1: inmem is faster)',
      'mappings (durability mode -> settings):',
      `method: ${section.method}`,
    ]);
  });

  it('heads name the floor of each mode; a row per workload with medians, ratios and distances', () => {
    const [inMemory, buffered, strict] = parts.map(tableLines);
    expect(inMemory?.[0]).toEqual(HEAD('Map'));
    expect(buffered?.[0]).toEqual(HEAD('write'));
    expect(strict?.[0]).toEqual(HEAD('write+fdatasync'));
    expect(inMemory?.slice(1)).toEqual([
      [
        'kv/put/hot_key',
        '226.5 ns',
        '1.48 µs',
        '11.27 µs',
        '10.7 ns',
        '0.15× [0.14, 0.17]',
        '0.02× [0.02, 0.02]',
        '21.4× / 138× / 1051×',
      ],
      [
        'kv/put/uniform',
        '577.3 ns',
        '2.15 µs',
        '14.00 µs',
        '40.6 ns',
        '0.27× [0.25, 0.29]',
        '0.04× [0.04, 0.04]',
        '13.9× / 51.6× / 335×',
      ],
    ]);
    expect(strict?.[1]).toEqual([
      'kv/put/hot_key',
      '284.73 µs',
      '369.64 µs',
      '350.42 µs',
      '261.80 µs',
      '0.76× [0.70, 0.82]',
      '0.80× [0.73, 0.86]',
      '1.06× / 1.41× / 1.34×',
    ]);
  });

  it('every adapter’s mapping per mode, with its package and version', () => {
    const lines = parts[3]?.split('\n') ?? [];
    expect(lines.filter((l) => /^ {2}\S/.test(l))).toEqual([
      '  inmem:',
      '  sqlite (better-sqlite3@12.11.1):',
      '  lmdb (lmdb@3.5.6):',
      '  floor:',
    ]);
    const sqlite = section.adapters[1];
    expect(lines.slice(5, 9)).toEqual([
      '  sqlite (better-sqlite3@12.11.1):',
      `    inMemory ${sqlite?.mappings.inMemory ?? ''}`,
      `    buffered ${sqlite?.mappings.buffered ?? ''}`,
      `    strict   ${sqlite?.mappings.strict ?? ''}`,
    ]);
    expect(lines).toHaveLength(1 + 4 * 4);
  });

  it('a package whose version could not be read is named without one', () => {
    const s = fixtureSection();
    const sqlite = s.adapters[1];
    if (sqlite === undefined) throw new Error('fixture');
    sqlite.version = null;
    expect(renderPeers(s)).toContain('\n  sqlite (better-sqlite3):\n');
  });
});

describe('missing figures', () => {
  it('a peer without a figure shows its status, a "-" ratio, and one note per adapter and status', () => {
    const s = fixtureSection();
    for (const row of s.rows.filter((r) => r.mode === 'inMemory')) {
      const sqlite = row.cells[1];
      const lmdb = row.cells[2];
      const vsSqlite = row.vsPeers[0];
      if (sqlite === undefined || lmdb === undefined || vsSqlite === undefined) {
        throw new Error('the peers fixture changed shape');
      }
      row.cells[1] = {
        ...sqlite,
        status: 'unsupported',
        medianNs: null,
        reason: "Cannot find module\n  'better-sqlite3'",
      };
      row.cells[2] = { ...lmdb, status: 'failed', medianNs: null, reason: 'crashed' };
      row.vsPeers[0] = { ...vsSqlite, ratio: null, ci: null };
    }
    const parts = renderPeers(s).split('\n\n');
    const rows = tableLines(parts[0] ?? '').slice(1);
    expect(rows.map((r) => r.slice(2, 4))).toEqual([
      ['unsupported', 'failed'],
      ['unsupported', 'failed'],
    ]);
    expect(rows.map((r) => r[5])).toEqual(['-', '-']);
    // The notes follow the tables, before the mappings.
    expect(parts[3]).toBe(
      [
        'missing figures:',
        "  sqlite unsupported: Cannot find module 'better-sqlite3'",
        '  lmdb failed: crashed',
      ].join('\n'),
    );
    expect(parts[4]?.split('\n')[0]).toBe('mappings (durability mode -> settings):');
  });

  it('a mode without rows has no table; a section without rows says so, and nothing else', () => {
    const s = fixtureSection();
    s.rows = s.rows.filter((r) => r.mode === 'buffered');
    const text = renderPeers(s);
    expect(text.match(/^peers, durability mode/gm)).toEqual(['peers, durability mode']);
    expect(text).toContain('peers, durability mode buffered');
    s.rows = [];
    expect(renderPeers(s)).toBe('peers: no peer scenario ran');
  });
});

describe('a section built from peer results (peersSection)', () => {
  const row = (adapter: string, mode: ModeName, ns: number[], over = {}) =>
    okResult({
      id: `peers/${adapter}/kv/put/hot_key/dur_${mode.toLowerCase()}`,
      name: `peers/${adapter}/kv/put/hot_key`,
      layer: 'other',
      mode,
      writes: true,
      peer: true,
      // The first sample is the median in these rows.
      medianNs: ns[0] ?? null,
      samples: { count: ns.length, ns },
      ...over,
    });

  it('renders the ratios, the floor of the mode, the unloadable peer and the method', () => {
    const text = renderPeers(
      peersSection([
        row('inmem', 'strict', [100, 101, 99, 102, 98, 100]),
        row('sqlite', 'strict', [200, 202, 198, 204, 196, 200]),
        row('lmdb', 'strict', [50, 51, 49, 50, 52, 48], {
          status: 'unsupported',
          reason: 'peer lmdb could not load its package "lmdb": boom',
          samples: null,
          medianNs: null,
        }),
        row('floor', 'strict', [10, 10.1, 9.9, 10.2, 9.8, 10]),
      ]),
    );
    expect(text).toContain('peers, durability mode strict');
    expect(text).not.toContain('peers, durability mode inMemory');
    expect(text).toContain('floor (write+fdatasync)');
    const [cells] = tableLines(text).slice(1);
    expect(cells?.slice(0, 5)).toEqual([
      'kv/put/hot_key',
      '100.0 ns',
      '200.0 ns',
      'unsupported',
      '10.0 ns',
    ]);
    expect(cells?.[5]).toMatch(/^0\.50× \[0\.\d\d, 0\.\d\d\]$/);
    expect(cells?.[6]).toBe('-');
    expect(cells?.[7]).toMatch(/^10\.0× \/ 20\.0× \/ -$/);
    expect(text).toContain(
      'missing figures:\n  lmdb unsupported: peer lmdb could not load its package "lmdb": boom',
    );
    expect(text).toMatch(/within-process/);
  });
});

describe('renderPeersOf', () => {
  it('the peers part of a results file, or null when the run had no --peers', () => {
    const results = readFixture(PEERS_RESULTS);
    const section = results.peers;
    if (section === undefined) throw new Error('fixture');
    expect(renderPeersOf(results)).toBe(renderPeers(section));
    delete results.peers;
    expect(renderPeersOf(results)).toBeNull();
  });
});
