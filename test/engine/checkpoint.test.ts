/**
 * Checkpoints: the state survives a checkpoint and a reopen (deletes stay deleted), automatic
 * checkpoints bound the WAL and the directory, a SIGKILL at every phase of a checkpoint
 * recovers exactly the acknowledged state, a cut temp checkpoint is ignored and a cut or
 * damaged committed checkpoint is CorruptionError.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CorruptionError,
  Database,
  InvalidArgumentError,
  newRunId,
  type RunId,
  type Value,
} from '../../engine/src/index.ts';
import { CHECKPOINT_FILE } from '../../engine/src/checkpoint.ts';
import { BASED_HEADER_BYTES, WAL_FILE } from '../../engine/src/wal.ts';
import { tempDir } from '../temp-dirs.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const childScript = path.resolve(here, '../fixtures/checkpoint-child.ts');

const openDbs: Database[] = [];
afterEach(() => {
  for (const db of openDbs.splice(0)) db.close();
});

type ModeName = 'strict' | 'buffered';

function open(dir: string, mode: ModeName = 'strict', every?: number): Database {
  let b = Database.builder().path(dir);
  b = mode === 'buffered' ? b.buffered() : b.strict();
  if (every !== undefined) b = b.checkpointEvery(every);
  const db = b.open();
  openDbs.push(db);
  return db;
}

function closeDb(db: Database): void {
  db.close();
  openDbs.splice(openDbs.indexOf(db), 1);
}

function state(db: Database, runs: RunId[]): Record<string, Array<[string, Value]>> {
  const out: Record<string, Array<[string, Value]>> = {};
  for (const r of runs) out[r] = db.list(r);
  return out;
}

function dirBytes(dir: string): number {
  return fs.readdirSync(dir).reduce((sum, f) => sum + fs.statSync(path.join(dir, f)).size, 0);
}

describe('automatic checkpoint pacing', () => {
  it("with the default threshold, waits 40x the last checkpoint's duration; an explicit threshold is exact", () => {
    // A clock that moves 0.5 ms per reading: a checkpoint (two readings) "takes" 0.5 ms, so the
    // next automatic one waits 20 ms of readings, i.e. 40 checks of 1/8 MB of WAL each.
    let clock = 1_000;
    const spy = vi.spyOn(performance, 'now').mockImplementation(() => (clock += 0.5));
    try {
      const r = newRunId();
      const big = 'x'.repeat(30_000);
      const fill = (db: Database, bytes: number): void => {
        for (let i = 0; i * 30_000 < bytes; i++) db.put(r, `k${i % 10}`, big);
      };
      const paced = open(tempDir('inmem-ckpt-'), 'buffered');
      fill(paced, 1.1 * 1024 * 1024);
      expect(paced.stats().checkpoints).toBe(1);
      // The next threshold is 4x the checkpoint's 300 KB: 1.2 MB. Past it, within 20 ms of the
      // last checkpoint, pacing defers...
      fill(paced, 2 * 1024 * 1024);
      expect(paced.stats().checkpoints).toBe(1);
      expect(paced.stats().walBytes).toBeGreaterThan(1.9 * 1024 * 1024);
      // ...but never past twice the threshold (2.4 MB), however recent the last one was.
      fill(paced, 600 * 1024);
      expect(paced.stats().checkpoints).toBe(2);
      // After that, time decides again: 20 ms later the next threshold checkpoints at once.
      clock += 1_000;
      fill(paced, 1.3 * 1024 * 1024);
      expect(paced.stats().checkpoints).toBe(3);

      const exact = open(tempDir('inmem-ckpt-'), 'buffered', 1024 * 1024);
      fill(exact, 4.1 * 1024 * 1024);
      expect(exact.stats().checkpoints).toBeGreaterThanOrEqual(3);
    } finally {
      spy.mockRestore();
    }
  });
});

describe.each(['strict', 'buffered'] as const)('checkpoint round trip (%s)', (mode) => {
  it('writes, checkpoint, more writes: a reopen has the same state, versions and no resurrected deletes', () => {
    const dir = tempDir('inmem-ckpt-');
    const a = newRunId();
    const b = newRunId();
    const db = open(dir, mode);
    for (let i = 0; i < 50; i++) db.put(a, `k${i % 7}`, { i, big: BigInt(i) * 7n });
    db.put(b, 'bytes', new Uint8Array([9, 8, 7]));
    db.put(b, 'gone-before', 'x');
    db.delete(b, 'gone-before');
    db.put(a, 'gone-after', 'y');
    db.checkpoint();
    expect(db.stats()).toMatchObject({ checkpoints: 1, checkpointVersion: 54 });
    expect(db.stats().walBytes).toBe(BASED_HEADER_BYTES);
    db.transaction(a, (txn) => {
      txn.put('k1', 'after');
      txn.delete('gone-after');
    });
    db.put(b, 'new', [1, 'two', null]);
    const before = state(db, [a, b]);
    const versions = ['k0', 'k1', 'k6'].map((k) => db.getVersion(a, k));
    closeDb(db);

    const again = open(dir, mode);
    expect(state(again, [a, b])).toEqual(before);
    expect(['k0', 'k1', 'k6'].map((k) => again.getVersion(a, k))).toEqual(versions);
    expect(again.get(b, 'gone-before')).toBeUndefined();
    expect(again.get(a, 'gone-after')).toBeUndefined();
    expect(again.version).toBe(56);
    expect(again.recovery.records).toBe(2);
    expect(again.stats()).toMatchObject({ checkpointVersion: 54, checkpoints: 0 });
    // Commits go on from the recovered version, through another checkpoint and reopen.
    again.put(a, 'k2', 'third');
    again.checkpoint();
    again.put(a, 'k3', 'fourth');
    const third = state(again, [a, b]);
    closeDb(again);
    const last = open(dir, mode);
    expect(state(last, [a, b])).toEqual(third);
    expect(last.version).toBe(58);
    expect(fs.readdirSync(dir).sort()).toEqual(['LOCK', CHECKPOINT_FILE, WAL_FILE].sort());
  });

  it('a state larger than one chunk, over several runs, comes back whole', () => {
    const dir = tempDir('inmem-ckpt-');
    const runs = [newRunId(), newRunId(), newRunId()];
    const db = open(dir, mode);
    for (const r of runs) {
      db.transaction(r, (txn) => {
        for (let i = 0; i < 1500; i++) txn.put(`key/${i}`, { i, pad: 'v'.repeat(200) });
      });
    }
    db.checkpoint();
    const before = state(db, runs);
    closeDb(db);
    expect(fs.statSync(path.join(dir, CHECKPOINT_FILE)).size).toBeGreaterThan(3 * 256 * 1024);
    const again = open(dir, mode);
    expect(state(again, runs)).toEqual(before);
    expect(again.recovery.records).toBe(0);
  });

  it('checkpoints automatically by WAL size, and many overwrites of 10 keys keep the directory small', () => {
    const dir = tempDir('inmem-ckpt-');
    const r = newRunId();
    const db = open(dir, mode, 4 * 1024);
    for (let i = 0; i < 1500; i++) db.put(r, `k${i % 10}`, i);
    const s = db.stats();
    // ~62 bytes per record: 1500 records are ~93 KB of WAL without checkpoints.
    expect(s.checkpoints).toBeGreaterThanOrEqual(15);
    expect(s.walBytes).toBeLessThanOrEqual(4 * 1024 + 100);
    expect(s.checkpointVersion).toBeGreaterThan(1400);
    // After close: while open, a strict WAL holds preallocated zeros ahead of its records.
    closeDb(db);
    expect(dirBytes(dir)).toBeLessThan(6 * 1024);
    const again = open(dir, mode);
    expect(again.list(r)).toEqual(Array.from({ length: 10 }, (_, k) => [`k${k}`, 1490 + k]));
    expect(again.recovery.records).toBeLessThan(100);
  });

  it('open transactions and snapshots stay correct across a checkpoint', () => {
    const dir = tempDir('inmem-ckpt-');
    const r = newRunId();
    const db = open(dir, mode);
    db.put(r, 'x', 1);
    db.put(r, 'w', 'w0');
    const snap = db.snapshot();
    const txn = db.begin(r);
    expect(txn.get('w')).toBe('w0');
    db.put(r, 'x', 2);
    // Deleted while a snapshot is open, so a tombstone is the key's newest entry.
    db.put(r, 'gone', 'g');
    db.delete(r, 'gone');
    db.checkpoint();
    expect(snap.get(r, 'x')).toBe(1);
    txn.put('y', 'from-txn');
    txn.commit();
    snap.release();
    expect(db.get(r, 'x')).toBe(2);
    closeDb(db);
    const again = open(dir, mode);
    expect(again.list(r)).toEqual([
      ['w', 'w0'],
      ['x', 2],
      ['y', 'from-txn'],
    ]);
  });
});

describe('checkpoint options and edge cases', () => {
  it('buffered: the flusher thread writes to the new WAL after a checkpoint', () => {
    const dir = tempDir('inmem-ckpt-');
    const r = newRunId();
    // A batch every 10 commits, so the flusher thread (not close()) writes most of them.
    const db = Database.builder().path(dir).bufferedWith(60_000, 10).open();
    openDbs.push(db);
    for (let i = 0; i < 100; i++) db.put(r, `a${i}`, i);
    db.checkpoint();
    for (let i = 0; i < 100; i++) db.put(r, `b${i}`, i);
    db.checkpoint();
    for (let i = 0; i < 105; i++) db.put(r, `c${i}`, i);
    const before = db.list(r);
    closeDb(db);
    const again = open(dir, 'buffered');
    expect(again.list(r)).toEqual(before);
    expect(again.recovery.records).toBe(105);
  });

  it('checkpointEvery refuses what is not a positive integer (or Infinity)', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, '1024' as unknown as number]) {
      expect(() => Database.builder().checkpointEvery(bad)).toThrow(InvalidArgumentError);
    }
    expect(() => Database.builder().checkpointEvery(Number.POSITIVE_INFINITY)).not.toThrow();
  });

  it('is a no-op in memory', () => {
    const db = Database.builder().inMemory().open();
    db.put(newRunId(), 'k', 1);
    db.checkpoint();
    expect(db.stats()).toMatchObject({ checkpoints: 0, checkpointVersion: 0, checkpointBytes: 0 });
    db.close();
  });

  it('a WAL that continues from past the checkpoint (commits missing) is CorruptionError', () => {
    const dir = tempDir('inmem-ckpt-');
    const r = newRunId();
    const db = open(dir);
    db.put(r, 'k', 1);
    db.checkpoint();
    db.put(r, 'k', 2);
    closeDb(db);
    fs.rmSync(path.join(dir, CHECKPOINT_FILE));
    expect(() => open(dir)).toThrow(CorruptionError);
  });
});

/** Runs the child with the kill phase set; resolves with its output lines and signal. */
function runChild(
  dir: string,
  runId: RunId,
  mode: ModeName,
  killAt: string,
): Promise<{ lines: string[]; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', childScript, dir, runId, mode], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, INMEM_TEST_CHECKPOINT_KILL_AT: killAt },
    });
    let stdout = '';
    let stderr = '';
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`checkpoint child (${mode}, ${killAt}) hung: ${stdout} ${stderr}`));
    }, 30_000);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(guard);
      resolve({ lines: stdout.split('\n').filter((l) => l !== ''), signal, stderr });
    });
  });
}

