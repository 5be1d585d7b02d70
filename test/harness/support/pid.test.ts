import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pidAlive } from '../../../harness/support/pid.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

function killFailing(code: string): void {
  vi.spyOn(process, 'kill').mockImplementation(() => {
    throw Object.assign(new Error(`kill ${code}`), { code });
  });
}

describe('pidAlive', () => {
  it('this process is alive; a process that has exited is not', () => {
    expect(pidAlive(process.pid)).toBe(true);
    const exited = spawnSync(process.execPath, ['-e', '0']).pid as number;
    expect(pidAlive(exited)).toBe(false);
  });

  it('checks with signal 0, sending nothing', () => {
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    expect(pidAlive(4242)).toBe(true);
    expect(kill).toHaveBeenCalledWith(4242, 0);
  });

  it("EPERM: alive, someone else's; any other error: gone", () => {
    killFailing('EPERM');
    expect(pidAlive(4242)).toBe(true);
    vi.restoreAllMocks();
    killFailing('ESRCH');
    expect(pidAlive(4242)).toBe(false);
  });
});
