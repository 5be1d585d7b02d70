/**
 * Typed errors. Every error the engine throws on purpose extends `InMemError` and carries a
 * stable `code`, so callers (and the harness) can branch on `err.code` rather than on messages.
 */

export type InMemErrorCode =
  | 'CONFLICT'
  | 'INVALID_VALUE'
  | 'INVALID_KEY'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'INVALID_TRANSITION'
  | 'INVALID_ARGUMENT'
  | 'TRANSACTION_STATE'
  | 'CLOSED'
  | 'CORRUPTION'
  | 'IO'
  | 'LOCKED'
  | 'INVALID_PATH';

export class InMemError extends Error {
  readonly code: InMemErrorCode;

  constructor(code: InMemErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** Optimistic validation failed at commit: another transaction committed first. Safe to retry. */
export class ConflictError extends InMemError {
  constructor(
    message: string,
    readonly key?: string,
  ) {
    super('CONFLICT', message);
  }
}

/** A value outside the engine's Value type (see `value.ts`). Nothing was written. */
export class InvalidValueError extends InMemError {
  constructor(
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super('INVALID_VALUE', message, options);
  }
}

/** An empty, oversized or malformed key or run id. Nothing was written. */
export class InvalidKeyError extends InMemError {
  constructor(message: string) {
    super('INVALID_KEY', message);
  }
}

export class NotFoundError extends InMemError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export class AlreadyExistsError extends InMemError {
  constructor(message: string) {
    super('ALREADY_EXISTS', message);
  }
}

/** An illegal state change, e.g. a RunIndex status transition the lifecycle forbids. */
export class InvalidTransitionError extends InMemError {
  constructor(message: string) {
    super('INVALID_TRANSITION', message);
  }
}

/** A bad argument that is neither a key nor a value (options, limits, modes). */
export class InvalidArgumentError extends InMemError {
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}

/** Using a transaction after it committed or aborted, or an async body in a sync transaction. */
export class TransactionStateError extends InMemError {
  constructor(message: string) {
    super('TRANSACTION_STATE', message);
  }
}

/** Any use of a database (or a transaction of it) after `close()`. */
export class ClosedError extends InMemError {
  constructor(message = 'the database is closed; open it again with Database.open(path)') {
    super('CLOSED', message);
  }
}

/** The write-ahead log is damaged somewhere other than a torn tail. The file is left untouched. */
export class CorruptionError extends InMemError {
  constructor(
    message: string,
    readonly file: string,
    readonly offset: number,
  ) {
    super('CORRUPTION', message);
  }
}

/** The operating system refused a write or fsync; the commit did not happen. */
export class IoError extends InMemError {
  constructor(message: string, cause: unknown) {
    super('IO', message, { cause });
  }
}

/** Who holds a database directory's LOCK, as far as the refused opener could tell. */
export interface LockHolder {
  pid: number;
  /** The holder's worker-thread id (0 is the main thread), when the LOCK records it. */
  threadId: number | undefined;
  /** The holder is this very process: another worker thread, or a Database not yet closed. */
  thisProcess: boolean;
}

/**
 * The database directory is open elsewhere: in another process, another worker thread of this
 * process, or a Database of this thread that was not closed. One directory has one holder.
 */
export class LockedError extends InMemError {
  constructor(
    message: string,
    /** The directory's real path (symlinks resolved), which is what the lock is keyed on. */
    readonly dir: string,
    readonly holder: LockHolder,
  ) {
    super('LOCKED', message);
  }
}

/**
 * A path that can't be a database directory: it, or a parent of it, is a file; or something
 * inside it that the engine needs as a file (`wal.log`, `LOCK`) is a directory.
 */
export class InvalidPathError extends InMemError {
  constructor(
    message: string,
    /** The offending path: the file or directory in the way. */
    readonly path: string,
  ) {
    super('INVALID_PATH', message);
  }
}
