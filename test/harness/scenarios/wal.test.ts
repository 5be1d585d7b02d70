import { describe, expect, it } from 'vitest';
import { scenarios } from '../../../harness/scenarios/wal.ts';
import { UnsupportedError } from '../../../harness/support/errors.ts';
import { drive, jobsOf, treeEngine } from './drive.ts';

// Each call is a close and a full recovery: two calls are enough.
const N = 2;

const proofs: Record<string, string> = {
  'wal/recovery/50k': 'reopens that recovered all commits',
  'wal/recovery/1m_overwrites': 'reopens that recovered the final values',
};

describe('wal scenarios', () => {
  it('recovery runs only in the modes that write a WAL, and measures no heap', () => {
    expect(jobsOf(scenarios).map(([label]) => label)).toEqual([
      'wal/recovery/50k in buffered',
      'wal/recovery/50k in strict',
      'wal/recovery/1m_overwrites in buffered',
      'wal/recovery/1m_overwrites in strict',
    ]);
  });

  it.each(jobsOf(scenarios))(
    '%s: every reopen recovers the whole history; N ± 1 refused',
    async (_label, s, mode) => {
      const d = await drive(s, mode, N);
      expect(d.proof).toEqual({ ok: true });
      const what = proofs[s.name];
      expect(d.over).toEqual({ ok: false, reason: `${what}: expected ${N + 1}, got ${N}` });
      expect(d.under).toEqual({ ok: false, reason: `${what}: expected ${N - 1}, got ${N}` });
      // It opens its databases itself (a writer, then a reopen per call), not through ctx.openDb.
      expect(d.opened).toBe(0);
    },
  );

  it('1m_overwrites is unsupported, not minutes long, on an engine without checkpoints', async () => {
    const engine = await treeEngine();
    const noCheckpoint = { ...engine, capabilities: { ...engine.capabilities, checkpoint: false } };
    const s = scenarios.find((x) => x.name === 'wal/recovery/1m_overwrites');
    if (s === undefined) throw new Error('scenario missing');
    await expect(drive(s, 'strict', N, noCheckpoint)).rejects.toThrow(UnsupportedError);
  });
});
