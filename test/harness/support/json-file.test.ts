import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJsonFile } from '../../../harness/support/json-file.ts';
import { tempDir } from '../helpers.ts';

class BadFile extends Error {}

/** The caller's error type, naming the file as the harness's callers do. */
const failFor = (file: string) => (reason: string) => new BadFile(`${file}: ${reason}`);

describe('readJsonFile', () => {
  it('returns the parsed value', () => {
    const file = path.join(tempDir(), 'ok.json');
    fs.writeFileSync(file, '{"schemaVersion": 1, "list": [1, 2]}');
    expect(readJsonFile(file, failFor(file))).toEqual({ schemaVersion: 1, list: [1, 2] });
  });

  it("a file that can't be read: the caller's error, with the errno code", () => {
    const file = path.join(tempDir(), 'missing.json');
    let thrown: unknown;
    try {
      readJsonFile(file, failFor(file));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(BadFile);
    expect((thrown as Error).message).toBe(`${file}: can't read it (ENOENT)`);
    const dir = tempDir();
    expect(() => readJsonFile(dir, failFor(dir))).toThrow(`${dir}: can't read it (EISDIR)`);
  });

  it("text that isn't JSON: the caller's error, with the parser's message", () => {
    const file = path.join(tempDir(), 'bad.json');
    fs.writeFileSync(file, '{ not json');
    expect(() => readJsonFile(file, failFor(file))).toThrow(BadFile);
    expect(() => readJsonFile(file, failFor(file))).toThrow(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON \\(.*JSON.*\\)$`),
    );
    fs.writeFileSync(file, '');
    expect(() => readJsonFile(file, failFor(file))).toThrow(/: not valid JSON \(/);
  });
});
