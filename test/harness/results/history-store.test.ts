/**
 * The history folder (history-store.ts): one record per machine and commit at
 * results/<machine>/<commit>.json (plus <commit>.baseline.json for a paired one), replaced
 * whole; readHistory's order (by commit date, a parent before its child on equal dates) and
 * its skipping of unreadable records with the reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  hasRecord,
  readHistory,
  recordFile,
  writeRecord,
} from '../../../harness/results/history-store.ts';
import type {
  HistoryPoint,
  JobComparison,
  ResultsFile,
} from '../../../harness/results/results-file.ts';
import { okResult, resultsFile, tempDirs } from '../helpers.ts';

const tmp = tempDirs('history-store-test-');

/** A 40-hex sha made of one repeated character. */
const sha = (c: string): string => c.repeat(40);

function record(point: Partial<HistoryPoint> & { commit: string }, ns = 20): ResultsFile {
  return {
    ...resultsFile([okResult({ medianNs: ns, meanNs: ns })]),
    history: {
      committedAt: '2025-03-01T12:00:00Z',
      subject: `commit ${point.commit.slice(0, 4)}`,
      parent: null,
      depth: 1,
      machine: 'box-a',
      ...point,
    },
  };
}

function comparison(commit: string | null): NonNullable<ResultsFile['comparison']> {
  const side = { label: 'side', commit, source: 'ref', file: 'somewhere.json' };
  const job: JobComparison = {
    id: 'core/map_set',
    name: 'core/map_set',
    mode: null,
    baselineMode: null,
    baselineSamples: [20, 21],
    candidateSamples: [20, 21],
    rounds: 2,
    stoppedBy: 'resolved',
    confirmed: null,
    note: null,
    comparison: {
      nBaseline: 2,
      nCandidate: 2,
      baselineMedian: 20.5,
      candidateMedian: 20.5,
      ratio: 1,
      ci: [0.99, 1.01],
      pValue: 0.9,
      df: 1,
      classification: 'unchanged',
      threshold: 0.05,
      alpha: 0.02,
      confidence: 0.95,
      method: 'paired-trimmed-log-t',
      reason: 'r',
    },
  };
  return { baseline: side, candidate: side, rounds: 2, notes: [], jobs: [job] };
}

const commitsOf = (dir: string, machine = 'box-a'): string[] =>
  readHistory(dir)
    .machines.find((m) => m.machine === machine)
    ?.records.map((r) => r.point.commit) ?? [];

describe('recordFile and hasRecord', () => {
  it('names <dir>/results/<machine>/<commit>.json, and says whether it is there', () => {
    const dir = tmp.make();
    expect(recordFile(dir, 'box-a', sha('a'))).toBe(
      path.join(dir, 'results', 'box-a', `${sha('a')}.json`),
    );
    expect(hasRecord(dir, 'box-a', sha('a'))).toBe(false);
    expect(writeRecord(dir, record({ commit: sha('a') }))).toBe(recordFile(dir, 'box-a', sha('a')));
    expect(hasRecord(dir, 'box-a', sha('a'))).toBe(true);
    // Per machine and per commit.
    expect(hasRecord(dir, 'box-b', sha('a'))).toBe(false);
    expect(hasRecord(dir, 'box-a', sha('b'))).toBe(false);
  });
});

