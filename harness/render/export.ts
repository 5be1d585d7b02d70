/**
 * Results in the formats of two services that keep benchmark history across commits and
 * machines, so a team running the suite on a CI matrix can track it there:
 *
 *   bmf   Bencher Metric Format: `{ "<benchmark>": { "<measure>": { value, lower_value?,
 *         upper_value? } } }`; `latency` (ns) and `throughput` (ops/s) are the measures every
 *         Bencher project has built in. https://bencher.dev/docs/reference/bencher-metric-format/
 *         and https://bencher.dev/docs/how-to/track-custom-benchmarks/
 *   github-action-benchmark
 *         the `customSmallerIsBetter` tool's input: an array of `{ name, unit, value, range?,
 *         extra? }` (value a number; range and extra strings, extra shown in the chart's
 *         tooltip). https://github.com/benchmark-action/github-action-benchmark#examples
 *
 * Only measured (status ok) scenarios are exported. The figure is the median ns/op, the same
 * one the red flags and the comparison use. With several results files (one per machine),
 * names get the machine's fingerprint so the entries stay apart; files from one machine also
 * get their run id (`core/map_get [abc/2c/nodev20 run 20250101-000000-abcdef]`), since BMF
 * would keep only the last file's figure under a shared name and github-action-benchmark would
 * chart two series as one. A name that still repeats (the same run given twice) is a usage
 * error: there is no way to tell the entries apart.
 */
import { describeMachine } from '../results/machine.ts';
import { typicalFigure } from '../judge/figures.ts';
import type { ResultsFile, ScenarioResult } from '../results/results-file.ts';
import { UsageError } from '../support/errors.ts';
import { formatBytes, formatHz, formatNs } from '../support/format.ts';

export const EXPORT_FORMATS = ['bmf', 'github-action-benchmark'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface BmfMetric {
  value: number;
  lower_value?: number;
  upper_value?: number;
}
export type Bmf = Record<string, Record<string, BmfMetric>>;

export interface GabEntry {
  name: string;
  unit: string;
  value: number;
  range?: string;
  extra?: string;
}

interface Named {
  name: string;
  result: ScenarioResult;
  file: ResultsFile;
  ns: number;
}

function machineTag(file: ResultsFile): string {
  const e = file.environment;
  return `${e.hostHash}/${e.cores}c/node${e.node}`;
}

/** Each file's suffix: none alone, the machine, and the run too when a machine repeats. */
function fileTags(files: readonly ResultsFile[]): string[] {
  if (files.length <= 1) return files.map(() => '');
  const machines = files.map(machineTag);
  return files.map((f, i) => {
    const m = machines[i] ?? '';
    const shared = machines.filter((x) => x === m).length > 1;
    return ` [${shared ? `${m} run ${f.runId}` : m}]`;
  });
}

function measured(files: readonly ResultsFile[]): Named[] {
  const out: Named[] = [];
  const tags = fileTags(files);
  const seen = new Set<string>();
  for (const [i, file] of files.entries()) {
    for (const result of file.results) {
      const ns = typicalFigure(file, result)?.value ?? null;
      if (ns === null) continue;
      const name = `${result.id}${tags[i] ?? ''}`;
      if (seen.has(name)) {
        throw new UsageError(
          `two exported entries would both be named "${name}": run ${file.runId} is given more than once`,
          'give each results file once (two runs always differ by their run id)',
        );
      }
      seen.add(name);
      out.push({ name, result, file, ns });
    }
  }
  return out;
}

function sampleRange(r: ScenarioResult): { lo: number; hi: number } | null {
  const ns = r.samples?.ns ?? [];
  if (ns.length === 0) return null;
  return { lo: Math.min(...ns), hi: Math.max(...ns) };
}

/** Bencher Metric Format: latency = median ns/op, bounds = fastest and slowest sample. */
export function toBmf(files: readonly ResultsFile[]): Bmf {
  const out: Bmf = {};
  for (const { name, result, ns } of measured(files)) {
    const range = sampleRange(result);
    const latency: BmfMetric = { value: ns };
    if (range !== null) {
      latency.lower_value = Math.min(range.lo, ns);
      latency.upper_value = Math.max(range.hi, ns);
    }
    const measures: Record<string, BmfMetric> = { latency };
    if (result.hz !== null) measures.throughput = { value: result.hz };
    out[name] = measures;
  }
  return out;
}

/** github-action-benchmark `customSmallerIsBetter`: median ns/op, rme as the range. */
export function toGithubActionBenchmark(files: readonly ResultsFile[]): GabEntry[] {
  return measured(files).map(({ name, result, file, ns }) => {
    const extra = [
      `ops/s: ${formatHz(result.hz)}`,
      `mean: ${formatNs(result.meanNs)}`,
      `p99: ${formatNs(result.latency?.p99 ?? null)}`,
      `bytes/op: ${formatBytes(result.bytesPerOp)}`,
      `mode: ${result.mode ?? 'read-only'}`,
      `run: ${file.runId} (${file.engine.commit?.slice(0, 12) ?? 'no commit'})`,
      `machine: ${describeMachine(file.environment)}`,
    ].join('\n');
    const entry: GabEntry = { name, unit: 'ns/op', value: ns, extra };
    if (result.rme !== null) entry.range = `± ${result.rme.toFixed(2)}%`;
    return entry;
  });
}

export function exportResults(format: ExportFormat, files: readonly ResultsFile[]): string {
  const data = format === 'bmf' ? toBmf(files) : toGithubActionBenchmark(files);
  return `${JSON.stringify(data, null, 2)}\n`;
}
