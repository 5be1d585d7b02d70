/**
 * closeOnExitSignals(): a buffered database that opted in is closed (its pending commits
 * flushed) on SIGTERM/SIGINT, and the process still dies by the signal; without the opt-in the
 * pending commits are lost, as documented; an application's own listener keeps the process
 * alive; and the handlers exist only while some open database has opted in.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Database, EXIT_SIGNALS, newRunId } from '../../engine/src/index.ts';
import { tempDir } from '../temp-dirs.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const writer = path.resolve(here, '../fixtures/signal-writer.ts');
const COUNT = 500;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
}

/** Starts the writer, sends `signal` once it is ready, and resolves with how it ended. */
function runAndSignal(dir: string, runId: string, how: string, signal: NodeJS.Signals) {
  return new Promise<Exit>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', writer, dir, runId, String(COUNT), how],
      {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    let sent = false;
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the writer did not finish: ${stdout} ${stderr}`));
    }, 15_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (!sent && stdout.includes('ready')) {
        sent = true;
        child.kill(signal);
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      clearTimeout(guard);
      resolve({ code, signal: sig, stdout });
    });
  });
}

function recovered(dir: string, runId: string): number {
  const db = Database.builder().path(dir).buffered().open();
  try {
    return db.list(runId).length;
  } finally {
    db.close();
  }
}

describe('closeOnExitSignals', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`opted in: ${signal} flushes every pending commit and the process dies by ${signal}`, async () => {
      const dir = tempDir('inmem-signal-');
      const runId = newRunId();
      const exit = await runAndSignal(dir, runId, 'opt-in', signal);
      expect(exit.stdout).toContain(`ready ${COUNT}`);
      expect(exit.signal).toBe(signal);
      expect(recovered(dir, runId)).toBe(COUNT);
    });
  }

  it('without the opt-in, SIGTERM loses the commits pending since the last flush', async () => {
    const dir = tempDir('inmem-signal-');
    const runId = newRunId();
    const exit = await runAndSignal(dir, runId, 'none', 'SIGTERM');
    expect(exit.stdout).toContain(`ready ${COUNT}`);
    expect(exit.signal).toBe('SIGTERM');
    expect(recovered(dir, runId)).toBe(0);
  });

  it("an application's own listener keeps the process; the commits are still flushed", async () => {
    const dir = tempDir('inmem-signal-');
    const runId = newRunId();
    const exit = await runAndSignal(dir, runId, 'own-listener', 'SIGTERM');
    // Once: the signal is not raised again at the application's listener.
    expect(exit.stdout.split('app-listener').length - 1).toBe(1);
    expect(exit).toMatchObject({ code: 7, signal: null });
    expect(recovered(dir, runId)).toBe(COUNT);
  });

  it('installs handlers only when asked, shares them, and removes them on undo and close', () => {
    const counts = (): number[] => EXIT_SIGNALS.map((s) => process.listenerCount(s));
    const before = counts();
    const a = Database.builder().inMemory().open();
    const b = Database.builder().path(tempDir('inmem-signal-')).buffered().open();
    expect(counts()).toEqual(before);
    const undoA = a.closeOnExitSignals();
    const plusOne = before.map((n) => n + 1);
    expect(counts()).toEqual(plusOne);
    expect(a.closeOnExitSignals()).toBe(undoA);
    b.closeOnExitSignals();
    expect(counts()).toEqual(plusOne);
    undoA();
    undoA();
    expect(counts()).toEqual(plusOne);
    b.close();
    expect(counts()).toEqual(before);
    a.closeOnExitSignals();
    expect(counts()).toEqual(plusOne);
    a.close();
    expect(counts()).toEqual(before);
    expect(() => a.closeOnExitSignals()).toThrow(/closed/i);
  });
});
