/**
 * scaling/disjoint_runs/N measures itself: N worker threads (scenarios/workers/
 * disjoint-run-worker.ts, through the run's bundle of it, as in a child process), each
 * putting into its own database, their proof being every counted put's engine commit.
 *
 * The bundles are built here with esbuild, under this tree's .harness/ so that the engine's
 * packages resolve from its node_modules. The modes, to keep this file near 5 s: all three
 * for 1 worker, strict for 2, inMemory for 4 (0.3 s to 0.9 s a run on 2 cores); the mode
 * only changes which database each worker opens, which the 1-worker cases cover.
 * measure.test.ts runs scaling/disjoint_runs/2 through the unbundled worker (boot.mjs, tsx).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { scenarios } from '../../../harness/scenarios/scaling.ts';
import { scenarioContext } from '../../../harness/catalogue/context.ts';
import {
  loadEngine,
  loadEngineModule,
  type LoadedEngine,
} from '../../../harness/engine-api/adapter.ts';
import type { ModeName } from '../../../harness/engine-api/modes.ts';
import type { CustomMeasurement, Scenario } from '../../../harness/catalogue/scenario.ts';
import { UnsupportedError } from '../../../harness/support/errors.ts';
import {
  BUNDLE_DIR_ENV,
  DEFAULT_ENGINE_DIR,
  HARNESS_DIR,
  REPO_ROOT,
} from '../../../harness/support/paths.ts';
import { FAKE_ENGINE_DIR, TINY_PROFILE, tempDir } from '../helpers.ts';

const LOSSY_ENGINE_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'lossy-engine');
const HARNESS_STATE = path.join(REPO_ROOT, '.harness');
/** Made by this file: removed with the bundles when empty. */
const madeState = !fs.existsSync(HARNESS_STATE);
const bundles = path.join(
  HARNESS_STATE,
  `test-bundles-${process.pid}-${randomBytes(3).toString('hex')}`,
);

async function bundle(entry: string, name: string): Promise<string> {
  const out = path.join(bundles, name);
  await build({
    entryPoints: [entry],
    outfile: out,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    logLevel: 'silent',
  });
  return pathToFileURL(out).href;
}

let engine: LoadedEngine;
let lossy: LoadedEngine;

beforeAll(async () => {
  const [engineUrl, lossyUrl] = await Promise.all([
    bundle(path.join(DEFAULT_ENGINE_DIR, 'src', 'index.ts'), 'engine.mjs'),
    bundle(path.join(LOSSY_ENGINE_DIR, 'src', 'index.ts'), 'lossy-engine.mjs'),
    bundle(
      path.join(HARNESS_DIR, 'scenarios', 'workers', 'disjoint-run-worker.ts'),
      'disjoint-run-worker.mjs',
    ),
  ]);
  engine = await loadEngineModule(DEFAULT_ENGINE_DIR, engineUrl);
  lossy = await loadEngineModule(LOSSY_ENGINE_DIR, lossyUrl);
});
beforeEach(() => {
  vi.stubEnv(BUNDLE_DIR_ENV, bundles);
});
afterAll(() => {
  vi.unstubAllEnvs();
  fs.rmSync(bundles, { recursive: true, force: true });
  if (madeState) {
    try {
      fs.rmdirSync(HARNESS_STATE);
    } catch {
      // Not empty: another test's state is in it now; leave it.
    }
  }
});

function named(name: string): Scenario & { kind: 'custom' } {
  const s = scenarios.find((x) => x.name === name);
  if (s?.kind !== 'custom') throw new Error(`no custom scenario ${name}`);
  return s;
}

async function run(
  name: string,
  mode: ModeName,
  on: LoadedEngine = engine,
): Promise<{ m: CustomMeasurement; dir: string }> {
  const dir = tempDir('scaling-');
  const m = await named(name).run(scenarioContext(on, mode, dir, TINY_PROFILE, []));
  return { m, dir };
}

describe('scaling scenarios', () => {
  it('are 1, 2 and 4 workers, each measuring itself, once per mode', () => {
    expect(scenarios.map((s) => [s.name, s.kind, s.writes, s.labels?.workers])).toEqual([
      ['scaling/disjoint_runs/1', 'custom', true, 1],
      ['scaling/disjoint_runs/2', 'custom', true, 2],
      ['scaling/disjoint_runs/4', 'custom', true, 4],
    ]);
  });

  it.each([
    ['scaling/disjoint_runs/1', 'inMemory', 1],
    ['scaling/disjoint_runs/1', 'buffered', 1],
    ['scaling/disjoint_runs/1', 'strict', 1],
    ['scaling/disjoint_runs/2', 'strict', 2],
    ['scaling/disjoint_runs/4', 'inMemory', 4],
  ] as const)(
    '%s in %s: every worker committed every put it counted',
    async (name, mode, workers) => {
      const { m, dir } = await run(name, mode);
      expect(m.verification).toEqual({ ok: true });
      expect(m.roundNs).toHaveLength(TINY_PROFILE.scaling.rounds);
      expect(m.perWorker.map((w) => w.worker)).toEqual([...Array(workers).keys()]);
      // Workers put in blocks of 8 between clock reads, at least one block a round.
      for (const w of m.perWorker) expect(w.ops % 8).toBe(0);
      // The op count covers the warm-up round too.
      const timed = m.perWorker.reduce((sum, w) => sum + w.ops, 0);
      expect(m.opCount).toBeGreaterThanOrEqual(timed + 8 * workers);
      expect(m.opCount % 8).toBe(0);
      expect(m.labels).toEqual({ availableParallelism: os.availableParallelism() });
      // One database per worker, in a folder of its own (none on disk in inMemory).
      const expected =
        mode === 'inMemory' ? [] : [...Array(workers).keys()].map((w) => `worker-${w}`);
      expect(fs.readdirSync(dir).sort()).toEqual(expected);
    },
  );

  it('a put that is not committed fails the proof, naming the worker', async () => {
    const { m } = await run('scaling/disjoint_runs/1', 'inMemory', lossy);
    expect(m.verification.ok).toBe(false);
    const reason = m.verification.ok ? '' : m.verification.reason;
    const found = /^worker 0: (\d+) puts but (\d+) engine commits$/.exec(reason);
    expect(found, reason).not.toBeNull();
    const puts = Number(found?.[1]);
    expect(puts).toBe(m.opCount);
    expect(Number(found?.[2])).toBe(puts - Math.floor(puts / 100));
  });

  it('an engine without KVStore or without the mode: unsupported before any worker starts', async () => {
    const m3 = await loadEngine(FAKE_ENGINE_DIR);
    await expect(run('scaling/disjoint_runs/2', 'strict', m3)).rejects.toThrow(
      new UnsupportedError('this engine does not export KVStore'),
    );
    const noInMemory: LoadedEngine = {
      ...engine,
      capabilities: {
        ...engine.capabilities,
        modes: { ...engine.capabilities.modes, inMemory: { supported: false, reason: 'not here' } },
      },
    };
    await expect(run('scaling/disjoint_runs/2', 'inMemory', noInMemory)).rejects.toThrow(
      new UnsupportedError('inMemory: not here'),
    );
  });

  it('a worker that cannot load its engine fails the run with its error', async () => {
    const broken: LoadedEngine = { ...engine, module: 'file:///nonexistent/engine.mjs' };
    await expect(run('scaling/disjoint_runs/1', 'inMemory', broken)).rejects.toThrow(
      /could not import the engine at .*: .*nonexistent\/engine\.mjs/,
    );
  });
});
