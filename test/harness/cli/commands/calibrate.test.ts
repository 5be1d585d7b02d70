import { describe, expect, it } from 'vitest';
import {
  gateWasRight,
  renderCalibration,
  type GateRunFigures,
} from '../../../../harness/cli/commands/calibrate.ts';
import { runHarness } from '../../helpers.ts';

const ended = { stoppedBy: 'no regression', classification: 'inconclusive', ratio: '1.01' };

function run(over: Partial<GateRunFigures> = {}): GateRunFigures {
  return {
    label: 'A/A',
    wallSeconds: 200,
    rounds: 3,
    batches: 150,
    jobs: 59,
    inconclusive: 4,
    falseCalls: [],
    refuted: [],
    target: [],
    spread: [
      { id: 'a', replicates: 8, sd: 0.03, ...ended },
      { id: 'b', replicates: 8, sd: 0.3, ...ended },
      { id: 'c', replicates: 8, sd: 0.1, ...ended },
    ],
    ...over,
  };
}

const caught = [{ id: 't', classification: 'regressed', ratio: '1.15', confirmed: true }];

describe('gateWasRight', () => {
  it('needs a clean A/A run and the slowdown confirmed, nothing else called', () => {
    expect(gateWasRight(run(), run({ target: caught }))).toBe(true);
    expect(gateWasRight(run({ falseCalls: ['x'] }), run({ target: caught }))).toBe(false);
    expect(gateWasRight(run(), run({ target: caught, falseCalls: ['x'] }))).toBe(false);
    expect(
      gateWasRight(
        run(),
        run({ target: [{ ...caught[0], confirmed: false } as (typeof caught)[0]] }),
      ),
    ).toBe(false);
    expect(gateWasRight(run(), run())).toBe(false);
  });
});

describe('renderCalibration', () => {
  it('shows every run and the spread of the A/A replicates', () => {
    const text = renderCalibration([run(), run({ label: '+15 %', target: caught })], 0.15, 't');
    expect(text).toMatch(/synthetic slowdown: \+15 % on t/);
    expect(text).toMatch(/4 of 59/);
    expect(text).toMatch(/t regressed \(confirmed\) 1\.15/);
    expect(text).toMatch(/median job c 0\.100; widest b 0\.300, c 0\.100, a 0\.030/);
  });
});

describe('calibrate: usage errors exit 2 before measuring', () => {
  it('a slowdown out of range', async () => {
    const r = await runHarness(['calibrate', '--slowdown', '2']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/must be a fraction in \(0, 1\]/);
  });

  it('a target that matches nothing', async () => {
    const r = await runHarness(['calibrate', '--target', 'kvstore/nope']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--target kvstore\/nope matches no scenario/);
  });

  it('a target that measures itself', async () => {
    const r = await runHarness(['calibrate', '--target', 'scaling/**']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/measures itself: no slowdown can be injected/);
  });
});
