/**
 * Folders this process made and must not leave behind: the run's bundles, a child's scratch
 * folder. They are removed when the process exits, and on Ctrl-C or SIGTERM, which otherwise
 * end a Node process without its 'exit' event. While a baseline checkout is alive its own
 * handler (worktree.ts) owns the exit (`ownExit`): it removes the checkout and then exits,
 * which runs the removal below too.
 */
import fs from 'node:fs';
import os from 'node:os';

const dirs = new Set<string>();
let installed = false;
let owners = 0;

function removeAll(): void {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  dirs.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  if (owners > 0) return;
  process.exit(128 + (os.constants.signals[signal] ?? 2));
}

/**
 * Another handler exits on SIGINT/SIGTERM after async cleanup of its own, until the returned
 * function is called; meanwhile this module's handler does not exit first.
 */
export function ownExit(): () => void {
  owners++;
  let released = false;
  return () => {
    if (!released) owners--;
    released = true;
  };
}

/** Removes `dir` at exit unless the returned function is called first (then it's yours). */
export function removeOnExit(dir: string): () => void {
  if (!installed) {
    installed = true;
    process.on('exit', removeAll);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
  dirs.add(dir);
  return () => {
    dirs.delete(dir);
  };
}
