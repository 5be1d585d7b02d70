/**
 * Whether a process exists, for cleaning up what a dead process left behind (worktree locks,
 * LMDB tmpfs environments). Signal 0 checks without sending anything.
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, just someone else's.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
