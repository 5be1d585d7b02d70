/**
 * Folders this process made and must not leave behind: the run's bundles, a child's scratch
 * folder. They are removed when the process exits, and on Ctrl-C or SIGTERM, which otherwise
 * end a Node process without its 'exit' event. While a baseline checkout is alive its own
 * handler (worktree.ts) owns the exit (`ownExit`): it removes the checkout and then exits,
 * which runs the removal below too.
 *
 * A measuring child process (child.ts) works in a scratch folder its parent made and reads
 * after the child exits, so the child must not remove it on a normal exit; but when the
 * parent can't remove it either, the child does (`removeIfAbandoned`): when the child itself
 * is ended by SIGINT/SIGTERM (Ctrl-C reaches every process of the group, and the parent may
 * be killed outright: tsx's CLI SIGKILLs a process that does not acknowledge a relayed signal
 * within about 60 ms), or when its parent has died (it then exits too: nobody will read what
 * it measures).
 */
import fs from 'node:fs';
import os from 'node:os';

const dirs = new Set<string>();
/** Removed only if this process was signalled or orphaned (removeIfAbandoned). */
const ifAbandoned = new Set<string>();
let installed = false;
let owners = 0;
let signalled = false;
/** The parent when removeIfAbandoned was first called; a different ppid means it died. */
let parentAtStart: number | null = null;

/** How often an abandoned-aware process checks that its parent is still there. */
const PARENT_POLL_MS = 250;
/** Exit code of a process whose parent died: 128 + SIGHUP, the shell's "hung up". */
const ORPHAN_EXIT = 128 + 1;

function orphaned(): boolean {
  return parentAtStart !== null && process.ppid !== parentAtStart;
}

function remove(d: string): void {
  try {
    // Retries: a process still writing into it (a child being killed) can make rmdir fail once.
    fs.rmSync(d, { recursive: true, force: true, maxRetries: 3, retryDelay: 50 });
  } catch {
    // Best effort at exit: one folder that can't go must not keep the others.
  }
}

function removeAll(): void {
  for (const d of dirs) remove(d);
  dirs.clear();
  if (signalled || orphaned()) for (const d of ifAbandoned) remove(d);
  ifAbandoned.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  signalled = true;
  if (owners > 0) return;
  process.exit(128 + (os.constants.signals[signal] ?? 2));
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', removeAll);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
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

/**
 * Whether SIGINT or SIGTERM has arrived: the process is on its way out (another handler may
 * still be cleaning up), so work finishing now must not be kept as if it had completed.
 */
export function exitSignalled(): boolean {
  return signalled;
}

/** Removes `dir` at exit unless the returned function is called first (then it's yours). */
export function removeOnExit(dir: string): () => void {
  install();
  dirs.add(dir);
  return () => {
    dirs.delete(dir);
  };
}

/**
 * For a child process in a folder its parent made and will remove: removes `dir` at exit only
 * if this process was ended by SIGINT/SIGTERM or its parent has died, and exits (code 129) as
 * soon as it notices the parent is gone. A normal exit leaves the folder to the parent.
 */
export function removeIfAbandoned(dir: string): () => void {
  install();
  if (parentAtStart === null) {
    parentAtStart = process.ppid;
    setInterval(() => {
      if (orphaned()) process.exit(ORPHAN_EXIT);
    }, PARENT_POLL_MS).unref();
  }
  ifAbandoned.add(dir);
  return () => {
    ifAbandoned.delete(dir);
  };
}