describe('writeRecord', () => {
  it('refuses results without a history section, writing nothing', () => {
    const dir = tmp.make();
    expect(() => writeRecord(dir, resultsFile())).toThrow(/needs its history section/);
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  it('writes a valid results file that reads back as the record, with no temp file left', () => {
    const dir = tmp.make();
    const results = record({ commit: sha('a'), subject: 'a "quoted" subject' });
    const file = writeRecord(dir, results);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual(results);
    expect(fs.readdirSync(path.dirname(file))).toEqual([`${sha('a')}.json`]);
    const { machines, problems } = readHistory(dir);
    expect(problems).toEqual([]);
    expect(machines).toHaveLength(1);
    expect(machines[0]?.records[0]).toEqual({
      file,
      baselineFile: null,
      point: results.history,
      results,
    });
  });

  it('a paired record: stores the baseline side next to it and points the comparison at it', () => {
    const dir = tmp.make();
    const results = { ...record({ commit: sha('b') }), comparison: comparison(sha('a')) };
    const baseline = record({ commit: sha('a') });
    const file = writeRecord(dir, results, baseline);
    const baselineFile = path.join(path.dirname(file), `${sha('b')}.baseline.json`);
    expect(JSON.parse(fs.readFileSync(baselineFile, 'utf8'))).toEqual(baseline);
    const written = JSON.parse(fs.readFileSync(file, 'utf8')) as ResultsFile;
    expect(written.comparison?.baseline.file).toBe(`${sha('b')}.baseline.json`);
    // Only the baseline side's file changes.
    expect(written.comparison?.baseline.commit).toBe(sha('a'));
    expect(written.comparison?.candidate).toEqual(results.comparison.candidate);

    const rec = readHistory(dir).machines[0]?.records;
    // The baseline file is the record's other side, not a record of its own.
    expect(rec).toHaveLength(1);
    expect(rec?.[0]?.baselineFile).toBe(baselineFile);
  });

  it('a comparison without its baseline side: the file is null, not a stale name', () => {
    const dir = tmp.make();
    const file = writeRecord(dir, {
      ...record({ commit: sha('b') }),
      comparison: comparison(null),
    });
    const written = JSON.parse(fs.readFileSync(file, 'utf8')) as ResultsFile;
    expect(written.comparison?.baseline.file).toBeNull();
    expect(readHistory(dir).machines[0]?.records[0]?.baselineFile).toBeNull();
  });

  it('replaces a record whole', () => {
    const dir = tmp.make();
    const first = { ...record({ commit: sha('a') }, 20), comparison: comparison(sha('0')) };
    writeRecord(dir, first, record({ commit: sha('0') }));
    const file = writeRecord(dir, record({ commit: sha('a'), subject: 'again' }, 99));
    const again = JSON.parse(fs.readFileSync(file, 'utf8')) as ResultsFile;
    expect(again.comparison).toBeUndefined();
    expect(again.history?.subject).toBe('again');
    expect(again.results[0]?.medianNs).toBe(99);
  });
});

describe('readHistory', () => {
  it('a folder that does not exist, or has no results folder: no machines, no problems', () => {
    const dir = tmp.make();
    expect(readHistory(path.join(dir, 'missing'))).toEqual({ machines: [], problems: [] });
    expect(readHistory(dir)).toEqual({ machines: [], problems: [] });
  });

  it('orders records by commit date, whatever their shas or the dates’ offsets', () => {
    const dir = tmp.make();
    // Written (and named) in an order unlike their dates.
    writeRecord(dir, record({ commit: sha('a'), committedAt: '2025-03-03T00:00:00Z' }));
    writeRecord(dir, record({ commit: sha('b'), committedAt: '2025-03-01T00:00:00Z' }));
    // 10:00+02:00 is 08:00Z: before c's 09:00Z though its clock time reads later.
    writeRecord(dir, record({ commit: sha('c'), committedAt: '2025-03-02T09:00:00Z' }));
    writeRecord(dir, record({ commit: sha('d'), committedAt: '2025-03-02T10:00:00+02:00' }));
    expect(commitsOf(dir)).toEqual([sha('b'), sha('d'), sha('c'), sha('a')]);
  });

  it('equal dates (a rebase): a parent before its child, even against sha order', () => {
    const dir = tmp.make();
    const when = '2025-03-01T12:00:00Z';
    // The chain 9 -> 5 -> 1 (each the parent of the next): sha order is the reverse.
    writeRecord(dir, record({ commit: sha('9'), committedAt: when, parent: null }));
    writeRecord(dir, record({ commit: sha('5'), committedAt: when, parent: sha('9') }));
    writeRecord(dir, record({ commit: sha('1'), committedAt: when, parent: sha('5') }));
    // Unrelated to the chain, same date: by sha among the rest.
    writeRecord(dir, record({ commit: sha('0'), committedAt: when, parent: sha('f') }));
    const order = commitsOf(dir);
    expect(order.indexOf(sha('9'))).toBeLessThan(order.indexOf(sha('5')));
    expect(order.indexOf(sha('5'))).toBeLessThan(order.indexOf(sha('1')));
    expect(order).toEqual([sha('0'), sha('9'), sha('5'), sha('1')]);
  });

  it('equal dates, the commit between unrecorded (backfill --every 2): by first-parent depth', () => {
    const dir = tmp.make();
    const when = '2025-03-01T12:00:00Z';
    // A root and its grandchild: no parent link between the two records, sha order reversed.
    writeRecord(dir, record({ commit: sha('9'), committedAt: when, parent: null, depth: 1 }));
    writeRecord(dir, record({ commit: sha('1'), committedAt: when, parent: sha('4'), depth: 3 }));
    expect(commitsOf(dir)).toEqual([sha('9'), sha('1')]);
  });

  it('a parent whose date is later than its child’s still comes first; each record once', () => {
    const dir = tmp.make();
    writeRecord(
      dir,
      record({ commit: sha('3'), committedAt: '2025-03-01T00:00:00Z', parent: sha('e') }),
    );
    writeRecord(dir, record({ commit: sha('e'), committedAt: '2025-03-05T00:00:00Z' }));
    writeRecord(dir, record({ commit: sha('7'), committedAt: '2025-03-09T00:00:00Z' }));
    expect(commitsOf(dir)).toEqual([sha('e'), sha('3'), sha('7')]);
  });

  it('keeps machines apart, listed by name', () => {
    const dir = tmp.make();
    writeRecord(dir, record({ commit: sha('a'), machine: 'zeta' }));
    writeRecord(dir, record({ commit: sha('a'), machine: 'alpha' }));
    writeRecord(
      dir,
      record({ commit: sha('b'), machine: 'alpha', committedAt: '2025-01-01T00:00:00Z' }),
    );
    const { machines } = readHistory(dir);
    expect(machines.map((m) => m.machine)).toEqual(['alpha', 'zeta']);
    expect(commitsOf(dir, 'alpha')).toEqual([sha('b'), sha('a')]);
    expect(commitsOf(dir, 'zeta')).toEqual([sha('a')]);
  });

  it('skips unreadable records with why, and keeps the rest', () => {
    const dir = tmp.make();
    writeRecord(dir, record({ commit: sha('a') }));
    const mdir = path.dirname(recordFile(dir, 'box-a', sha('a')));
    // Corrupt JSON.
    fs.writeFileSync(path.join(mdir, `${sha('b')}.json`), '{ "schemaVersion": ');
    // A results file that is no history record.
    fs.writeFileSync(path.join(mdir, `${sha('c')}.json`), JSON.stringify(resultsFile()));
    // A record stored under another commit's name.
    fs.writeFileSync(
      path.join(mdir, `${sha('d')}.json`),
      JSON.stringify(record({ commit: sha('e') })),
    );
    // A record of another machine in this machine's folder.
    fs.writeFileSync(
      path.join(mdir, `${sha('f')}.json`),
      JSON.stringify(record({ commit: sha('f'), machine: 'box-b' })),
    );
    // Not records at all: ignored without a word.
    fs.writeFileSync(path.join(mdir, 'notes.txt'), 'hello');
    fs.writeFileSync(path.join(mdir, `${sha('9')}.baseline.json`), '{}');
    fs.writeFileSync(path.join(dir, 'results', 'README'), 'a stray file beside the machines');
    // A machine whose only record is corrupt is not listed.
    fs.mkdirSync(path.join(dir, 'results', 'box-z'));
    fs.writeFileSync(path.join(dir, 'results', 'box-z', `${sha('a')}.json`), 'nope');

    const { machines, problems } = readHistory(dir);
    expect(machines.map((m) => m.machine)).toEqual(['box-a']);
    expect(machines[0]?.records.map((r) => r.point.commit)).toEqual([sha('a')]);
    expect(problems).toHaveLength(5);
    const about = (name: string): string | undefined =>
      problems.find((p) => p.startsWith(`${path.join('results', 'box-a', name)}: `));
    expect(about(`${sha('b')}.json`)).toMatch(/not valid JSON/);
    expect(about(`${sha('c')}.json`)).toMatch(/it has no history section$/);
    expect(about(`${sha('d')}.json`)).toMatch(
      new RegExp(`it records box-a/${sha('e')}, not box-a/${sha('d')}\\.json$`),
    );
    expect(about(`${sha('f')}.json`)).toMatch(
      new RegExp(`it records box-b/${sha('f')}, not box-a/${sha('f')}\\.json$`),
    );
    expect(
      problems.some((p) => p.startsWith(path.join('results', 'box-z', `${sha('a')}.json`))),
    ).toBe(true);
  });
});
