/**
 * Shared fixture for the primitive tests: a fresh database in its own temp directory, which a
 * test can close and reopen (to exercise the WAL round trip) and which is removed afterwards.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Database } from '../../../engine/src/index.ts';

export class TempDb {
  readonly dir: string;
  db: Database;

  constructor(prefix: string) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `inmem-${prefix}-`));
    this.db = Database.open(this.dir);
  }

  /** Closes the database and opens the same directory again (recovery replays the WAL). */
  reopen(): Database {
    this.db.close();
    this.db = Database.open(this.dir);
    return this.db;
  }

  dispose(): void {
    this.db.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Runs `fn`, expects it to throw, and returns what it threw (for checks beyond the class). */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to throw, but it returned');
}
