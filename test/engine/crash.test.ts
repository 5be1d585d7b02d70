/**
 * Crash recovery: a child process commits a stream of 3-key transactions and acknowledges each
 * one on stdout after commit returns; the parent SIGKILLs it mid-stream, reopens the database,
 * and checks that every acknowledged commit is there and that every transaction is whole.
 * Several rounds run on the same directory, so each child also recovers its predecessor's crash.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  Database,
  LockedError,
  newRunId,
  valuesEqual,
  type RunId,
  type Value,
} from '../../engine/src/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const writerScript = path.resolve(here, '../fixtures/commit-writer.ts');

interface WriterRun {
  start: number;
  acks: number[];
  signal: NodeJS.Signals | null;
  code: number | null;
  stderr: string;
  ackedWhenKilled: number;
  lockRefusedWhileAlive: boolean;
}

/** Runs the writer until it has acknowledged `killAfter` commits, then SIGKILLs it. */
function runWriter(dir: string, runId: RunId, killAfter: number): Promise<WriterRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writerScript, dir, runId], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const result: WriterRun = {
      start: -1,
      acks: [],
      signal: null,
      code: null,
      stderr: '',
      ackedWhenKilled: -1,
      lockRefusedWhileAlive: false,
    };
    let pending = '';
    let killed = false;
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer made no progress: ${result.acks.length} acks, ${result.stderr}`));
    }, 25_000);

    const onLine = (line: string): void => {
      const [kind, num] = line.split(' ');
      const n = Number(num);
      if (kind === 'start') {
        result.start = n;
        return;
      }
      if (kind !== 'ack') throw new Error(`unexpected writer output: ${line}`);
      result.acks.push(n);
      if (result.acks.length === 1) {
        // While the writer is alive, its LOCK keeps everyone else out.
        try {
          Database.open(dir).close();
        } catch (err) {
          result.lockRefusedWhileAlive = err instanceof LockedError;
        }
      }
      if (!killed && result.acks.length >= killAfter) {
        killed = true;
        result.ackedWhenKilled = result.acks.length;
        child.kill('SIGKILL');
      }
    };

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      pending += chunk;
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        onLine(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      result.stderr += chunk;
    });
    child.on('error', reject);
    // 'close' fires after the process exited (and was reaped) and its output was drained.
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      result.code = code;
      result.signal = signal;
      resolve(result);
    });
  });
}

function seqKey(seq: number, part: string): string {
  return `s/${String(seq).padStart(8, '0')}/${part}`;
}

function expectedValue(seq: number, part: string): Value {
  return {
    seq,
    part,
    big: BigInt(seq) * 3n,
    bytes: new Uint8Array([seq & 0xff, part.charCodeAt(0)]),
    pad: 'x'.repeat(seq % 300),
  };
}

/** Checks the recovered database; returns the highest recovered sequence number (-1 if none). */
function verify(db: Database, runId: RunId, acked: number[]): number {
  const bySeq = new Map<number, Map<string, Value>>();
  for (const [key, value] of db.list(runId, 's/')) {
    const [, seqText, part] = key.split('/') as [string, string, string];
    const seq = Number(seqText);
    let parts = bySeq.get(seq);
    if (parts === undefined) bySeq.set(seq, (parts = new Map()));
    parts.set(part, value);
  }
  const seqs = [...bySeq.keys()].sort((a, b) => a - b);
  const max = seqs.length === 0 ? -1 : (seqs[seqs.length - 1] as number);
  // Commits are sequential, so what survives is a prefix 0..max with no gaps.
  expect(seqs).toEqual(Array.from({ length: max + 1 }, (_, i) => i));
  // Every recovered transaction is whole: all three keys, each with its own content.
  for (const [seq, parts] of bySeq) {
    expect([...parts.keys()].sort()).toEqual(['a', 'b', 'c']);
    for (const [part, value] of parts) {
      expect(valuesEqual(value, expectedValue(seq, part))).toBe(true);
    }
  }
  // Every acknowledged commit survived; at most one unacknowledged one (committed, then
  // killed before its ack was written) may have made it too.
  const maxAck = acked.length === 0 ? -1 : Math.max(...acked);
  expect(max).toBeGreaterThanOrEqual(maxAck);
  expect(max).toBeLessThanOrEqual(maxAck + 1);
  for (const seq of acked) {
    for (const part of ['a', 'b', 'c']) {
      const value = db.get(runId, seqKey(seq, part));
      expect(value !== undefined && valuesEqual(value, expectedValue(seq, part))).toBe(true);
    }
  }
  expect(db.get(runId, 'last')).toBe(max === -1 ? undefined : max);
  expect(db.version).toBe(max + 1);
  expect(db.recovery.records).toBe(max + 1);
  expect(db.stats().walBytes).toBe(db.recovery.validBytes);
  return max;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('crash recovery (SIGKILL mid-stream)', () => {
  it('every acknowledged commit survives and no transaction is torn, over several crashes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inmem-crash-'));
    dirs.push(dir);
    const runId = newRunId();
    const allAcked: number[] = [];
    let recovered = -1;
    for (const killAfter of [200, 320, 250, 400]) {
      const w = await runWriter(dir, runId, killAfter);
      expect(w.stderr).toBe('');
      // Killed by us while still committing, not finished or crashed on its own.
      expect(w.signal).toBe('SIGKILL');
      expect(w.code).toBeNull();
      expect(w.ackedWhenKilled).toBe(killAfter);
      expect(w.lockRefusedWhileAlive).toBe(true);
      // It resumed right after what the previous round recovered.
      expect(w.start).toBe(recovered + 1);
      expect(w.acks).toEqual(Array.from({ length: w.acks.length }, (_, i) => w.start + i));
      allAcked.push(...w.acks);

      const db = Database.open(dir); // takes over the dead child's LOCK
      try {
        recovered = verify(db, runId, allAcked);
      } finally {
        db.close();
      }
    }
    expect(allAcked.length).toBeGreaterThanOrEqual(200 + 320 + 250 + 400);
  });
});
