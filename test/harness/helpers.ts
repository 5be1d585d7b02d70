/** Shared fixtures for the harness tests. */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT } from '../../harness/support/paths.ts';
import type { Profile } from '../../harness/config/profiles.ts';
import type { ResultsFile, ScenarioResult } from '../../harness/results/results-file.ts';
import { tempDir } from '../temp-dirs.ts';

export const FAKE_ENGINE_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'fake-engine');
export const BROKEN_SCENARIOS_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'broken-scenarios');
/** One job, core/slow_setup, that writes `started` (its pid) in its folder and then waits. */
export const SLOW_SCENARIOS_DIR = path.join(REPO_ROOT, 'test', 'fixtures', 'slow-scenarios');

/** Measures almost nothing: for tests of logic, in-process (no heap pass: no --expose-gc). */
export const TINY_PROFILE: Profile = {
  name: 'tiny',
  bench: { maxTime: 0.01, minSamples: 2, minTime: 0.002 },
  warmupMs: 1,
  latency: { maxOps: 200, maxMs: 10, minOps: 1 },
  heap: { windows: 0, opsPerWindow: 10, maxAttempts: 1, windowMs: 1 },
  scaling: { warmupMs: 5, rounds: 1, roundMs: 10 },
  replicate: { warmupMs: 2, maxWarmupMs: 20, windowMs: 0.2, windows: 4, pairsPerRound: 2 },
  childTimeoutMs: 30_000,
};

export { tempDir };

/**
 * Temporary directories a test file removes in its afterAll: `const tmp = tempDirs();` then
 * `tmp.make()` in tests and `afterAll(tmp.removeAll)`.
 */
export function tempDirs(prefix = 'harness-test-'): { make(): string; removeAll(): void } {
  const dirs: string[] = [];
  return {
    make() {
      const d = tempDir(prefix);
      dirs.push(d);
      return d;
    },
    removeAll() {
      for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
    },
  };
}

/**
 * The harness CLI of the repository at `root` (default this one) as `npm run harness --` runs
 * it, without npm's own output: a child process, never rejecting, with CI=true (no progress
 * bars, and a missing browser is an error rather than a skip). `detached`: in a process group
 * of its own, which `process.kill(-pid, signal)` signals as a terminal's Ctrl-C does;
 * `timeout` (ms): killed after it (then `timedOut` is true), so a hang fails the test.
 */
export function runHarness(
  args: readonly string[],
  root = REPO_ROOT,
  env: Record<string, string> = {},
  options: { detached?: boolean; timeout?: number } = {},
) {
  return execa(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'harness', 'cli', 'main.ts'), ...args],
    {
      cwd: root,
      reject: false,
      env: { CI: 'true', ...env },
      detached: options.detached === true,
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    },
  );
}

export function okResult(overrides: Partial<ScenarioResult> = {}): ScenarioResult {
  return {
    id: 'core/map_set',
    name: 'core/map_set',
    layer: 'A0',
    mode: null,
    durLabel: null,
    writes: false,
    guarantee: 'g',
    catches: 'c',
    durationMs: 1000,
    status: 'ok',
    reason: null,
    hz: 50_000_000,
    meanNs: 20,
    medianNs: 20,
    sdNs: 1,
    rme: 1.5,
    samples: { count: 2, ns: [19, 21] },
    latency: {
      count: 100,
      min: 10,
      p50: 20,
      p90: 30,
      p99: 40,
      p999: 50,
      max: 60,
      mean: 22,
      timerOverheadNs: 40,
    },
    bytesPerOp: 0,
    heap: {
      bytesPerOp: 0,
      windows: [0, 0, 0],
      opsPerWindow: 1000,
      discarded: 0,
      baselineBytes: 616,
    },
    opCount: 1234,
    perWorker: null,
    phaseMs: { bench: 300 },
    labels: { access: 'uniform' },
    ...overrides,
  };
}

export function resultsFile(results: ScenarioResult[] = [okResult()]): ResultsFile {
  return {
    schemaVersion: 1,
    runId: '20250101-000000-abcdef',
    createdAt: '2025-01-01T00:00:00.000Z',
    command: 'harness bench --profile quick',
    profile: { ...TINY_PROFILE },
    engine: {
      dir: '/x/engine',
      commit: null,
      tag: null,
      dirty: null,
      capabilities: {
        builder: false,
        modes: {
          inMemory: { supported: false, reason: 'no builder' },
          buffered: { supported: false, reason: 'no builder' },
          strict: { supported: true, reason: null },
        },
      },
    },
    environment: {
      node: 'v20.0.0',
      v8: '11',
      platform: 'linux',
      osRelease: '6',
      arch: 'x64',
      cpuModel: 'cpu',
      cores: 2,
      availableParallelism: 2,
      totalMemoryBytes: 1024,
      hostHash: 'abc',
      ci: false,
      childFlags: ['--expose-gc'],
    },
    wallTimeMs: 1000,
    results,
  };
}

/**
 * The e2e comparisons' configuration: perf.config.json with a 120 s budget per pass (and room
 * for 80 rounds), so a job that can't resolve ends inconclusive in bounded time. Sampling,
 * alpha, trimming and the threshold are the defaults. Returns the file written into `dir`.
 */
export function comparisonTestConfig(dir: string): string {
  const config = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'perf.config.json'), 'utf8')) as {
    compare: { maxRounds: number; budgetSeconds: { quick: number; full: number } };
  };
  config.compare.maxRounds = 80;
  config.compare.budgetSeconds.quick = 120;
  const file = path.join(dir, 'perf.test-config.json');
  fs.writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}
