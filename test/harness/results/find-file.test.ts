/** find.json: validated on write and read, with the file and the field named when unusable. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FindFileError,
  readFindFile,
  writeFindFile,
  type FindFile,
} from '../../../harness/results/find-file.ts';
import { UsageError } from '../../../harness/support/errors.ts';
import { findFile, shaOf } from '../find-fixture.ts';
import { tempDirs } from '../helpers.ts';

const dirs = tempDirs('find-file-');
afterAll(() => dirs.removeAll());

function errorOf(fn: () => unknown): FindFileError {
  try {
    fn();
  } catch (err) {
    if (err instanceof FindFileError) return err;
    throw err;
  }
  throw new Error('expected a FindFileError');
}

describe('find.json', () => {
  it('round-trips every kind of result, and an unfinished search', () => {
    const file = path.join(dirs.make(), 'nested', 'find.json');
    const results: Array<FindFile['result']> = [
      findFile().result,
      { kind: 'not-slower' },
      {
        kind: 'inconclusive',
        after: { commit: shaOf(4), subject: 'commit 4' },
        through: { commit: shaOf(6), subject: 'commit 6' },
        throughSlower: true,
        range: [5, 6].map((n) => ({ commit: shaOf(n), subject: `commit ${n}` })),
      },
      null,
    ];
    for (const result of results) {
      const data = { ...findFile(), result };
      writeFindFile(file, data);
      expect(readFindFile(file)).toEqual(data);
    }
    expect(fs.readdirSync(path.dirname(file))).toEqual(['find.json']);
  });

  it('refuses to write a summary that breaks the schema, naming the field', () => {
    const file = path.join(dirs.make(), 'find.json');
    const data = findFile();
    (data.steps[1] as { commit: string }).commit = 'HEAD~1';
    const err = errorOf(() => writeFindFile(file, data));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(
      `find summary ${file} is not usable: field "steps[1].commit": must be a full commit sha`,
    );
    expect(fs.existsSync(file)).toBe(false);
  });

  it('a missing, corrupt or foreign file names the file', () => {
    const dir = dirs.make();
    const missing = path.join(dir, 'absent.json');
    expect(errorOf(() => readFindFile(missing)).message).toMatch(/can't read it \(ENOENT\)/);
    const corrupt = path.join(dir, 'corrupt.json');
    fs.writeFileSync(corrupt, '{"schemaVersion": 1,');
    expect(errorOf(() => readFindFile(corrupt)).message).toContain(`${corrupt} is not usable`);
    const foreign = path.join(dir, 'results.json');
    fs.writeFileSync(foreign, JSON.stringify({ schemaVersion: 1, results: [] }));
    expect(errorOf(() => readFindFile(foreign)).field).not.toBeNull();
  });
});
