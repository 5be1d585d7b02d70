/**
 * TraceStore: an agent's reasoning traces (tool calls, decisions, queries, thoughts, errors,
 * custom) with parent/child links, tags and time.
 *
 * A trace and all its index entries (by type, tag, time and parent) are written in one
 * transaction, so the indexes can never disagree with the traces. Index keys embed the
 * timestamp so each query returns traces in time order with a prefix scan.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Database } from '../database.ts';
import { InvalidArgumentError, NotFoundError } from '../errors.ts';
import { checkKey, checkRunId, type RunId } from '../keys.ts';
import type { Transaction } from '../transaction.ts';
import { admitValue, type Value } from '../value.ts';
import { NS, pad } from './namespaces.ts';

export const TRACE_TYPES = ['toolCall', 'decision', 'query', 'thought', 'error', 'custom'] as const;
export type TraceType = (typeof TRACE_TYPES)[number];

export interface TraceInput {
  type: TraceType;
  content?: unknown;
}

export interface TraceOptions {
  tags?: readonly string[];
  /** Milliseconds since the epoch; defaults to now. */
  timestamp?: number;
}

export interface Trace {
  readonly id: string;
  readonly type: TraceType;
  readonly content: Value;
  readonly parentId: string | null;
  readonly tags: readonly string[];
  readonly timestamp: number;
}

export interface TraceTree {
  trace: Trace;
  children: TraceTree[];
}

const TRACE = `${NS.trace}t/`;
const BY_TYPE = `${NS.trace}i/type/`;
const BY_TAG = `${NS.trace}i/tag/`;
const BY_TIME = `${NS.trace}i/time/`;
const BY_PARENT = `${NS.trace}i/parent/`;
const COUNT = `${NS.trace}count`;

/**
 * A tag's segment in an index key: the SHA-256 of the tag, so a tag "a" can never prefix-match
 * a tag "a/b", and every tag within the documented 1024-byte limit fits in a key. (An escaped
 * tag plus the ~63 bytes of index overhead would push long or non-ASCII tags over the limit.)
 */
const seg = (tag: string): string => createHash('sha256').update(tag, 'utf8').digest('hex');

function indexKeys(t: Trace): string[] {
  const tail = `${pad(t.timestamp)}/${t.id}`;
  const keys = [`${BY_TYPE}${t.type}/${tail}`, `${BY_TIME}${tail}`];
  for (const tag of t.tags) keys.push(`${BY_TAG}${seg(tag)}/${tail}`);
  if (t.parentId !== null) keys.push(`${BY_PARENT}${t.parentId}/${tail}`);
  return keys;
}

export class TraceStore {
  constructor(readonly db: Database) {}

  /** Records a root trace; returns its id. */
  record(runId: RunId, trace: TraceInput, options: TraceOptions = {}): string {
    return this.write(runId, trace, null, options);
  }

  /** Records a trace under `parentId`, which must exist in the same run (else NotFoundError). */
  recordChild(
    runId: RunId,
    parentId: string,
    trace: TraceInput,
    options: TraceOptions = {},
  ): string {
    checkKey(parentId, 'parent trace id');
    return this.write(runId, trace, parentId, options);
  }

  private write(
    runId: RunId,
    input: TraceInput,
    parentId: string | null,
    options: TraceOptions,
  ): string {
    if (!TRACE_TYPES.includes(input.type)) {
      throw new InvalidArgumentError(
        `trace type must be one of ${TRACE_TYPES.join(', ')}; got ${String(input.type)}`,
      );
    }
    const tags = [...new Set(options.tags ?? [])];
    for (const tag of tags) checkKey(tag, 'tag');
    const timestamp = options.timestamp ?? Date.now();
    if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
      throw new InvalidArgumentError(
        `timestamp must be a non-negative integer of milliseconds, got ${timestamp}`,
      );
    }
    const trace: Trace = {
      id: randomUUID(),
      type: input.type,
      content: admitValue(input.content ?? null),
      parentId,
      tags,
      timestamp,
    };
    return this.db.transaction(runId, (txn) => {
      if (parentId !== null && txn.get(TRACE + parentId) === undefined) {
        throw new NotFoundError(`parent trace ${parentId} does not exist in run ${runId}`);
      }
      txn.put(TRACE + trace.id, trace);
      for (const key of indexKeys(trace)) txn.put(key, trace.id);
      txn.put(COUNT, ((txn.get(COUNT) as number | undefined) ?? 0) + 1);
      return trace.id;
    });
  }

  get(runId: RunId, id: string): Trace | undefined {
    checkKey(id, 'trace id');
    return this.db.get(runId, TRACE + id) as Trace | undefined;
  }

  /** Resolves an index prefix to traces (time order) inside one snapshot. */
  private byIndex(runId: RunId, prefix: string, keep?: (key: string) => boolean): Trace[] {
    checkRunId(runId);
    return this.db.transaction(runId, (txn: Transaction) =>
      txn
        .list(prefix)
        .filter(([key]) => keep === undefined || keep(key))
        .map(([, id]) => txn.get(TRACE + (id as string)) as unknown as Trace),
    );
  }

  queryByType(runId: RunId, type: TraceType): Trace[] {
    if (!TRACE_TYPES.includes(type)) {
      throw new InvalidArgumentError(`trace type must be one of ${TRACE_TYPES.join(', ')}`);
    }
    return this.byIndex(runId, `${BY_TYPE}${type}/`);
  }

  queryByTag(runId: RunId, tag: string): Trace[] {
    checkKey(tag, 'tag');
    return this.byIndex(runId, `${BY_TAG}${seg(tag)}/`);
  }

  /** Traces with start <= timestamp <= end, in time order. */
  queryByTime(runId: RunId, start: number, end: number): Trace[] {
    if (!Number.isFinite(start) || !Number.isFinite(end)) {
      throw new InvalidArgumentError('queryByTime needs finite start and end (milliseconds)');
    }
    const lo = `${BY_TIME}${pad(Math.max(0, Math.ceil(start)))}`;
    const hi = `${BY_TIME}${pad(Math.max(0, Math.floor(end)))}/\uffff`;
    if (end < start || end < 0) return [];
    return this.byIndex(runId, BY_TIME, (key) => key >= lo && key <= hi);
  }

  getChildren(runId: RunId, parentId: string): Trace[] {
    checkKey(parentId, 'parent trace id');
    return this.byIndex(runId, `${BY_PARENT}${parentId}/`);
  }

  /** The trace and its descendants, children in time order; undefined if the root is missing. */
  getTree(runId: RunId, rootId: string): TraceTree | undefined {
    checkKey(rootId, 'trace id');
    const snap = this.db.snapshot();
    try {
      const build = (id: string): TraceTree | undefined => {
        const trace = snap.get(runId, TRACE + id) as Trace | undefined;
        if (trace === undefined) return undefined;
        const children = snap
          .list(runId, `${BY_PARENT}${id}/`)
          .map(([, childId]) => build(childId as string))
          .filter((t): t is TraceTree => t !== undefined);
        return { trace, children };
      };
      return build(rootId);
    } finally {
      snap.release();
    }
  }

  count(runId: RunId): number {
    checkRunId(runId);
    return (this.db.get(runId, COUNT) as number | undefined) ?? 0;
  }
}