/** What the child committed before "ready" (state A). */
function stateA(): Array<[string, Value]> {
  const out: Array<[string, Value]> = [];
  for (let k = 0; k < 10; k++) {
    if (k === 3) continue;
    const i = 190 + k;
    out.push([`k${k}`, { i, pad: 'p'.repeat(i % 7) }]);
  }
  out.push(['t/a', 1n], ['t/b', new Uint8Array([1, 2, 3])]);
  return out.sort((x, y) => (x[0] < y[0] ? -1 : 1));
}

const PHASES = [
  'temp-partial',
  'temp-written',
  'temp-synced',
  'renamed',
  'wal-temp',
  'wal-renamed',
  'done',
  // Not a phase: the checkpoint completes and the child dies after state B.
  'none',
];

describe('SIGKILL at each phase of a checkpoint', () => {
  it.each(['strict', 'buffered'] as const)(
    '%s: every phase recovers exactly the acknowledged state, and checkpoints again',
    async (mode) => {
      const jobs = PHASES.map((phase) => {
        const dir = tempDir('inmem-ckpt-kill-');
        const runId = newRunId();
        return runChild(dir, runId, mode, phase).then((res) => ({ phase, dir, runId, res }));
      });
      for (const { phase, dir, runId, res } of await Promise.all(jobs)) {
        expect(res.stderr, phase).toBe('');
        expect(res.signal, phase).toBe('SIGKILL');
        expect(res.lines[0], phase).toBe('ready');
        const killedInCheckpoint = phase !== 'none';
        expect(res.lines.includes('checkpointed'), phase).toBe(!killedInCheckpoint);
        const expected = new Map(stateA());
        if (!killedInCheckpoint) {
          for (let i = 0; i < 5; i++) expected.set(`b${i}`, i);
          expected.delete('k4');
          expect(res.lines.at(-1)).toBe('ack deleted');
        }
        const sorted = [...expected].sort((x, y) => (x[0] < y[0] ? -1 : 1));
        const db = open(dir, mode);
        expect(db.list(runId), phase).toEqual(sorted);
        expect(db.version, phase).toBe(killedInCheckpoint ? 202 : 208);
        // Leftover temp files are gone; a committed checkpoint is what was killed after step 2.
        expect(
          fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
          phase,
        ).toEqual([]);
        const committed = !['temp-partial', 'temp-written', 'temp-synced'].includes(phase);
        expect(db.stats().checkpointVersion, phase).toBe(committed ? 202 : 0);
        db.put(runId, 'after', phase);
        db.checkpoint();
        closeDb(db);
        const again = open(dir, mode);
        expect(again.list(runId), phase).toEqual(
          [...sorted, ['after', phase] as [string, Value]].sort((x, y) => (x[0] < y[0] ? -1 : 1)),
        );
        closeDb(again);
      }
    },
  );
});

