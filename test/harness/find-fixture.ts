/** A find.json as a search over 7 commits writes it (commit n's sha is n repeated), for the find tests. */
import type { FindFile, FindStep } from '../../harness/results/find-file.ts';

export const shaOf = (n: number): string => String(n % 10).repeat(40);

export function findStep(
  step: number,
  n: number,
  outcome: FindStep['outcome'],
  ratio: number | null,
): FindStep {
  return {
    step,
    commit: shaOf(n),
    subject: `commit ${n}`,
    position: n - 1,
    outcome,
    job: ratio === null ? null : 'kvstore/put/hot_key/dur_inmemory',
    ratio,
    ci: ratio === null ? null : [ratio * 0.9, ratio * 1.1],
    reason: `because ${outcome}`,
    folder: `${step}-${shaOf(n).slice(0, 12)}`,
    seconds: 12.4,
  };
}

/** Good commit 1, bad commit 8, commit 5 the culprit, found in four steps. */
export function findFile(): FindFile {
  return {
    schemaVersion: 1,
    runId: '20260101-000000-abcdef',
    createdAt: '2026-01-01T00:00:00.000Z',
    command: 'harness find 1 8 --filter kvstore/put/hot_key --mode inMemory',
    filters: ['kvstore/put/hot_key'],
    modes: ['inMemory'],
    profile: 'quick',
    good: { commit: shaOf(1), subject: 'commit 1' },
    bad: { commit: shaOf(8), subject: 'commit 8' },
    rangeSize: 7,
    steps: [
      findStep(1, 8, 'slower', 4.2),
      findStep(2, 4, 'not slower', 1.01),
      findStep(3, 6, 'slower', 4.1),
      findStep(4, 5, 'slower', 4.0),
    ],
    result: {
      kind: 'culprit',
      commit: shaOf(5),
      subject: 'commit 5',
      step: 4,
      job: 'kvstore/put/hot_key/dur_inmemory',
      ratio: 4.0,
      ci: [3.6, 4.4],
    },
    seconds: 50,
  };
}
