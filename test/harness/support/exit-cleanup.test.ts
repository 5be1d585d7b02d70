import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../harness/support/paths.ts';
import { tempDirs } from '../helpers.ts';

const dirs = tempDirs();
afterAll(dirs.removeAll);
const CHILD = path.join(REPO_ROOT, 'test', 'fixtures', 'exit-cleanup-child.ts');
const ABANDONED_CHILD = path.join(REPO_ROOT, 'test', 'fixtures', 'abandoned-child.ts');

/**
 * Starts a fixture child and resolves once it has printed "ready" (wrapped: the child is a
 * promise itself, which an async function would wait for).
 */
async function started(file: string, ...args: string[]) {
  const child = execa(process.execPath, ['--import', 'tsx', file, ...args], {
    cwd: REPO_ROOT,
    reject: false,
  });
  await new Promise<void>((resolve) => {
    child.stdout?.on('data', (b: Buffer) => {
      if (b.toString().includes('ready')) resolve();
    });
  });
  return { child };
}

describe('removeOnExit', () => {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`removes the folder and exits ${code} on ${signal}`, async () => {
      const dir = path.join(dirs.make(), 'scratch');
      const child = execa(process.execPath, ['--import', 'tsx', CHILD, dir], {
        cwd: REPO_ROOT,
        reject: false,
      });
      await new Promise<void>((resolve) => {
        child.stdout?.on('data', (b: Buffer) => {
          if (b.toString().includes('ready')) resolve();
        });
      });
      expect(fs.existsSync(dir)).toBe(true);
      child.kill(signal);
      const r = await child;
      expect(r.exitCode).toBe(code);
      expect(fs.existsSync(dir)).toBe(false);
    });
  }
});

describe("removeIfAbandoned (a child in its parent's scratch folder)", () => {
  it('leaves the folder on a normal exit: the parent still has to read it', async () => {
    const dir = path.join(dirs.make(), 'scratch');
    const { child } = await started(ABANDONED_CHILD, dir, 'exit');
    const r = await child;
    expect(r.exitCode).toBe(0);
    expect(fs.existsSync(dir)).toBe(true);
  });

  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`removes it on ${signal} (exit ${code})`, async () => {
      const dir = path.join(dirs.make(), 'scratch');
      const { child } = await started(ABANDONED_CHILD, dir, 'wait');
      expect(fs.existsSync(dir)).toBe(true);
      child.kill(signal);
      const r = await child;
      expect(r.exitCode).toBe(code);
      expect(fs.existsSync(dir)).toBe(false);
    });
  }
});
