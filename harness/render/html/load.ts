/**
 * Reading what a report shows: a results file (validated by readResults: a corrupt or foreign
 * file is a UsageError naming it, exit 2) and, when its comparison names one, the baseline's
 * results file, resolved relative to the results file's folder. A missing or unreadable
 * baseline file does not stop the report: the page says why its environment is not shown.
 */
import fs from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../../support/errors.ts';
import { readResults } from '../../results/results-file.ts';
import type { RunInput } from './view.ts';

export function loadRun(file: string): RunInput {
  const resolved = path.resolve(file);
  const results = readResults(resolved);
  const rel = results.comparison?.baseline.file ?? null;
  if (rel === null) return { file: resolved, results, baseline: null, baselineProblem: null };
  const baselineFile = path.resolve(path.dirname(resolved), rel);
  if (!fs.existsSync(baselineFile)) {
    return {
      file: resolved,
      results,
      baseline: null,
      baselineProblem: `the baseline results file ${rel} is not next to the results`,
    };
  }
  try {
    return {
      file: resolved,
      results,
      baseline: { file: baselineFile, results: readResults(baselineFile) },
      baselineProblem: null,
    };
  } catch (err) {
    return { file: resolved, results, baseline: null, baselineProblem: errorMessage(err) };
  }
}
