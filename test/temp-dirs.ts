/**
 * Every temporary directory a test makes with `tempDir` is removed when its test file ends
 * (test/setup.ts registers the afterAll), so `npm test` leaves nothing in the OS temp folder.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];

export function tempDir(prefix = 'harness-test-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

export function removeTempDirs(): void {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}
