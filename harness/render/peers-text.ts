/**
 * The terminal form of a results file's peers section (`bench --peers`): one table per
 * durability mode, figures per adapter, our engine's ratio to each peer, distances to the floor.
 */
import Table from 'cli-table3';
import { formatNs, formatPeerRatio } from '../support/format.ts';
import { MODES, type ModeName } from '../engine-api/modes.ts';
import type { PeersSection, ResultsFile } from '../results/results-file.ts';

const FLOOR_NAMES: Record<ModeName, string> = {
  inMemory: 'Map',
  buffered: 'write',
  strict: 'write+fdatasync',
};

/** The terminal rendering: one table per mode, then the reasons for missing cells and the mappings. */
export function renderPeers(section: PeersSection): string {
  const parts: string[] = [];
  const peersOnly = section.adapters
    .map((a) => a.name)
    .filter((a) => a !== section.reference && a !== section.floor);
  const toFloor = [section.reference, ...peersOnly];
  const notes = new Map<string, string>();
  for (const mode of MODES) {
    const rows = section.rows.filter((r) => r.mode === mode);
    if (rows.length === 0) continue;
    const t = new Table({
      head: [
        'workload',
        ...section.adapters.map((a) =>
          a.name === section.floor ? `${a.name} (${FLOOR_NAMES[mode]})` : a.name,
        ),
        ...peersOnly.map((a) => `${section.reference}÷${a} [95% CI]`),
        `÷floor: ${toFloor.join(' / ')}`,
      ],
      style: { head: [], border: [] },
    });
    for (const row of rows) {
      const cells = row.cells.map((c) => {
        if (c.status === 'ok') return formatNs(c.medianNs);
        notes.set(
          `${c.adapter} ${c.status}`,
          `${c.adapter} ${c.status}: ${(c.reason ?? '').replace(/\s+/g, ' ')}`,
        );
        return c.status;
      });
      t.push([
        row.workload,
        ...cells,
        ...peersOnly.map((a) => formatPeerRatio(row.vsPeers.find((r) => r.denominator === a))),
        toFloor
          .map((a) =>
            formatPeerRatio(
              row.toFloor.find((r) => r.numerator === a),
              false,
            ),
          )
          .join(' / '),
      ]);
    }
    parts.push(
      `peers, durability mode ${mode} (median ns/op; ratio < 1: ${section.reference} is faster)\n${t.toString()}`,
    );
  }
  if (parts.length === 0) return 'peers: no peer scenario ran';
  if (notes.size > 0) parts.push(`missing figures:\n  ${[...notes.values()].join('\n  ')}`);
  const mappings = section.adapters.flatMap((a) => [
    `${a.name}${a.packageName === null ? '' : ` (${a.packageName}${a.version === null ? '' : `@${a.version}`})`}:`,
    ...MODES.map((m) => `  ${m.padEnd(8)} ${a.mappings[m]}`),
  ]);
  parts.push(`mappings (durability mode -> settings):\n  ${mappings.join('\n  ')}`);
  parts.push(`method: ${section.method}`);
  return parts.join('\n\n');
}

/** The peers part of a results file's summary (empty when the run had no --peers). */
export function renderPeersOf(results: ResultsFile): string | null {
  return results.peers === undefined ? null : renderPeers(results.peers);
}
