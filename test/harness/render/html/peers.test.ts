/**
 * The report's peers section (`bench --peers`), from a real 24-job run
 * (test/fixtures/report/peers: kv/put/{hot_key,uniform} for inmem, sqlite, lmdb and the floor
 * in every durability mode): the mappings, one table and chart per mode, ratios with CIs, the
 * distance to the floor, failed peers with their reason, and escaping.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRun } from '../../../../harness/render/html/load.ts';
import { buildModel } from '../../../../harness/render/html/model.ts';
import { peersView, ratioClass } from '../../../../harness/render/html/peers.ts';
import { formatPeerRatio } from '../../../../harness/support/format.ts';
import { renderReportHtml } from '../../../../harness/render/html/render.ts';
import { REPO_ROOT } from '../../../../harness/support/paths.ts';
import { HOSTILE, readFixture } from '../../report-fixtures.ts';

const PEERS_RESULTS = path.join(REPO_ROOT, 'test', 'fixtures', 'report', 'peers', 'results.json');

describe('peersView', () => {
  const results = readFixture(PEERS_RESULTS);

  it('states every adapter’s mapping per mode', () => {
    const v = peersView(results, 'run-1');
    expect(v).not.toBeNull();
    const rows = v?.mappings.rows ?? [];
    expect(rows.map((r) => r.cells[0]?.sort)).toEqual(['inmem', 'sqlite', 'lmdb', 'floor']);
    const sqlite = rows[1]?.cells.map((c) => c.text) ?? [];
    expect(sqlite[0]).toMatch(/better-sqlite3@12\./);
    expect(sqlite[1]).toMatch(/:memory:/);
    expect(sqlite[2]).toMatch(/synchronous=NORMAL/);
    expect(sqlite[3]).toMatch(/synchronous=FULL/);
  });

  it('one table and one chart per mode: figures, ratios with CIs, distances to the floor', () => {
    const v = peersView(results, 'run-1');
    expect(v?.modes.map((m) => m.table.title)).toEqual([
      'durability mode: inMemory',
      'durability mode: buffered',
      'durability mode: strict',
    ]);
    const t = v?.modes[0]?.table;
    expect(t?.head.map((h) => h.text)).toEqual([
      'workload',
      'inmem',
      'sqlite',
      'lmdb',
      'floor',
      'inmem ÷ sqlite [95% CI]',
      'inmem ÷ lmdb [95% CI]',
      'inmem ÷ floor',
      'sqlite ÷ floor',
      'lmdb ÷ floor',
    ]);
    expect(t?.rows.map((r) => r.cells[0]?.text)).toEqual(['kv/put/hot_key', 'kv/put/uniform']);
    for (const row of t?.rows ?? []) {
      for (const c of row.cells.slice(5)) expect(c.text).toMatch(/^\d+(\.\d+)?× \[\d/);
    }
    // The ratio cell's sort key is the ratio itself, so the column sorts numerically.
    const section = results.peers;
    const first = section?.rows.find((r) => r.mode === 'inMemory');
    expect(t?.rows[0]?.cells[5]?.sort).toBe(first?.vsPeers[0]?.ratio);
    const chart = v?.modes[0]?.chart;
    const values = (chart?.spec as { data: { values: unknown[] } }).data.values;
    expect(values).toHaveLength(8);
  });

  it('a peer that could not load shows why, and its ratios are blank', () => {
    const broken = readFixture(PEERS_RESULTS);
    const row = broken.peers?.rows[0];
    if (row === undefined) throw new Error('fixture has no peers rows');
    row.cells[1] = {
      ...(row.cells[1] as NonNullable<(typeof row.cells)[number]>),
      status: 'unsupported',
      medianNs: null,
      reason: "sqlite: Cannot find module 'better-sqlite3'",
    };
    row.vsPeers[0] = { ...(row.vsPeers[0] as (typeof row.vsPeers)[number]), ratio: null, ci: null };
    const t = peersView(broken, 'run-1')?.modes.find((m) => m.table.title.endsWith(row.mode));
    const cells = t?.table.rows[0]?.cells ?? [];
    expect(cells[2]?.text).toBe("unsupported: sqlite: Cannot find module 'better-sqlite3'");
    expect(cells[2]?.cls).toBe('c-unsupported');
    expect(cells[5]?.text).toBe('-');
  });

  it('is absent for a run without --peers', () => {
    const plain = readFixture(PEERS_RESULTS);
    delete plain.peers;
    expect(peersView(plain, 'run-1')).toBeNull();
  });

  it('formats ratios compactly', () => {
    const base = {
      numerator: 'a',
      denominator: 'b',
      pValue: 0.01,
      method: 'yuen-log-t' as const,
      nNumerator: 9,
      nDenominator: 9,
      note: '',
    };
    expect(formatPeerRatio({ ...base, ratio: 0.153, ci: [0.14, 0.17] })).toBe('0.15× [0.14, 0.17]');
    expect(formatPeerRatio({ ...base, ratio: 1051.2, ci: [1029, 1074] })).toBe(
      '1051× [1029, 1074]',
    );
    expect(formatPeerRatio({ ...base, ratio: null, ci: null })).toBe('-');
  });
});

describe('the rendered peers section', () => {
  it('shows the section with a chart per mode, hostile mapping text escaped', async () => {
    const input = loadRun(PEERS_RESULTS);
    const adapter = input.results.peers?.adapters[1];
    if (adapter === undefined) throw new Error('fixture has no adapters');
    adapter.mappings.strict = HOSTILE;
    const html = await renderReportHtml(
      buildModel([input], { reportDir: path.dirname(PEERS_RESULTS) }),
      { siteHref: null },
    );
    expect(html).toContain('Peers: our engine against SQLite, LMDB and the floor');
    const section = html.slice(html.indexOf('Peers: our engine'));
    expect(section.match(/<svg/g)?.length ?? 0).toBeGreaterThanOrEqual(3);
    expect(html).not.toMatch(/<img/i);
    expect(html).toContain('&lt;img src');
    expect(fs.existsSync(PEERS_RESULTS)).toBe(true);
  });
});

describe('ratioClass', () => {
  const r = (ratio: number, ci: [number, number]) => ({
    numerator: 'inmem',
    denominator: 'sqlite',
    ratio,
    ci,
    pValue: 0.001,
    method: 'yuen-log-t' as const,
    nNumerator: 9,
    nDenominator: 9,
    note: '',
  });
  it('calls a side faster or slower only beyond the 0.9-1.1 band', () => {
    expect(ratioClass(r(0.5, [0.45, 0.55]))).toBe('c-improved');
    expect(ratioClass(r(1.5, [1.4, 1.6]))).toBe('c-regressed');
    // Excludes 1, but within ±10 %: about equal.
    expect(ratioClass(r(0.95, [0.93, 0.97]))).toBe('c-inconclusive');
    expect(ratioClass(r(1.05, [1.02, 1.08]))).toBe('c-inconclusive');
    expect(ratioClass(undefined)).toBe('c-other');
  });
});
