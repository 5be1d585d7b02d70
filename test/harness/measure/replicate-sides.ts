/**
 * Synthetic replicate sides for the tests of replicate-pair.ts and child-task.ts: the real
 * worker entry (harness/measure/replicate-worker.ts, bundled by esbuild as bundle.ts bundles
 * it, since a worker thread runs plain JavaScript) driving test/fixtures/replicate-side.mjs,
 * a side whose figures and failures the test sets and which logs every command it gets.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { HARNESS_DIR, REPO_ROOT } from '../../../harness/support/paths.ts';
import type { SideSpec } from '../../../harness/measure/replicate.ts';
import { TINY_PROFILE, tempDir } from '../helpers.ts';

/** The side module the worker imports. */
export const SIDE_MODULE = pathToFileURL(
  path.join(REPO_ROOT, 'test', 'fixtures', 'replicate-side.mjs'),
).href;

let entry: Promise<string> | undefined;

/** Path of a bundle of the real replicate worker entry, built once per test file. */
export function replicateWorkerEntry(): Promise<string> {
  entry ??= (async () => {
    const out = path.join(tempDir('replicate-worker-'), 'replicate.mjs');
    await build({
      entryPoints: [path.join(HARNESS_DIR, 'measure', 'replicate-worker.ts')],
      outfile: out,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
    });
    return out;
  })();
  return entry;
}

/** What test/fixtures/replicate-side.mjs reads from a SideSpec's `scenario` (its comment). */
export interface FakeSide {
  kind?: 'op' | 'custom';
  ns: number[];
  ops: number;
  steadyAfter?: number;
  fail?: 'setup' | 'unsupported' | 'proof' | 'throw' | 'exit';
  failIn?: string;
}

/** A place for one replicate's two sides: their tmpDirs and the shared command log. */
export function replicateDir(): { log: string; spec(tag: 'B' | 'C', side: FakeSide): SideSpec } {
  const root = tempDir('replicate-sides-');
  const log = path.join(root, 'commands.log');
  fs.writeFileSync(log, '');
  return {
    log,
    spec(tag, side) {
      const tmpDir = path.join(root, tag);
      fs.mkdirSync(tmpDir, { recursive: true });
      return {
        scenario: JSON.stringify({ ...side, tag, log }),
        mode: null,
        engineDir: path.join(REPO_ROOT, 'engine'),
        engineModule: 'unused: the synthetic side loads no engine',
        tmpDir,
        profile: TINY_PROFILE,
        slowdown: 0,
        wrapped: false,
      };
    },
  };
}

/** The log's lines, in order. */
export function commands(log: string): string[] {
  return fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
}
