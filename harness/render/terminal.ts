/**
 * The terminal summary of a results file: one table per durability mode (plus one for the
 * read-only scenarios, which run once), then the facade-tax ratios.
 */
import Table from 'cli-table3';
import { MEASUREMENT_COLUMNS, modeTitle } from './columns.ts';
import { terminalTable } from './text-table.ts';
import { facadeTax } from '../judge/figures.ts';
import { formatMs, formatRatio } from '../support/format.ts';
import { MODES, type ModeName } from '../engine-api/modes.ts';
import { renderPeersOf } from './peers-text.ts';
import type { ResultsFile, ScenarioResult } from '../results/results-file.ts';

const MEASUREMENT_WIDTHS = [34, 24, 10, 11, 17, 11, 10, 12];

function table(title: string, results: readonly ScenarioResult[]): string {
  return terminalTable(title, MEASUREMENT_COLUMNS, results, { widths: MEASUREMENT_WIDTHS });
}

function ratioTable(results: ResultsFile): string {
  const ratios = facadeTax(results);
  const t = new Table({
    head: ['facade tax (ratio of medians)', ...MODES, 'read-only'],
    style: { head: [], border: [] },
  });
  for (const label of [...new Set(ratios.map((r) => r.label))]) {
    const mine = ratios.filter((r) => r.label === label);
    const first = mine[0];
    if (first === undefined) continue;
    const byMode = (m: ModeName | null): string =>
      formatRatio(mine.find((r) => r.mode === m)?.value ?? null);
    const what = `${label}: ${first.numeratorId.replace(/\/dur_\w+$/, '')} ÷ ${first.denominatorId.replace(/\/dur_\w+$/, '')}`;
    t.push([
      what,
      ...MODES.map((m) => (first.mode === null ? '' : byMode(m))),
      first.mode === null ? byMode(null) : '',
    ]);
  }
  return `${t.toString()}\nRed flags (docs/red-flags.md): A1/A0 > 20x (InMemory), B/A1 > 8x.`;
}

export function renderSummary(results: ResultsFile, file?: string): string {
  const parts: string[] = [];
  // Peer rows have their own tables (peers-text.ts), side by side with ours.
  const own = results.results.filter((r) => r.peer !== true);
  const reads = own.filter((r) => r.mode === null);
  if (reads.length > 0) parts.push(table('read-only scenarios (mode-independent)', reads));
  for (const mode of MODES) {
    const mine = own.filter((r) => r.mode === mode);
    if (mine.length > 0) parts.push(table(modeTitle(mode), mine));
  }
  if (own.length > 0) parts.push(ratioTable(results));
  const peers = renderPeersOf(results);
  if (peers !== null) parts.push(peers);
  const counts = { ok: 0, unsupported: 0, failed: 0 };
  for (const r of results.results) counts[r.status]++;
  const where = file === undefined ? '' : `\nresults: ${file}`;
  parts.push(
    `run ${results.runId} (profile ${results.profile.name}): ${counts.ok} ok, ${counts.unsupported} unsupported, ${counts.failed} failed in ${formatMs(results.wallTimeMs)}${where}`,
  );
  return parts.join('\n\n');
}
