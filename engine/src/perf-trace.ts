/**
 * perf-trace: optional per-commit timing, the counterpart of upstream's `perf-trace` cargo
 * feature. Enabled by INMEM_PERF_TRACE=1 in the environment at process start; the database
 * then picks a traced commit path once, at open. When off, the commit path does no timing work.
 *
 * Aggregates are kept as running sums plus a Node histogram (perf_hooks.createHistogram, an HDR
 * histogram) of commit totals, so tracing a long benchmark costs constant memory.
 */
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

export const PERF_TRACE_ENABLED: boolean = process.env.INMEM_PERF_TRACE === '1';

export interface PerfTrace {
  snapshotAcquireNs: number;
  readSetValidateNs: number;
  writeSetApplyNs: number;
  /** Encoding the record and appending it (to the file in strict mode, to the buffer in buffered). */
  walAppendNs: number;
  fsyncNs: number;
  commitTotalNs: number;
  keysRead: number;
  keysWritten: number;
}

export interface PerfBreakdown {
  snapshotPct: number;
  validatePct: number;
  applyPct: number;
  walPct: number;
  fsyncPct: number;
}

export interface PerfStats {
  count: number;
  meanCommitNs: number;
  p99CommitNs: number;
  /** Share of the summed commit time spent in each phase, in percent. */
  breakdown: PerfBreakdown;
  summary: string;
}

type Phase =
  'snapshotAcquireNs' | 'readSetValidateNs' | 'writeSetApplyNs' | 'walAppendNs' | 'fsyncNs';

/** Percentage breakdown of one trace (or of summed traces). */
export function breakdown(t: Pick<PerfTrace, Phase | 'commitTotalNs'>): PerfBreakdown {
  const total = Math.max(t.commitTotalNs, 1);
  return {
    snapshotPct: (t.snapshotAcquireNs / total) * 100,
    validatePct: (t.readSetValidateNs / total) * 100,
    applyPct: (t.writeSetApplyNs / total) * 100,
    walPct: (t.walAppendNs / total) * 100,
    fsyncPct: (t.fsyncNs / total) * 100,
  };
}

export class PerfRecorder {
  private count = 0;
  private readonly sums = {
    snapshotAcquireNs: 0,
    readSetValidateNs: 0,
    writeSetApplyNs: 0,
    walAppendNs: 0,
    fsyncNs: 0,
    commitTotalNs: 0,
    keysRead: 0,
    keysWritten: 0,
  };
  private readonly totals: RecordableHistogram = createHistogram();
  last: PerfTrace | undefined;

  record(trace: PerfTrace): void {
    this.count++;
    for (const k of Object.keys(this.sums) as Array<keyof PerfTrace>) this.sums[k] += trace[k];
    this.totals.record(Math.max(1, Math.round(trace.commitTotalNs)));
    this.last = trace;
  }

  stats(): PerfStats {
    const n = this.count;
    const mean = n === 0 ? 0 : this.sums.commitTotalNs / n;
    const p99 = n === 0 ? 0 : this.totals.percentile(99);
    const b = breakdown(this.sums);
    const fmt = (x: number): string => x.toFixed(1);
    return {
      count: n,
      meanCommitNs: mean,
      p99CommitNs: p99,
      breakdown: b,
      summary:
        n === 0
          ? 'perf-trace: no commits traced' +
            (PERF_TRACE_ENABLED ? '' : ' (set INMEM_PERF_TRACE=1 at start)')
          : `perf-trace: ${n} commits, mean ${fmt(mean)} ns, p99 ${p99} ns; snapshot ${fmt(b.snapshotPct)}%, validate ${fmt(b.validatePct)}%, apply ${fmt(b.applyPct)}%, wal ${fmt(b.walPct)}%, fsync ${fmt(b.fsyncPct)}%; ${fmt(this.sums.keysRead / n)} reads, ${fmt(this.sums.keysWritten / n)} writes per commit`,
    };
  }

  reset(): void {
    this.count = 0;
    for (const k of Object.keys(this.sums) as Array<keyof typeof this.sums>) this.sums[k] = 0;
    this.totals.reset();
    this.last = undefined;
  }
}
