import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgress, silentProgress, useBar } from '../../../harness/run/progress.ts';

const realIsTTY = Object.getOwnPropertyDescriptor(process.stderr, 'isTTY');

function stderrIsTTY(value: boolean | undefined): void {
  Object.defineProperty(process.stderr, 'isTTY', { value, configurable: true, writable: true });
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  if (realIsTTY === undefined) delete (process.stderr as { isTTY?: boolean }).isTTY;
  else Object.defineProperty(process.stderr, 'isTTY', realIsTTY);
});

/** Everything written to stderr while `fn` runs. */
function stderrOf(fn: () => void): string[] {
  const out: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  try {
    fn();
  } finally {
    vi.restoreAllMocks();
  }
  return out;
}

describe('useBar', () => {
  it('a bar only on a terminal outside CI', () => {
    vi.stubEnv('CI', undefined);
    stderrIsTTY(true);
    expect(useBar()).toBe(true);
    stderrIsTTY(false);
    expect(useBar()).toBe(false);
    stderrIsTTY(undefined);
    expect(useBar()).toBe(false);
  });

  it.each([
    ['true', false],
    ['1', false],
    ['yes', false],
    ['', true],
    ['false', true],
  ])('CI=%j on a terminal: bar %s', (ci, bar) => {
    vi.stubEnv('CI', ci);
    stderrIsTTY(true);
    expect(useBar()).toBe(bar);
  });
});

describe('plain-line progress (CI logs, pipes)', () => {
  it('one line per finished job on stderr, numbered against the total', () => {
    const p = createProgress(false);
    const lines = stderrOf(() => {
      p.start(3);
      p.jobStarted(0, 'core/map_get');
      p.jobDone(0, 'core/map_get', 'ok');
      p.jobStarted(1, 'kvstore/put/hot_key/dur_strict');
      p.jobDone(1, 'kvstore/put/hot_key/dur_strict', 'failed: op-count proof failed');
      p.jobDone(2, 'wal/recovery/50k/dur_strict', 'unsupported');
      p.stop();
    });
    expect(lines).toEqual([
      '[1/3] core/map_get: ok\n',
      '[2/3] kvstore/put/hot_key/dur_strict: failed: op-count proof failed\n',
      '[3/3] wal/recovery/50k/dur_strict: unsupported\n',
    ]);
  });

  it('without a terminal, the default is plain lines too, and stdout stays clean', () => {
    vi.stubEnv('CI', undefined);
    stderrIsTTY(false);
    const stdout = vi.spyOn(process.stdout, 'write');
    const p = createProgress();
    const lines = stderrOf(() => {
      p.start(1);
      p.jobDone(0, 'core/map_set', 'ok');
      p.stop();
    });
    expect(lines).toEqual(['[1/1] core/map_set: ok\n']);
    expect(stdout).not.toHaveBeenCalled();
  });
});

describe('silentProgress', () => {
  it('writes nothing', () => {
    const lines = stderrOf(() => {
      silentProgress.start(2);
      silentProgress.jobStarted(0, 'a');
      silentProgress.jobDone(0, 'a', 'ok');
      silentProgress.stop();
    });
    expect(lines).toEqual([]);
  });
});
