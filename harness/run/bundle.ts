/**
 * Child processes start on plain `node` with JavaScript that esbuild bundled once per run,
 * not on tsx transpiling the TypeScript sources in every child: started and with the harness
 * and engine imported, a bundled child took 0.34 s, a tsx one 0.77 s (`node -e 0` 0.14 s;
 * medians of 7 at the same moment on the 2-core machine).
 *
 * One run builds:
 *   - `harness.mjs`: the measuring code and the whole scenario catalogue (the scenario
 *     modules found in the scenarios directory, imported statically by a generated entry);
 *   - `side.mjs`: the catalogue and one replicate side's timing code (replicate.ts);
 *   - `child.mjs`, `replicate.mjs` and `disjoint-run-worker.mjs`: the child process's entry,
 *     the worker-thread entry of a replicate side (which imports `side.mjs` by URL), and the
 *     scaling scenario's worker;
 *   - one `engine.mjs` per engine directory measured.
 *
 * Packages stay external and resolve at run time from where the bundle lives: the harness's
 * bundles sit in this repository's `node_modules/.cache/inmem-perf/`, an engine's in the
 * `node_modules/.cache/` its own directory resolves packages from (a baseline checkout's
 * dependency cache when its lockfile differs), so each engine runs with its own
 * dependencies. Every `import.meta.url` in a bundled module is replaced by the URL of its
 * source file, so paths computed from it (paths.ts, worker entries) still point at the tree.
 *
 * The run's folder is removed when the process exits, also after Ctrl-C or SIGTERM
 * (exit-cleanup.ts); folders left by a killed process are removed by the next run.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { engineEntry } from '../engine-api/adapter.ts';
import { UsageError, errorMessage } from '../support/errors.ts';
import { HARNESS_DIR, REPO_ROOT } from '../support/paths.ts';
import { removeOnExit } from '../support/exit-cleanup.ts';
import { pidAlive } from '../support/pid.ts';
import { scenarioModules } from '../catalogue/registry.ts';

export const CACHE_DIRNAME = 'inmem-perf';

export interface HarnessBundle {
  /** File URL of the measuring code + catalogue (imported by the entries below). */
  harness: string;
  /** Path of the child-process entry. */
  child: string;
  /** Path of the replicate worker entry. */
  replicate: string;
  /** The folder (its worker entries: `disjoint-run-worker.mjs`). */
  dir: string;
  /**
   * File URL of one replicate side: the catalogue and the side's timing code, nothing else
   * (no benchmark.js, no statistics), so a worker imports it twice in a few milliseconds.
   */
  side: string;
}

/** Replaces `import.meta.url` in each bundled source file by that file's own URL. */
const sourceUrls: Plugin = {
  name: 'source-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.(ts|mts|js|mjs)$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const text = fs.readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      return {
        contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
        loader: args.path.endsWith('ts') ? 'ts' : 'js',
      };
    });
  },
};

function ownerPid(name: string): number | null {
  const m = /^run-(\d+)-[0-9a-f]+$/.exec(name);
  return m === null ? null : Number(m[1]);
}

/** Removes the run folders under `cacheDir` whose owning process is gone. */
export function pruneStaleBundles(cacheDir: string): void {
  if (!fs.existsSync(cacheDir)) return;
  for (const name of fs.readdirSync(cacheDir)) {
    const pid = ownerPid(name);
    if (pid !== null && pid !== process.pid && !pidAlive(pid)) {
      fs.rmSync(path.join(cacheDir, name), { recursive: true, force: true });
    }
  }
}

/** A fresh folder for this process's bundles under `<nodeModules>/.cache/inmem-perf/`. */
function runDir(nodeModules: string): string {
  const cacheDir = path.join(nodeModules, '.cache', CACHE_DIRNAME);
  fs.mkdirSync(cacheDir, { recursive: true });
  pruneStaleBundles(cacheDir);
  const dir = path.join(cacheDir, `run-${process.pid}-${randomBytes(4).toString('hex')}`);
  fs.mkdirSync(dir);
  removeOnExit(dir);
  return dir;
}

