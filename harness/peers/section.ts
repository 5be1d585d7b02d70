/**
 * The peers section of a results file: per durability mode, one row per
 * workload (kv/put/hot_key, ...), one column per adapter (median ns/op), our engine's ratio to
 * each peer with a 95% CI, and each adapter's distance to the floor of that mode.
 *
 * ## The ratios and their intervals
 *
 * Each adapter x workload x mode is one job: one child process, measured once. There is no
 * second process per side, so the between-process spread a baseline comparison works with
 * (harness/stats/comparison.ts) is not available. The interval here comes from the benchmark.js
 * samples inside each of the two processes (per-sample ns/op): `compareSamples` on the two
 * sample arrays, Yuen's trimmed Welch test on the logs (trim 0.2, as perf.config.json's
 * compare.trim), so the ratio is the ratio of trimmed geometric means and the CI is that
 * test's. These are WITHIN-process samples: they miss what varies from one process to the next
 * (JIT decisions, heap and code layout, the machine's load of the moment; 10 % and more here),
 * so the intervals are narrower than the truth. Read a ratio of 0.9 to 1.1 as "about equal";
 * the output says so. Where the gaps are several-fold, which is the point of a peers table,
 * that does not change the reading.
 */
import fs from 'node:fs';
import path from 'node:path';
import { compareSamples } from '../stats/comparison.ts';
import { errorMessage } from '../support/errors.ts';
import { MODES, type ModeName } from '../engine-api/modes.ts';
import { REPO_ROOT } from '../support/paths.ts';
import type { PeerRatio, PeersSection, ScenarioResult } from '../results/results-file.ts';
import { FLOOR_ADAPTER, PEER_ADAPTERS, REFERENCE_ADAPTER } from './index.ts';
import type { KvAdapter } from './kv-adapter.ts';
import { PEER_WORKLOADS, parsePeerName } from './scenarios.ts';

export const PEER_RATIO_OPTIONS = { threshold: 0.05, alpha: 0.05, confidence: 0.95, trim: 0.2 };

export const PEER_METHOD =
  "ratio = numerator ÷ denominator of 20%-trimmed geometric means of the benchmark.js samples (ns/op) of the two jobs, 95% CI from Yuen's trimmed Welch t-test on the logs (harness/stats/comparison.ts compareSamples). Each job is one process measured once: the samples are within-process, so the CIs miss between-process variation (JIT, layout, load) and are narrower than a repeated run would show; treat ratios within 0.9-1.1 as about equal.";

function packageVersion(name: string | null): string | null {
  if (name === null) return null;
  try {
    const file = path.join(REPO_ROOT, 'node_modules', name, 'package.json');
    const version = (JSON.parse(fs.readFileSync(file, 'utf8')) as { version?: unknown }).version;
    return typeof version === 'string' ? version : null;
  } catch {
    return null;
  }
}

function samplesOf(r: ScenarioResult | undefined): number[] {
  if (r === undefined || r.status !== 'ok' || r.samples === null) return [];
  return r.samples.ns.filter((x) => Number.isFinite(x) && x > 0);
}

export function peerRatio(
  numerator: string,
  num: ScenarioResult | undefined,
  denominator: string,
  den: ScenarioResult | undefined,
): PeerRatio {
  const a = samplesOf(num);
  const b = samplesOf(den);
  const base = { numerator, denominator, nNumerator: a.length, nDenominator: b.length };
  const missing = (which: string, r: ScenarioResult | undefined): string =>
    r === undefined
      ? `${which} was not run`
      : `${which} is ${r.status}${r.reason === null ? '' : `: ${r.reason}`}`;
  const noRatio = (note: string): PeerRatio => ({
    ...base,
    ratio: null,
    ci: null,
    pValue: null,
    method: 'none',
    note,
  });
  if (a.length === 0 || b.length === 0) {
    return noRatio(a.length === 0 ? missing(numerator, num) : missing(denominator, den));
  }
  try {
    const c = compareSamples(b, a, PEER_RATIO_OPTIONS);
    return {
      ...base,
      ratio: c.ratio,
      ci: c.ci,
      pValue: c.pValue,
      method: c.method,
      note: 'within-process benchmark.js samples of one job per side',
    };
  } catch (err) {
    return noRatio(errorMessage(err));
  }
}

/** Builds the peers section from a run's results (the peer rows in them). */
export function peersSection(
  results: readonly ScenarioResult[],
  adapters: readonly KvAdapter[] = PEER_ADAPTERS,
): PeersSection {
  const byKey = new Map<string, ScenarioResult>();
  for (const r of results) {
    const p = parsePeerName(r.name);
    if (p !== null && r.mode !== null) byKey.set(`${r.mode} ${p.adapter} ${p.workload}`, r);
  }
  const names = adapters.map((a) => a.name as string);
  const rows: PeersSection['rows'] = [];
  for (const mode of MODES) {
    for (const workload of PEER_WORKLOADS) {
      const get = (adapter: string): ScenarioResult | undefined =>
        byKey.get(`${mode} ${adapter} ${workload}`);
      if (!names.some((a) => get(a) !== undefined)) continue;
      const cells = names.map((adapter) => {
        const r = get(adapter);
        return {
          adapter,
          id: r?.id ?? `peers/${adapter}/${workload}`,
          status: r?.status ?? ('unsupported' as const),
          medianNs: r?.status === 'ok' ? r.medianNs : null,
          reason: r === undefined ? 'not run (filtered out)' : r.reason,
        };
      });
      const ref = get(REFERENCE_ADAPTER);
      const floor = get(FLOOR_ADAPTER);
      rows.push({
        mode,
        workload,
        cells,
        vsPeers: names
          .filter((a) => a !== REFERENCE_ADAPTER && a !== FLOOR_ADAPTER)
          .map((a) => peerRatio(REFERENCE_ADAPTER, ref, a, get(a))),
        toFloor: names
          .filter((a) => a !== FLOOR_ADAPTER)
          .map((a) => peerRatio(a, get(a), FLOOR_ADAPTER, floor)),
      });
    }
  }
  return {
    reference: REFERENCE_ADAPTER,
    floor: FLOOR_ADAPTER,
    adapters: adapters.map((a) => ({
      name: a.name,
      packageName: a.packageName,
      version: packageVersion(a.packageName),
      mappings: Object.fromEntries(MODES.map((m) => [m, a.describeMapping(m)])) as Record<
        ModeName,
        string
      >,
    })),
    rows,
    method: PEER_METHOD,
  };
}