/**
 * A directory just before a checkpoint (the old WAL) and the same directory after it, with
 * the bytes of the checkpoint (the temp file and the final file hold the same bytes).
 */
function checkpointFixture(): { runId: RunId; before: string; after: string; bytes: Buffer } {
  const runId = newRunId();
  const before = tempDir('inmem-ckpt-cut-');
  const db = open(before);
  for (let i = 0; i < 40; i++) db.put(runId, `key-${i % 20}`, { i, s: 'z'.repeat(i) });
  db.delete(runId, 'key-5');
  closeDb(db);
  const after = tempDir('inmem-ckpt-cut-');
  fs.cpSync(before, after, { recursive: true });
  const db2 = open(after);
  db2.checkpoint();
  closeDb(db2);
  return { runId, before, after, bytes: fs.readFileSync(path.join(after, CHECKPOINT_FILE)) };
}

describe('truncation and damage of a checkpoint file', () => {
  it('a temp checkpoint cut at any offset is ignored and removed: the old WAL gives the state', () => {
    const f = checkpointFixture();
    const db = open(f.before);
    const expected = db.list(f.runId);
    closeDb(db);
    const wal = fs.readFileSync(path.join(f.before, WAL_FILE));
    const tmp = path.join(f.before, `${CHECKPOINT_FILE}.tmp`);
    for (let cut = 0; cut <= f.bytes.length; cut++) {
      fs.writeFileSync(tmp, f.bytes.subarray(0, cut));
      const d = open(f.before);
      expect(d.list(f.runId)).toEqual(expected);
      expect(d.stats().checkpointVersion).toBe(0);
      closeDb(d);
      expect(fs.existsSync(tmp)).toBe(false);
      expect(fs.readFileSync(path.join(f.before, WAL_FILE)).equals(wal)).toBe(true);
    }
  });

  it('a committed checkpoint cut at any offset, or damaged, is CorruptionError naming it', () => {
    const f = checkpointFixture();
    const file = path.join(f.after, CHECKPOINT_FILE);
    const expectCorrupt = (bytes: Buffer, what: string): void => {
      fs.writeFileSync(file, bytes);
      let err: unknown;
      try {
        open(f.after);
      } catch (e) {
        err = e;
      }
      expect(err, what).toBeInstanceOf(CorruptionError);
      const c = err as CorruptionError;
      expect(c.file, what).toBe(file);
      expect(c.offset, what).toBeGreaterThanOrEqual(0);
      expect(c.offset, what).toBeLessThanOrEqual(bytes.length);
      expect(c.message, what).toContain(file);
      // Left untouched for whoever restores it.
      expect(fs.readFileSync(file).equals(bytes), what).toBe(true);
    };
    for (let cut = 0; cut < f.bytes.length; cut++) {
      expectCorrupt(f.bytes.subarray(0, cut), `cut at ${cut}`);
    }
    for (let pos = 0; pos < f.bytes.length; pos += 7) {
      const flipped = Buffer.from(f.bytes);
      flipped[pos] = (flipped[pos] as number) ^ 0x10;
      expectCorrupt(flipped, `flipped byte ${pos}`);
    }
    expectCorrupt(Buffer.concat([f.bytes, Buffer.from([0])]), 'a byte after the end record');
    // Whole again, it opens.
    fs.writeFileSync(file, f.bytes);
    const db = open(f.after);
    expect(db.get(f.runId, 'key-5')).toBeUndefined();
    expect(db.get(f.runId, 'key-6')).toEqual({ i: 26, s: 'z'.repeat(26) });
  });
});