/** The node_modules folder packages imported from `dir` resolve to (its real path), or null. */
export function nodeModulesFor(dir: string): string | null {
  let d = path.resolve(dir);
  for (;;) {
    const candidate = path.join(d, 'node_modules');
    if (fs.existsSync(candidate)) return fs.realpathSync(candidate);
    const up = path.dirname(d);
    if (up === d) return null;
    d = up;
  }
}

async function bundle(entry: { file: string } | { code: string; dir: string }, out: string) {
  try {
    await build({
      ...('file' in entry
        ? { entryPoints: [entry.file] }
        : { stdin: { contents: entry.code, resolveDir: entry.dir, loader: 'ts' } }),
      outfile: out,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      plugins: [sourceUrls],
      logLevel: 'silent',
      // Names stay as written: stack traces and benchmark names read the same as under tsx.
      keepNames: true,
    });
  } catch (err) {
    const what = 'file' in entry ? entry.file : `the catalogue of ${entry.dir}`;
    throw new UsageError(
      `could not bundle ${what} for the child processes: ${errorMessage(err)}`,
      'fix the TypeScript error above (npm run typecheck shows it too)',
    );
  }
}

const harnessBundles = new Map<string, Promise<HarnessBundle>>();
const engineBundles = new Map<string, Promise<string>>();

/** The harness bundle for a scenarios directory, built once per process. */
export function harnessBundle(scenariosDir: string): Promise<HarnessBundle> {
  const key = path.resolve(scenariosDir);
  let p = harnessBundles.get(key);
  if (p === undefined) {
    p = buildHarness(key);
    harnessBundles.set(key, p);
  }
  return p;
}

async function buildHarness(scenariosDir: string): Promise<HarnessBundle> {
  const dir = runDir(path.join(REPO_ROOT, 'node_modules'));
  const modules = scenarioModules(scenariosDir);
  const entry = (exportsFrom: string) =>
    [
      ...modules.map((m, i) => `import * as m${i} from ${JSON.stringify(m)};`),
      `import { catalogueFromModules } from ${JSON.stringify(path.join(HARNESS_DIR, 'catalogue', 'registry.ts'))};`,
      `export * from ${JSON.stringify(path.join(HARNESS_DIR, exportsFrom))};`,
      `export const catalogue = catalogueFromModules([${modules.map((m, i) => `{ file: ${JSON.stringify(m)}, exports: m${i} }`).join(', ')}]);`,
    ].join('\n');
  const harness = path.join(dir, 'harness.mjs');
  const side = path.join(dir, 'side.mjs');
  const child = path.join(dir, 'child.mjs');
  const replicate = path.join(dir, 'replicate.mjs');
  await Promise.all([
    bundle({ code: entry('measure/child-task.ts'), dir: HARNESS_DIR }, harness),
    bundle({ code: entry('measure/replicate.ts'), dir: HARNESS_DIR }, side),
    bundle({ file: path.join(HARNESS_DIR, 'measure', 'child.ts') }, child),
    bundle({ file: path.join(HARNESS_DIR, 'measure', 'replicate-worker.ts') }, replicate),
    bundle(
      { file: path.join(HARNESS_DIR, 'scenarios', 'workers', 'disjoint-run-worker.ts') },
      path.join(dir, 'disjoint-run-worker.mjs'),
    ),
  ]);
  return {
    harness: pathToFileURL(harness).href,
    side: pathToFileURL(side).href,
    child,
    replicate,
    dir,
  };
}

/** The file URL of a bundle of the engine at `engineDir`, built once per process. */
export function engineBundle(engineDir: string): Promise<string> {
  const key = path.resolve(engineDir);
  let p = engineBundles.get(key);
  if (p === undefined) {
    p = (async () => {
      const nm = nodeModulesFor(key) ?? path.join(REPO_ROOT, 'node_modules');
      const out = path.join(runDir(nm), 'engine.mjs');
      await bundle({ file: engineEntry(key) }, out);
      return pathToFileURL(out).href;
    })();
    engineBundles.set(key, p);
  }
  return p;
}
