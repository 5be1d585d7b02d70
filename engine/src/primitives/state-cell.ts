/**
 * StateCell: named, versioned cells per run, for coordination state. Each cell carries its
 * own version (1 on init, +1 on every write), which `cas` checks.
 */
import type { Database } from '../database.ts';
import {
  AlreadyExistsError,
  ConflictError,
  InvalidArgumentError,
  NotFoundError,
} from '../errors.ts';
import { checkKey, checkRunId, type RunId } from '../keys.ts';
import type { Transaction } from '../transaction.ts';
import type { Value } from '../value.ts';
import { NS } from './namespaces.ts';

export interface CellState {
  readonly value: Value;
  readonly version: number;
  /** Milliseconds since the epoch of the last write. */
  readonly updatedAt: number;
}

export interface TransitionResult extends CellState {
  /** How many times the closure ran (1 + retries after conflicts). */
  readonly attempts: number;
}

const P = NS.state;

function cellKey(name: string): string {
  checkKey(name, 'cell name');
  return P + name;
}

function readCell(txn: Transaction, key: string): CellState | undefined {
  return txn.get(key) as CellState | undefined;
}

function write(txn: Transaction, key: string, value: unknown, version: number): number {
  txn.put(key, { value: value as Value, version, updatedAt: Date.now() });
  return version;
}

export class StateCell {
  constructor(readonly db: Database) {}

  /** Creates a cell at version 1. Throws AlreadyExistsError if it exists. */
  init(runId: RunId, name: string, value: unknown): number {
    const key = cellKey(name);
    return this.db.transaction(runId, (txn) => {
      if (readCell(txn, key) !== undefined) {
        throw new AlreadyExistsError(`state cell "${name}" already exists in run ${runId}`);
      }
      return write(txn, key, value, 1);
    });
  }

  read(runId: RunId, name: string): CellState | undefined {
    return this.db.get(runId, cellKey(name)) as CellState | undefined;
  }

  exists(runId: RunId, name: string): boolean {
    return this.read(runId, name) !== undefined;
  }

  /** Unconditional write; creates the cell when missing. Returns the new version. */
  set(runId: RunId, name: string, value: unknown): number {
    const key = cellKey(name);
    return this.db.transaction(runId, (txn) => {
      const cur = readCell(txn, key);
      return write(txn, key, value, (cur?.version ?? 0) + 1);
    });
  }

  /** Writes only if the cell is at `expectedVersion`; else ConflictError. Returns the new version. */
  cas(runId: RunId, name: string, expectedVersion: number, value: unknown): number {
    const key = cellKey(name);
    if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 1) {
      throw new InvalidArgumentError(
        `expectedVersion must be a positive integer, got ${expectedVersion}`,
      );
    }
    return this.db.transaction(runId, (txn) => {
      const cur = readCell(txn, key);
      if (cur === undefined)
        throw new NotFoundError(`state cell "${name}" does not exist in run ${runId}`);
      if (cur.version !== expectedVersion) {
        throw new ConflictError(
          `state cell "${name}" is at version ${cur.version}, not ${expectedVersion}`,
          key,
        );
      }
      return write(txn, key, value, expectedVersion + 1);
    });
  }

  /** Deletes a cell; returns whether it existed. */
  delete(runId: RunId, name: string): boolean {
    const key = cellKey(name);
    return this.db.transaction(runId, (txn) => {
      const existed = readCell(txn, key) !== undefined;
      if (existed) txn.delete(key);
      return existed;
    });
  }

  /** Names of the run's cells, sorted. */
  list(runId: RunId): string[] {
    checkRunId(runId);
    return this.db.list(runId, P).map(([k]) => k.slice(P.length));
  }

  /**
   * Applies `fn` to the cell's current value and writes the result, atomically. `fn` must be
   * pure: when the commit meets a conflict (another commit changed the cell after `fn` read
   * it), `fn` runs again on the new value, up to `maxAttempts` times.
   */
  transition(
    runId: RunId,
    name: string,
    fn: (current: Value, version: number) => unknown,
    options: { maxAttempts?: number } = {},
  ): TransitionResult {
    const key = cellKey(name);
    const maxAttempts = options.maxAttempts ?? 100;
    if (!Number.isSafeInteger(maxAttempts) || maxAttempts < 1) {
      throw new InvalidArgumentError(`maxAttempts must be a positive integer, got ${maxAttempts}`);
    }
    for (let attempt = 1; ; attempt++) {
      const txn = this.db.begin(runId);
      try {
        const cur = readCell(txn, key);
        if (cur === undefined)
          throw new NotFoundError(`state cell "${name}" does not exist in run ${runId}`);
        const next = fn(cur.value, cur.version);
        const version = write(txn, key, next, cur.version + 1);
        txn.commit();
        const stored = this.db.get(runId, key) as CellState | undefined;
        return {
          value: stored?.value ?? null,
          version,
          updatedAt: stored?.updatedAt ?? Date.now(),
          attempts: attempt,
        };
      } catch (err) {
        txn.abort();
        if (err instanceof ConflictError && attempt < maxAttempts) continue;
        throw err;
      }
    }
  }
}
