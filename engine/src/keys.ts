/**
 * Run ids and keys. A run id is a UUID string, stored in lower case: `ABC…` and `abc…` name
 * one run; a key is a non-empty string of at most
 * LIMITS.maxKeyBytes UTF-8 bytes. Primitives namespace their keys with a short prefix
 * (see `primitives/namespaces.ts`), so the five primitives never see each other's data.
 */
import { randomUUID } from 'node:crypto';
import { InvalidKeyError } from './errors.ts';
import { isWellFormedString, LIMITS } from './value.ts';

export type RunId = string;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOWER_UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A new random (v4) run id. */
export function newRunId(): RunId {
  return randomUUID();
}

export function isRunId(value: unknown): value is RunId {
  return typeof value === 'string' && UUID_RE.test(value);
}

export function checkRunId(runId: unknown): asserts runId is RunId {
  if (!isRunId(runId)) {
    throw new InvalidKeyError(
      `run id ${JSON.stringify(runId)} is not a UUID; create one with newRunId() or RunIndex.createRun()`,
    );
  }
}

/**
 * The canonical (lower-case) spelling of a run id; throws InvalidKeyError when it is not a
 * UUID. Every entry point stores and looks runs up by this spelling.
 */
export function normalizeRunId(runId: unknown): RunId {
  if (typeof runId === 'string' && LOWER_UUID_RE.test(runId)) return runId;
  checkRunId(runId);
  return runId.toLowerCase();
}

export function checkKey(
  key: unknown,
  what = 'key',
  maxBytes: number = LIMITS.maxKeyBytes,
): asserts key is string {
  if (typeof key !== 'string') {
    throw new InvalidKeyError(`${what} must be a string, got ${typeof key}`);
  }
  if (key.length === 0) {
    throw new InvalidKeyError(`${what} must not be empty`);
  }
  // A UTF-16 unit is at most 3 UTF-8 bytes, so short keys skip the byte count.
  if (key.length * 3 > maxBytes && Buffer.byteLength(key, 'utf8') > maxBytes) {
    throw new InvalidKeyError(
      `${what} is ${Buffer.byteLength(key, 'utf8')} UTF-8 bytes; the limit is ${maxBytes}`,
    );
  }
  if (!isWellFormedString(key)) {
    throw new InvalidKeyError(
      `${what} contains a lone UTF-16 surrogate, which UTF-8 (the log's encoding) can't represent`,
    );
  }
}

/** A key of the raw Database API (primitives' namespaced keys included). */
export function checkRawKey(key: unknown): asserts key is string {
  checkKey(key, 'key', LIMITS.maxRawKeyBytes);
}
