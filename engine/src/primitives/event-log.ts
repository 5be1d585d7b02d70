/**
 * EventLog: an append-only log per run. Events get sequence numbers 0, 1, 2, ... and form a
 * SHA-256 hash chain: each event's hash covers its sequence, type, timestamp, payload and the
 * previous event's hash, so any later change to an event breaks `verifyChain` at that event.
 */
import { createHash } from 'node:crypto';
import { encode } from '../codec.ts';
import type { Database } from '../database.ts';
import { InvalidArgumentError } from '../errors.ts';
import { checkKey, checkRunId, type RunId } from '../keys.ts';
import { admitValue, type Value } from '../value.ts';
import { NS, pad } from './namespaces.ts';

export interface Event {
  readonly sequence: number;
  readonly type: string;
  readonly payload: Value;
  /** Milliseconds since the epoch, when appended. */
  readonly timestamp: number;
  readonly prevHash: string;
  readonly hash: string;
}

export type ChainVerification =
  | { valid: true; length: number }
  | { valid: false; length: number; firstBadSequence: number; reason: string };

/** The previous-hash of event 0. */
export const GENESIS_HASH = '0'.repeat(64);

const META = `${NS.event}meta`;
const EVENT = `${NS.event}e/`;

interface Meta {
  len: number;
  head: string;
}

function eventKey(sequence: number): string {
  return EVENT + pad(sequence);
}

/** The hash of an event's content, chained to `prevHash`. */
export function eventHash(
  sequence: number,
  type: string,
  timestamp: number,
  payload: Value,
  prevHash: string,
): string {
  return createHash('sha256')
    .update(encode([sequence, type, timestamp, prevHash, payload]))
    .digest('hex');
}

function readMeta(value: Value | undefined): Meta {
  if (value === undefined) return { len: 0, head: GENESIS_HASH };
  return value as unknown as Meta;
}

function checkSequence(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InvalidArgumentError(`${what} must be a non-negative integer, got ${n}`);
  }
}

export class EventLog {
  constructor(readonly db: Database) {}

  /** Appends an event; returns its sequence number and hash. */
  append(runId: RunId, type: string, payload: unknown): { sequence: number; hash: string } {
    checkKey(type, 'event type');
    const admitted = admitValue(payload);
    return this.db.transaction(runId, (txn) => {
      const meta = readMeta(txn.get(META));
      const sequence = meta.len;
      const timestamp = Date.now();
      const hash = eventHash(sequence, type, timestamp, admitted, meta.head);
      const event: Event = {
        sequence,
        type,
        payload: admitted,
        timestamp,
        prevHash: meta.head,
        hash,
      };
      txn.put(eventKey(sequence), event);
      txn.put(META, { len: sequence + 1, head: hash });
      return { sequence, hash };
    });
  }

  read(runId: RunId, sequence: number): Event | undefined {
    checkSequence(sequence, 'sequence');
    return this.db.get(runId, eventKey(sequence)) as Event | undefined;
  }

  /** Events with start <= sequence < end, in order, from one snapshot. */
  readRange(runId: RunId, start: number, end: number): Event[] {
    checkSequence(start, 'start');
    checkSequence(end, 'end');
    return this.db.transaction(runId, (txn) => {
      const meta = readMeta(txn.get(META));
      const out: Event[] = [];
      for (let s = start; s < Math.min(end, meta.len); s++) {
        const e = txn.get(eventKey(s));
        if (e !== undefined) out.push(e as unknown as Event);
      }
      return out;
    });
  }

  /** The newest event, or undefined for an empty log. */
  head(runId: RunId): Event | undefined {
    return this.db.transaction(runId, (txn) => {
      const meta = readMeta(txn.get(META));
      return meta.len === 0 ? undefined : (txn.get(eventKey(meta.len - 1)) as Event | undefined);
    });
  }

  len(runId: RunId): number {
    checkRunId(runId);
    return readMeta(this.db.get(runId, META)).len;
  }

  readByType(runId: RunId, type: string): Event[] {
    checkKey(type, 'event type');
    return this.db
      .list(runId, EVENT)
      .map(([, v]) => v as unknown as Event)
      .filter((e) => e.type === type);
  }

  /**
   * Recomputes every hash from the stored content and checks each link. Reports the first
   * event whose content, sequence or link does not match.
   */
  verifyChain(runId: RunId): ChainVerification {
    checkRunId(runId);
    const snap = this.db.snapshot();
    try {
      const meta = readMeta(snap.get(runId, META));
      let prev = GENESIS_HASH;
      for (let s = 0; s < meta.len; s++) {
        const e = snap.get(runId, eventKey(s)) as Event | undefined;
        const bad = (reason: string): ChainVerification => ({
          valid: false,
          length: meta.len,
          firstBadSequence: s,
          reason,
        });
        if (e === undefined) return bad(`event ${s} is missing`);
        if (e.sequence !== s) return bad(`event ${s} carries sequence ${e.sequence}`);
        if (e.prevHash !== prev)
          return bad(`event ${s} does not link to the hash of event ${s - 1}`);
        if (eventHash(s, e.type, e.timestamp, e.payload, e.prevHash) !== e.hash) {
          return bad(`event ${s}'s content does not match its hash`);
        }
        prev = e.hash;
      }
      if (meta.len > 0 && meta.head !== prev) {
        return {
          valid: false,
          length: meta.len,
          firstBadSequence: meta.len - 1,
          reason: 'the head hash does not match the last event',
        };
      }
      return { valid: true, length: meta.len };
    } finally {
      snap.release();
    }
  }
}
