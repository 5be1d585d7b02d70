/**
 * The history folder: one results file per machine and commit, as asv keeps them.
 *
 *   <dir>/results/<machine>/<commit>.json           the suite measured on that commit
 *   <dir>/results/<machine>/<commit>.baseline.json  the other side, when that record was a
 *                                                    paired comparison
 *
 * A record is an ordinary results file with a `history` section (the commit, its date and
 * parent, the machine folder), so every reader of results files reads it too. Machines are
 * kept apart because figures from two machines are not comparable; a record is never merged
 * with another, it is replaced whole (temp file and rename, as writeResults does).
 */
import fs from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../support/errors.ts';
import { readResults, writeResults, type HistoryPoint, type ResultsFile } from './results-file.ts';

export const HISTORY_RESULTS_DIR = 'results';
const BASELINE_SUFFIX = '.baseline.json';

/** One stored record: its file, its commit and its results. */
export interface HistoryRecord {
  file: string;
  /** The baseline side's file when the record was a paired comparison, else null. */
  baselineFile: string | null;
  point: HistoryPoint;
  results: ResultsFile;
}

export interface MachineHistory {
  machine: string;
  /** Oldest first: by commit date, then by the order parents come before children. */
  records: HistoryRecord[];
}

export function recordFile(dir: string, machine: string, commit: string): string {
  return path.join(dir, HISTORY_RESULTS_DIR, machine, `${commit}.json`);
}

export function hasRecord(dir: string, machine: string, commit: string): boolean {
  return fs.existsSync(recordFile(dir, machine, commit));
}

/**
 * Stores a record (and its baseline side, for a paired one): the results file must carry its
 * `history` section, whose machine and commit name the file. Returns the record's path.
 */
export function writeRecord(dir: string, results: ResultsFile, baseline?: ResultsFile): string {
  const point = results.history;
  if (point === undefined) throw new Error('a history record needs its history section');
  const file = recordFile(dir, point.machine, point.commit);
  const baselineName = `${point.commit}${BASELINE_SUFFIX}`;
  if (baseline !== undefined) writeResults(path.join(path.dirname(file), baselineName), baseline);
  const comparison =
    results.comparison === undefined
      ? undefined
      : {
          ...results.comparison,
          baseline: {
            ...results.comparison.baseline,
            file: baseline === undefined ? null : baselineName,
          },
        };
  writeResults(file, { ...results, ...(comparison === undefined ? {} : { comparison }) });
  return file;
}

/**
 * By commit date; among equal dates (a rebase can give a run of commits one timestamp) by
 * first-parent depth; and a recorded parent always before its child (a skewed clock can date
 * a child before its parent).
 */
function ordered(records: HistoryRecord[]): HistoryRecord[] {
  const byDate = [...records].sort(
    (a, b) =>
      Date.parse(a.point.committedAt) - Date.parse(b.point.committedAt) ||
      a.point.depth - b.point.depth ||
      a.point.commit.localeCompare(b.point.commit),
  );
  const index = new Map(byDate.map((r, i) => [r.point.commit, i]));
  // A stable pass that moves a child after its parent when both are recorded.
  const out: HistoryRecord[] = [];
  const placed = new Set<string>();
  const place = (r: HistoryRecord): void => {
    if (placed.has(r.point.commit)) return;
    const parent = r.point.parent === null ? undefined : index.get(r.point.parent);
    placed.add(r.point.commit);
    if (parent !== undefined) place(byDate[parent] as HistoryRecord);
    out.push(r);
  };
  for (const r of byDate) place(r);
  return out;
}

/**
 * Every record under `dir`, per machine; files that can't be read are skipped with why (one
 * corrupt record must not hide the rest of the history).
 */
export function readHistory(dir: string): { machines: MachineHistory[]; problems: string[] } {
  const root = path.join(dir, HISTORY_RESULTS_DIR);
  const problems: string[] = [];
  const machines: MachineHistory[] = [];
  if (!fs.existsSync(root)) return { machines, problems };
  for (const machine of fs.readdirSync(root).sort()) {
    const mdir = path.join(root, machine);
    if (!fs.statSync(mdir).isDirectory()) continue;
    const records: HistoryRecord[] = [];
    for (const name of fs.readdirSync(mdir).sort()) {
      if (!name.endsWith('.json') || name.endsWith(BASELINE_SUFFIX)) continue;
      const file = path.join(mdir, name);
      try {
        const results = readResults(file);
        const point = results.history;
        if (point === undefined) throw new Error('it has no history section');
        if (`${point.commit}.json` !== name || point.machine !== machine) {
          throw new Error(`it records ${point.machine}/${point.commit}, not ${machine}/${name}`);
        }
        const baselineFile = path.join(mdir, `${point.commit}${BASELINE_SUFFIX}`);
        records.push({
          file,
          baselineFile: fs.existsSync(baselineFile) ? baselineFile : null,
          point,
          results,
        });
      } catch (err) {
        problems.push(`${path.relative(dir, file)}: ${errorMessage(err)}`);
      }
    }
    if (records.length > 0) machines.push({ machine, records: ordered(records) });
  }
  return { machines, problems };
}
