/**
 * Exit codes and the error that maps to "usage or environment problem". The CLI is the only
 * place that turns these into process exits; library code throws.
 */
export const EXIT = {
  ok: 0,
  /** The run did not pass: a failed scenario, a failed red flag or a confirmed regression. */
  failed: 1,
  /** Bad usage or a broken environment: unknown profile/mode, missing engine, corrupt results. */
  usage: 2,
} as const;

/** A problem the user fixes by changing the command or the environment (exit 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    message: string,
    /** How to fix it, printed after the message. */
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** A scenario needs an engine API that this engine does not have: reported `unsupported`. */
export class UnsupportedError extends Error {
  override readonly name = 'UnsupportedError';
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
