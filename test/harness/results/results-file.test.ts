import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../../../harness/support/paths.ts';
import {
  ResultsFileError,
  readResults,
  writeResults,
} from '../../../harness/results/results-file.ts';
import { formatPath } from '../../../harness/support/json-file.ts';
import { UsageError } from '../../../harness/support/errors.ts';
import { okResult, resultsFile, tempDir } from '../helpers.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function fileWith(content: string): string {
  const dir = tempDir();
  dirs.push(dir);
  const file = path.join(dir, 'results.json');
  fs.writeFileSync(file, content);
  return file;
}

function good(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(resultsFile())) as Record<string, unknown>;
}

function errorOf(fn: () => unknown): ResultsFileError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ResultsFileError) return err;
    throw err;
  }
  throw new Error('expected a ResultsFileError');
}

describe('results files', () => {
  it('round-trip a valid file', () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = path.join(dir, 'nested', 'results.json');
    const data = resultsFile([
      okResult(),
      okResult({
        id: 'kvstore/put/hot_key/dur_inmemory',
        name: 'kvstore/put/hot_key',
        layer: 'B',
        mode: 'inMemory',
        durLabel: 'dur_inmemory',
        writes: true,
        status: 'unsupported',
        reason: 'no builder',
        hz: null,
        meanNs: null,
        opCount: null,
      }),
    ]);
    writeResults(file, data);
    expect(readResults(file)).toEqual(data);
  });

  it('refuse truncated JSON, naming the file (exit 2 class)', () => {
    const text = JSON.stringify(resultsFile());
    const file = fileWith(text.slice(0, text.length / 2));
    const err = errorOf(() => readResults(file));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/not valid JSON/);
  });

  it('refuse a wrong type, naming the file and the field', () => {
    const data = good();
    (data.results as Array<Record<string, unknown>>)[0]!.hz = 'fast';
    const file = fileWith(JSON.stringify(data));
    const err = errorOf(() => readResults(file));
    expect(err.file).toBe(file);
    expect(err.field).toBe('results[0].hz');
    expect(err.message).toContain(file);
    expect(err.message).toContain('field "results[0].hz"');
  });

  it('refuse an ok result without figures, and a failure without a reason', () => {
    const data = good();
    const results = data.results as Array<Record<string, unknown>>;
    results[0]!.meanNs = null;
    expect(errorOf(() => readResults(fileWith(JSON.stringify(data)))).field).toBe(
      'results[0].meanNs',
    );
    results[0]!.meanNs = 20;
    results[0]!.status = 'failed';
    expect(errorOf(() => readResults(fileWith(JSON.stringify(data)))).field).toBe(
      'results[0].reason',
    );
  });

  it('refuse unknown fields (a typo is not silently dropped)', () => {
    const data = good();
    (data.environment as Record<string, unknown>).cpuModle = 'x';
    expect(errorOf(() => readResults(fileWith(JSON.stringify(data)))).field).toBe('environment');
  });

  it('refuse a foreign JSON file by its missing schemaVersion', () => {
    const err = errorOf(() => readResults(path.join(REPO_ROOT, 'package.json')));
    expect(err.field).toBe('schemaVersion');
    expect(err.message).toContain('package.json');
  });

  it('refuse another schema version, saying which', () => {
    const data = good();
    data.schemaVersion = 2;
    const err = errorOf(() => readResults(fileWith(JSON.stringify(data))));
    expect(err.message).toMatch(/schema version 2; this harness reads version 1/);
  });

  it('refuse a missing file', () => {
    expect(errorOf(() => readResults('/nonexistent/results.json')).message).toMatch(/ENOENT/);
  });

  it('are validated on write too', () => {
    const dir = tempDir();
    dirs.push(dir);
    const file = path.join(dir, 'results.json');
    const bad = resultsFile([okResult({ latency: null, opCount: -1 })]);
    expect(() => writeResults(file, bad)).toThrow(/results\[0\]\.opCount/);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('format zod paths as field names', () => {
    expect(formatPath(['results', 3, 'latency', 'p99'])).toBe('results[3].latency.p99');
    expect(formatPath([])).toBe('(root)');
  });
});
