import { describe, expect, it } from 'vitest';
import { scenarios } from '../../../harness/scenarios/primitives.ts';
import { loadEngine } from '../../../harness/engine-api/adapter.ts';
import { UnsupportedError } from '../../../harness/support/errors.ts';
import { FAKE_ENGINE_DIR } from '../helpers.ts';
import { drive, jobsOf } from './drive.ts';

const N = 20;

/** What each proof checks first, as its failure names it. */
const COUNTED: Record<string, string> = {
  'eventlog/append': 'event log length',
  'statecell/cas': 'cell version advance',
  'statecell/transition': 'counter value',
  'tracestore/record': 'trace count',
  'runindex/create_run': 'runs listed',
};

describe('primitive scenarios (EventLog, StateCell, TraceStore, RunIndex)', () => {
  it('are one or two per primitive, each run in every mode', () => {
    expect(scenarios.map((s) => s.name)).toEqual(Object.keys(COUNTED));
    expect(jobsOf(scenarios)).toHaveLength(5 * 3);
  });

  it.each(jobsOf(scenarios))('%s: N calls proved, N ± 1 refused', async (_label, s, mode) => {
    const d = await drive(s, mode, N);
    const what = COUNTED[s.name];
    expect(d.proof).toEqual({ ok: true });
    expect(d.over).toEqual({ ok: false, reason: `${what}: expected ${N + 1}, got ${N}` });
    expect(d.under).toEqual({ ok: false, reason: `${what}: expected ${N - 1}, got ${N}` });
    expect(d.opened).toBe(1);
  });

  it('an engine without the primitives: every scenario is unsupported, naming the export', async () => {
    const m3 = loadEngine(FAKE_ENGINE_DIR);
    for (const s of scenarios) {
      const err = await drive(s, 'strict', 1, m3).catch((e: unknown) => e);
      expect(err, s.name).toBeInstanceOf(UnsupportedError);
      expect((err as Error).message).toMatch(
        /^this engine does not export (EventLog|StateCell|TraceStore|RunIndex)$/,
      );
    }
  });
});
