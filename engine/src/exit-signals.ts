/**
 * Opt-in close on SIGTERM, SIGINT and SIGHUP (`db.closeOnExitSignals()`).
 *
 * Node's default for these signals kills the process at once, with no 'exit' event, so a
 * buffered database loses the commits pending since its last flush. A library must not take
 * over a process's signals on its own, so nothing is installed until a database asks; then one
 * set of handlers serves every database that asked, and goes when the last one leaves.
 *
 * On a signal the handlers close every enrolled database (flushing what is buffered), remove
 * themselves, and re-raise the signal, so the process dies by it as it would have without us
 * (a shell sees 128 + the signal's number). When the application has a listener of its own for
 * that signal, the process is left running to that listener: it chose to handle the signal, and
 * raising the signal again would only call that listener a second time.
 */

export const EXIT_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const satisfies NodeJS.Signals[];
export type ExitSignal = (typeof EXIT_SIGNALS)[number];

/** What a signal closes: a database (anything with a synchronous, idempotent close). */
export interface Closable {
  close(): void;
}

const enrolled = new Set<Closable>();
const installed = new Map<ExitSignal, () => void>();

function install(): void {
  for (const signal of EXIT_SIGNALS) {
    const handler = (): void => onSignal(signal);
    installed.set(signal, handler);
    process.on(signal, handler);
  }
}

function uninstall(): void {
  for (const [signal, handler] of installed) process.removeListener(signal, handler);
  installed.clear();
}

function onSignal(signal: ExitSignal): void {
  const dbs = [...enrolled];
  enrolled.clear();
  uninstall();
  for (const db of dbs) {
    try {
      db.close();
    } catch (err) {
      // The process is about to end: stderr is the only place left to say what was lost.
      process.stderr.write(
        `in-mem: closing a database on ${signal} failed: ${err instanceof Error ? err.message : String(err)}\n`,
      );
    }
  }
  if (process.listenerCount(signal) > 0) return;
  // No listener is left, so Node has restored the default action: the process dies by it.
  process.kill(process.pid, signal);
}

/**
 * Enrolls `db` to be closed on SIGTERM, SIGINT or SIGHUP; returns a function that takes it out
 * again (idempotent). The handlers exist only while some database is enrolled.
 */
export function closeOnExitSignals(db: Closable): () => void {
  if (installed.size === 0) install();
  enrolled.add(db);
  let undone = false;
  return () => {
    if (undone) return;
    undone = true;
    enrolled.delete(db);
    if (enrolled.size === 0) uninstall();
  };
}

/** How many databases are enrolled (for tests and diagnostics). */
export function exitSignalEnrolments(): number {
  return enrolled.size;
}
