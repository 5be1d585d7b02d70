/**
 * The floor's WAL record is a copy of the engine's framing (the harness may only use the
 * engine's public API). If the engine's codec or frame changes, the floor would silently
 * measure different bytes; this pins the two together.
 */
import { describe, expect, it } from 'vitest';
import { newRunId } from '../../../engine/src/index.ts';
import { encodeRecord, encodeRecordOne, recoverWal } from '../../../engine/src/wal.ts';
import { floorRecord } from '../../../harness/peers/floor.ts';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers.ts';

describe('floor WAL record', () => {
  const runId = newRunId();
  const cases: Array<[string, Array<[string, number] | [string]>]> = [
    ['one put', [['k', 1]]],
    ['a delete', [['gone']]],
    [
      'a 10-key transaction with floats, negatives and large integers',
      Array.from({ length: 10 }, (_, i): [string, number] => [`key/${i}`, i * 1.5 - 3 + 2 ** 40]),
    ],
    ['mixed puts and deletes', [['a', 0], ['b'], ['c', -1e300]]],
  ];

  it.each(cases)('is byte for byte what the engine logs: %s', (_name, ops) => {
    const engineWrites = new Map<string, number | undefined>(
      ops.map((op) => [op[0], op.length === 2 ? op[1] : undefined]),
    );
    for (const version of [1, 255, 70_000, 2 ** 32 + 5]) {
      expect(
        floorRecord(version, runId, ops).equals(encodeRecord(version, runId, engineWrites)),
      ).toBe(true);
    }
  });

  it('a one-key put or delete is what db.put / db.delete log (encodeRecordOne)', () => {
    for (const version of [1, 70_000, 2 ** 32 + 5]) {
      for (const value of [0, -1.5, 2 ** 53 - 1]) {
        expect(
          floorRecord(version, runId, [['k/1', value]]).equals(
            encodeRecordOne(version, runId, 'k/1', value),
          ),
        ).toBe(true);
      }
      expect(
        floorRecord(version, runId, [['k/1']]).equals(
          encodeRecordOne(version, runId, 'k/1', undefined),
        ),
      ).toBe(true);
    }
  });

  it("is read back by the engine's own recovery", () => {
    const dir = tempDir('floor-record-');
    try {
      const file = path.join(dir, 'wal.log');
      const records = cases.map(([, ops], i) => floorRecord(i + 1, runId, ops));
      // Recovery of a missing file creates it with the engine's file header.
      expect(recoverWal(file, () => undefined).records).toBe(0);
      fs.appendFileSync(file, Buffer.concat(records));
      const seen: Array<{ version: number; keys: string[] }> = [];
      const report = recoverWal(file, (r) =>
        seen.push({ version: r.version, keys: [...r.writes.keys()] }),
      );
      expect(report.records).toBe(cases.length);
      expect(report.truncatedBytes).toBe(0);
      expect(seen).toEqual(
        cases.map(([, ops], i) => ({ version: i + 1, keys: ops.map((op) => op[0]) })),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
