/**
 * perf-trace: with INMEM_PERF_TRACE=1 set at process start every commit records a
 * PerfTrace and db.perfStats() summarises them; without it nothing is traced and the summary
 * says how to turn it on. Tracing is chosen at process start, so each case runs a child process
 * (test/fixtures/perf-trace-child.ts) with a known workload in strict, buffered and inMemory.
 *
 * The timings themselves are not asserted (this machine is noisy), only their structure:
 * which phases are non-zero in which mode, the counts, and that the percentages add up.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PerfStats, PerfTrace } from '../../engine/src/index.ts';
import type { ModeReport, PerfChildReport } from '../fixtures/perf-trace-child.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const childScript = path.resolve(here, '../fixtures/perf-trace-child.ts');

const MODES = ['strict', 'buffered', 'inMemory'] as const;
/** Float slack for sums of percentages. */
const EPS = 1e-6;

function runChild(traceEnv: string | undefined): Promise<PerfChildReport> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (traceEnv === undefined) delete env.INMEM_PERF_TRACE;
    else env.INMEM_PERF_TRACE = traceEnv;
    const child = spawn(process.execPath, ['--import', 'tsx', childScript], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 || stderr !== '') {
        reject(new Error(`perf-trace child exited ${code}: ${stderr}`));
        return;
      }
      resolve(JSON.parse(stdout) as PerfChildReport);
    });
  });
}

const PHASES = [
  'snapshotAcquireNs',
  'readSetValidateNs',
  'writeSetApplyNs',
  'walAppendNs',
  'fsyncNs',
] as const;

function checkTraceShape(t: PerfTrace): void {
  for (const p of PHASES) {
    expect(Number.isFinite(t[p])).toBe(true);
    expect(t[p]).toBeGreaterThanOrEqual(0);
  }
  expect(t.commitTotalNs).toBeGreaterThan(0);
  // The phases are disjoint parts of the commit: they can't add up to more than the total.
  const sum = PHASES.reduce((acc, p) => acc + t[p], 0);
  expect(sum).toBeLessThanOrEqual(t.commitTotalNs * (1 + EPS) + EPS);
}

function checkStatsShape(s: PerfStats): void {
  expect(s.count).toBeGreaterThan(0);
  expect(s.meanCommitNs).toBeGreaterThan(0);
  expect(s.p99CommitNs).toBeGreaterThan(0);
  const parts = Object.values(s.breakdown);
  expect(parts).toHaveLength(5);
  for (const pct of parts) {
    expect(Number.isFinite(pct)).toBe(true);
    expect(pct).toBeGreaterThanOrEqual(0);
    expect(pct).toBeLessThanOrEqual(100 + EPS);
  }
  expect(parts.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(100 + EPS);
  expect(s.summary.length).toBeGreaterThan(0);
  expect(s.summary).not.toMatch(/[\r\n]/);
  expect(s.summary).toContain(String(s.count));
}

describe('perf-trace on (INMEM_PERF_TRACE=1)', () => {
  let report: PerfChildReport;
  beforeAll(async () => {
    report = await runChild('1');
  });

  it('is enabled', () => {
    expect(report.enabled).toBe(true);
  });

  describe.each(MODES)('%s', (mode) => {
    let m: ModeReport;
    beforeAll(() => {
      m = report.modes[mode];
    });

    it('counts every committing transaction and one-key write, and nothing else', () => {
      // 5 put + 1 delete + 3 txns + 1 winner of a conflict + 2 KVStore.put + known txn + put;
      // not: a delete of a missing key, a read-only, an empty, a thrown or a conflicting txn.
      expect(m.commits).toBe(14);
      expect(m.stats.count).toBe(m.commits);
    });

    it('has well-formed traces and stats', () => {
      checkStatsShape(m.stats);
      expect(m.knownTrace).not.toBeNull();
      expect(m.putTrace).not.toBeNull();
      checkTraceShape(m.knownTrace as PerfTrace);
      checkTraceShape(m.putTrace as PerfTrace);
    });

    it('counts the keys read and written by the known transaction and by db.put', () => {
      const known = m.knownTrace as PerfTrace;
      expect(known.keysRead).toBe(2); // x and y (x read twice; an own write isn't a read)
      expect(known.keysWritten).toBe(3);
      const put = m.putTrace as PerfTrace;
      expect(put.keysRead).toBe(0);
      expect(put.keysWritten).toBe(1);
      expect(put.snapshotAcquireNs).toBe(0); // the fast path pins no snapshot
      expect(put.readSetValidateNs).toBe(0);
    });

    it('fsyncs only in strict mode', () => {
      const known = m.knownTrace as PerfTrace;
      const put = m.putTrace as PerfTrace;
      if (mode === 'strict') {
        expect(known.fsyncNs).toBeGreaterThan(0);
        expect(put.fsyncNs).toBeGreaterThan(0);
        expect(m.stats.breakdown.fsyncPct).toBeGreaterThan(0);
      } else {
        expect(known.fsyncNs).toBe(0);
        expect(put.fsyncNs).toBe(0);
        expect(m.stats.breakdown.fsyncPct).toBe(0);
      }
    });

    it('appends to a WAL except in memory', () => {
      const known = m.knownTrace as PerfTrace;
      const put = m.putTrace as PerfTrace;
      if (mode === 'inMemory') {
        expect(known.walAppendNs).toBe(0);
        expect(put.walAppendNs).toBe(0);
        expect(m.stats.breakdown.walPct).toBe(0);
      } else {
        expect(known.walAppendNs).toBeGreaterThan(0);
        expect(put.walAppendNs).toBeGreaterThan(0);
        expect(m.stats.breakdown.walPct).toBeGreaterThan(0);
      }
    });

    it('summary is a one-liner naming the count', () => {
      expect(m.stats.summary).toMatch(/^perf-trace: 14 commits/);
    });
  });

  it('a strict commit inside a buffered database records its fsync', () => {
    const m = report.modes.buffered;
    const t = m.strictOverrideTrace as PerfTrace;
    expect(t).not.toBeNull();
    checkTraceShape(t);
    expect(t.fsyncNs).toBeGreaterThan(0);
    expect(t.keysWritten).toBe(1);
    const after = m.statsAfterOverride as PerfStats;
    expect(after.count).toBe(m.commits + 1);
    checkStatsShape(after);
    expect(after.breakdown.fsyncPct).toBeGreaterThan(0);
  });
});

describe.each([
  ['unset', undefined],
  ['set to 0', '0'],
  ['set to true', 'true'],
])('perf-trace off (INMEM_PERF_TRACE %s)', (_label, value) => {
  let report: PerfChildReport;
  beforeAll(async () => {
    report = await runChild(value);
  });

  it('traces nothing, and the summary says how to enable it', () => {
    expect(report.enabled).toBe(false);
    for (const mode of MODES) {
      const m = report.modes[mode];
      expect(m.commits).toBe(14);
      expect(m.stats.count).toBe(0);
      expect(m.stats.meanCommitNs).toBe(0);
      expect(m.stats.p99CommitNs).toBe(0);
      for (const pct of Object.values(m.stats.breakdown)) expect(pct).toBe(0);
      expect(m.knownTrace).toBeNull();
      expect(m.putTrace).toBeNull();
      expect(m.stats.summary).toContain('INMEM_PERF_TRACE=1');
      expect(m.stats.summary).not.toMatch(/[\r\n]/);
    }
    expect(report.modes.buffered.statsAfterOverride?.count).toBe(0);
    expect(report.modes.buffered.strictOverrideTrace).toBeNull();
  });
});
