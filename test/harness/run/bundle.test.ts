import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  engineBundle,
  harnessBundle,
  nodeModulesFor,
  pruneStaleBundles,
} from '../../../harness/run/bundle.ts';
import { loadEngineModule } from '../../../harness/engine-api/adapter.ts';
import {
  DEFAULT_ENGINE_DIR,
  HARNESS_DIR,
  REPO_ROOT,
  SCENARIOS_DIR,
} from '../../../harness/support/paths.ts';
import type { Scenario } from '../../../harness/catalogue/scenario.ts';
import { tempDirs } from '../helpers.ts';

const dirs = tempDirs();
afterAll(dirs.removeAll);

describe('bundles for plain-node children', () => {
  it('bundles the engine so that plain ESM imports it, one instance per query', async () => {
    const url = await engineBundle(DEFAULT_ENGINE_DIR);
    expect(url).toMatch(/node_modules\/\.cache\/inmem-perf\/run-\d+-[0-9a-f]+\/engine\.mjs$/);
    expect(await engineBundle(DEFAULT_ENGINE_DIR)).toBe(url);
    const a = await loadEngineModule(DEFAULT_ENGINE_DIR, `${url}?side=0`);
    const b = await loadEngineModule(DEFAULT_ENGINE_DIR, `${url}?side=1`);
    expect(a.capabilities.modes.inMemory.supported).toBe(true);
    expect(a.module).not.toBe(b.module);
    expect(a.require('KVStore')).not.toBe(b.require('KVStore'));
    const db = a.open('inMemory', dirs.make());
    db.put?.(a.newRunId(), 'k', 1);
    expect(db.stats().commits).toBe(1);
    db.close();
  });

  it('bundles the catalogue with paths still pointing at the source tree', async () => {
    const b = await harnessBundle(SCENARIOS_DIR);
    for (const f of [b.child, b.replicate, path.join(b.dir, 'disjoint-run-worker.mjs')]) {
      expect(fs.existsSync(f)).toBe(true);
    }
    const side = (await import(b.side)) as { catalogue: Scenario[] };
    expect(side.catalogue.map((s) => s.name)).toContain('kvstore/get/hot_key');
    // import.meta.url is replaced by each source file's URL: paths.ts still names the tree.
    const text = fs.readFileSync(new URL(b.harness), 'utf8');
    expect(text).toContain(
      JSON.stringify(pathToFileURL(path.join(HARNESS_DIR, 'support', 'paths.ts')).href),
    );
    expect(text).not.toMatch(/import\.meta\.url/);
  });

  it('finds the node_modules an engine resolves packages from', () => {
    expect(nodeModulesFor(DEFAULT_ENGINE_DIR)).toBe(
      fs.realpathSync(path.join(REPO_ROOT, 'node_modules')),
    );
    expect(nodeModulesFor('/')).toBeNull();
  });

  it('removes run folders whose process is gone, and nothing else', () => {
    const cache = dirs.make();
    const dead = path.join(cache, 'run-999999-abcd1234');
    const live = path.join(cache, `run-${process.pid}-abcd1234`);
    const other = path.join(cache, 'something-else');
    for (const d of [dead, live, other]) fs.mkdirSync(d);
    pruneStaleBundles(cache);
    expect(fs.existsSync(dead)).toBe(false);
    expect(fs.existsSync(live)).toBe(true);
    expect(fs.existsSync(other)).toBe(true);
  });
});
