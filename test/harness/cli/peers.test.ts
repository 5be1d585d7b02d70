/** `bench --peers` end to end, through child processes, with tiny filters. */
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { REPO_ROOT } from '../../../harness/support/paths.ts';
import { readResults } from '../../../harness/results/results-file.ts';
import { runHarness, tempDirs } from '../helpers.ts';

const dirs = tempDirs();
afterAll(dirs.removeAll);
const tmp = (): string => dirs.make();

function harness(...args: string[]) {
  return runHarness(args);
}

describe('bench --peers', () => {
  it('runs every adapter in its own process, no comparison, peer rows in results.json', async () => {
    const out = tmp();
    const r = await harness(
      'bench',
      '--peers',
      '--profile',
      'quick',
      '--filter',
      'peers/*/kv/get/hot_key',
      '--mode',
      'inMemory',
      '--out',
      out,
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/failed|unsupported|could not load/i);
    // --peers implies --no-compare: no baseline was checked out or compared.
    expect(r.stderr).not.toMatch(/baseline/i);
    const results = readResults(path.join(out, 'results.json'));
    expect(results.comparison).toBeUndefined();
    expect(results.results.map((x) => x.id).sort()).toEqual([
      'peers/floor/kv/get/hot_key/dur_inmemory',
      'peers/inmem/kv/get/hot_key/dur_inmemory',
      'peers/lmdb/kv/get/hot_key/dur_inmemory',
      'peers/sqlite/kv/get/hot_key/dur_inmemory',
    ]);
    for (const x of results.results) {
      expect(x.status, `${x.id}: ${x.reason ?? ''}`).toBe('ok');
      expect(x.peer).toBe(true);
    }
    const peers = results.peers;
    expect(peers?.rows.map((row) => `${row.mode} ${row.workload}`)).toEqual([
      'inMemory kv/get/hot_key',
    ]);
    expect(peers?.rows[0]?.vsPeers.map((v) => v.denominator)).toEqual(['sqlite', 'lmdb']);
    expect(peers?.rows[0]?.vsPeers.every((v) => v.ratio !== null && v.ci !== null)).toBe(true);
    expect(r.stdout).toContain('peers, durability mode inMemory');
    expect(r.stdout).toContain('mappings (durability mode -> settings)');
  });

  it('a peer that cannot load: its rows say why, the rest still runs (exit 0)', async () => {
    const out = tmp();
    const r = await harness(
      'bench',
      '--peers',
      '--profile',
      'quick',
      '--scenarios',
      path.join(REPO_ROOT, 'test', 'fixtures', 'peer-scenarios'),
      '--filter',
      'peers/*/kv/put/hot_key',
      '--mode',
      'strict',
      '--out',
      out,
    );
    expect(r.exitCode).toBe(0);
    const byId = new Map(readResults(path.join(out, 'results.json')).results.map((x) => [x.id, x]));
    const sqlite = byId.get('peers/sqlite/kv/put/hot_key/dur_strict');
    expect(sqlite?.status).toBe('unsupported');
    expect(sqlite?.reason).toMatch(/could not load its package "no-such-peer-package-xyz"/);
    expect(byId.get('peers/floor/kv/put/hot_key/dur_strict')?.status).toBe('ok');
    expect(r.stdout).toMatch(/sqlite unsupported: peer sqlite could not load/);
  });

  it('--help says --peers implies --no-compare', async () => {
    const r = await harness('bench', '--help');
    expect(r.stdout).toMatch(/--peers[\s\S]*implies --no-compare/);
  });
});
