/**
 * Durability modes (upstream M4): how far a commit has travelled when it returns.
 *
 *   inMemory  no WAL, no file at all; a crash loses everything.
 *   buffered  the commit's WAL record goes to a memory buffer; a background flusher writes and
 *             fsyncs the buffer when `maxPendingWrites` commits are pending or `flushIntervalMs`
 *             has passed. A crash loses at most what was pending since the last completed flush.
 *   strict    written and fsynced before the commit returns (the default, and M3's behaviour).
 *
 * All three give the same atomicity, consistency and isolation.
 */
import { InvalidArgumentError } from './errors.ts';

export type DurabilityMode =
  | { readonly kind: 'inMemory' }
  | {
      readonly kind: 'buffered';
      readonly flushIntervalMs: number;
      readonly maxPendingWrites: number;
    }
  | { readonly kind: 'strict' };

export type DurabilityKind = DurabilityMode['kind'];

export interface BufferedOptions {
  flushIntervalMs: number;
  maxPendingWrites: number;
}

/** A value for an error message; never throws (JSON.stringify does on a bigint or a cycle). */
function show(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function positiveInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new InvalidArgumentError(`${what} must be a positive integer, got ${show(value)}`);
  }
  return value;
}

const IN_MEMORY: DurabilityMode = Object.freeze({ kind: 'inMemory' });
const STRICT: DurabilityMode = Object.freeze({ kind: 'strict' });

export const DurabilityMode = {
  inMemory(): DurabilityMode {
    return IN_MEMORY;
  },

  buffered(options: BufferedOptions): DurabilityMode {
    if (options === null || typeof options !== 'object') {
      throw new InvalidArgumentError('buffered() needs { flushIntervalMs, maxPendingWrites }');
    }
    return Object.freeze({
      kind: 'buffered',
      flushIntervalMs: positiveInteger(options.flushIntervalMs, 'flushIntervalMs'),
      maxPendingWrites: positiveInteger(options.maxPendingWrites, 'maxPendingWrites'),
    });
  },

  /** The recommended production setting: 100 ms or 1000 pending commits, whichever first. */
  bufferedDefault(): DurabilityMode {
    return DurabilityMode.buffered({ flushIntervalMs: 100, maxPendingWrites: 1000 });
  },

  strict(): DurabilityMode {
    return STRICT;
  },

  /** Strict: an M3 database opened with `Database.open(path)` keeps its behaviour. */
  default(): DurabilityMode {
    return STRICT;
  },

  requiresWal(mode: DurabilityMode): boolean {
    return mode.kind !== 'inMemory';
  },

  requiresImmediateFsync(mode: DurabilityMode): boolean {
    return mode.kind === 'strict';
  },

  /** Flush interval in milliseconds for buffered mode, else undefined. */
  flushInterval(mode: DurabilityMode): number | undefined {
    return mode.kind === 'buffered' ? mode.flushIntervalMs : undefined;
  },

  maxPendingWrites(mode: DurabilityMode): number | undefined {
    return mode.kind === 'buffered' ? mode.maxPendingWrites : undefined;
  },

  describe(mode: DurabilityMode): string {
    switch (mode.kind) {
      case 'inMemory':
        return 'in-memory: no persistence (fastest)';
      case 'buffered':
        return `buffered: fsync every ${mode.flushIntervalMs} ms or ${mode.maxPendingWrites} commits (balanced)`;
      case 'strict':
        return 'strict: fsync before every commit returns (safest)';
    }
  },

  /** Validates a parsed JSON value (e.g. from config) as a DurabilityMode. */
  fromJSON(value: unknown): DurabilityMode {
    if (value === null || typeof value !== 'object' || !('kind' in value)) {
      throw new InvalidArgumentError(
        `not a durability mode: ${show(value)}; expected {"kind":"inMemory"|"buffered"|"strict"}`,
      );
    }
    const v = value as Record<string, unknown>;
    switch (v.kind) {
      case 'inMemory':
        return IN_MEMORY;
      case 'strict':
        return STRICT;
      case 'buffered':
        return DurabilityMode.buffered({
          flushIntervalMs: v.flushIntervalMs as number,
          maxPendingWrites: v.maxPendingWrites as number,
        });
      default:
        throw new InvalidArgumentError(
          `unknown durability mode kind ${show(v.kind)}; use inMemory, buffered or strict`,
        );
    }
  },

  equals(a: DurabilityMode, b: DurabilityMode): boolean {
    return JSON.stringify(a) === JSON.stringify(b);
  },
} as const;
