import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import {
  BUNDLE_DIR_ENV,
  DEFAULT_ENGINE_DIR,
  HARNESS_DIR,
  REPORTS_DIR,
  REPO_ROOT,
  SCENARIOS_DIR,
} from '../../../harness/support/paths.ts';
import { tempDir } from '../helpers.ts';

/** This file is test/harness/support/paths.test.ts: the repository is three folders up. */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('paths', () => {
  it('are computed from the module, not from the current directory', async () => {
    expect(REPO_ROOT).toBe(ROOT);
    expect(HARNESS_DIR).toBe(path.join(ROOT, 'harness'));
    expect(DEFAULT_ENGINE_DIR).toBe(path.join(ROOT, 'engine'));
    expect(SCENARIOS_DIR).toBe(path.join(ROOT, 'harness', 'scenarios'));
    expect(REPORTS_DIR).toBe(path.join(ROOT, 'reports'));
    // A fresh copy of the module, imported from another current directory, agrees.
    const cwd = process.cwd();
    process.chdir(tempDir());
    try {
      vi.resetModules();
      const fresh = await import('../../../harness/support/paths.ts');
      expect(fresh.REPO_ROOT).toBe(ROOT);
      expect(fresh.SCENARIOS_DIR).toBe(path.join(ROOT, 'harness', 'scenarios'));
    } finally {
      process.chdir(cwd);
    }
  });

  it('name the folders that hold what they say', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
      name: string;
    };
    expect(pkg.name).toBe('in-mem-perf');
    expect(fs.existsSync(path.join(DEFAULT_ENGINE_DIR, 'src', 'index.ts'))).toBe(true);
    expect(fs.existsSync(path.join(SCENARIOS_DIR, 'kvstore.ts'))).toBe(true);
    expect(fs.existsSync(path.join(HARNESS_DIR, 'support', 'paths.ts'))).toBe(true);
  });

  it('the bundle folder variable has the name children read', () => {
    expect(BUNDLE_DIR_ENV).toBe('INMEM_PERF_BUNDLE_DIR');
  });
});
