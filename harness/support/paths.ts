/** Where things are, relative to this file (not to the current directory). */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HARNESS_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const REPO_ROOT = path.dirname(HARNESS_DIR);
/** This tree's engine: what `--engine` defaults to. */
export const DEFAULT_ENGINE_DIR = path.join(REPO_ROOT, 'engine');
/** Every module here exports `scenarios` (the catalogue is found by convention). */
export const SCENARIOS_DIR = path.join(HARNESS_DIR, 'scenarios');
export const REPORTS_DIR = path.join(REPO_ROOT, 'reports');
/**
 * Set in a child process's environment to the folder of the run's bundles (bundle.ts), for
 * code that starts worker threads of its own.
 */
export const BUNDLE_DIR_ENV = 'INMEM_PERF_BUNDLE_DIR';
