import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../harness/support/paths.ts';
import { tempDirs } from '../helpers.ts';

const dirs = tempDirs();
afterAll(dirs.removeAll);
const CHILD = path.join(REPO_ROOT, 'test', 'fixtures', 'exit-cleanup-child.ts');

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
