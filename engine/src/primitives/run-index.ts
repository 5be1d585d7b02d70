/**
 * RunIndex: the lifecycle of runs. Run records live in a reserved system run, so the index is
 * one shard and every status change is a single atomic transaction there.
 *
 *   active    -> paused | completed | failed | cancelled
 *   paused    -> active | failed | cancelled
 *   completed -> archived
 *   failed    -> archived
 *   cancelled -> archived
 *   archived  -> (final)
 */
import type { Database } from '../database.ts';
import { InvalidArgumentError, InvalidTransitionError, NotFoundError } from '../errors.ts';
import { checkKey, newRunId, normalizeRunId, type RunId } from '../keys.ts';
import { admitValue, type Value } from '../value.ts';
import { NS, SYSTEM_RUN_ID } from './namespaces.ts';

export const RUN_STATUSES = [
  'active',
  'paused',
  'completed',
  'failed',
  'cancelled',
  'archived',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

const TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  active: ['paused', 'completed', 'failed', 'cancelled'],
  paused: ['active', 'failed', 'cancelled'],
  completed: ['archived'],
  failed: ['archived'],
  cancelled: ['archived'],
  archived: [],
};

export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export interface RunMeta {
  readonly runId: RunId;
  readonly name: string | null;
  readonly status: RunStatus;
  readonly tags: readonly string[];
  readonly metadata: Value;
  readonly parentRunId: RunId | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Set when the run reaches completed, failed or cancelled. */
  readonly endedAt: number | null;
  readonly error: string | null;
}

export interface CreateRunOptions {
  name?: string;
  tags?: readonly string[];
  metadata?: unknown;
  parentRunId?: RunId;
}

export interface RunQuery {
  status?: RunStatus;
  tag?: string;
  parentRunId?: RunId;
  /** createdAt >= createdAfter (ms). */
  createdAfter?: number;
  /** createdAt <= createdBefore (ms). */
  createdBefore?: number;
  limit?: number;
}

const P = NS.run;
const ENDED: readonly RunStatus[] = ['completed', 'failed', 'cancelled'];

export class RunIndex {
  constructor(readonly db: Database) {}

  createRun(options: CreateRunOptions = {}): RunMeta {
    const tags = [...new Set(options.tags ?? [])];
    for (const tag of tags) checkKey(tag, 'tag');
    if (options.name !== undefined && typeof options.name !== 'string') {
      throw new InvalidArgumentError('run name must be a string');
    }
    const parentRunId =
      options.parentRunId === undefined ? null : normalizeRunId(options.parentRunId);
    const now = Date.now();
    const meta: RunMeta = {
      runId: newRunId(),
      name: options.name ?? null,
      status: 'active',
      tags,
      metadata: admitValue(options.metadata ?? null),
      parentRunId,
      createdAt: now,
      updatedAt: now,
      endedAt: null,
      error: null,
    };
    this.db.transaction(SYSTEM_RUN_ID, (txn) => {
      if (meta.parentRunId !== null && txn.get(P + meta.parentRunId) === undefined) {
        throw new NotFoundError(`parent run ${meta.parentRunId} does not exist`);
      }
      txn.put(P + meta.runId, meta);
    });
    return meta;
  }

  getRun(runId: RunId): RunMeta | undefined {
    return this.db.get(SYSTEM_RUN_ID, P + normalizeRunId(runId)) as RunMeta | undefined;
  }

  private update(given: RunId, change: (cur: RunMeta) => RunMeta): RunMeta {
    const runId = normalizeRunId(given);
    return this.db.transaction(SYSTEM_RUN_ID, (txn) => {
      const cur = txn.get(P + runId) as RunMeta | undefined;
      if (cur === undefined) throw new NotFoundError(`run ${runId} does not exist`);
      const next = change(cur);
      txn.put(P + runId, next);
      return txn.get(P + runId) as unknown as RunMeta;
    });
  }

  /** Moves a run to `status`; throws InvalidTransitionError when the lifecycle forbids it. */
  updateStatus(runId: RunId, status: RunStatus, error?: string): RunMeta {
    if (!RUN_STATUSES.includes(status)) {
      throw new InvalidArgumentError(
        `status must be one of ${RUN_STATUSES.join(', ')}; got ${String(status)}`,
      );
    }
    return this.update(runId, (cur) => {
      if (!canTransition(cur.status, status)) {
        throw new InvalidTransitionError(
          `run ${runId} can't go from ${cur.status} to ${status}; allowed: ${TRANSITIONS[cur.status].join(', ') || 'none'}`,
        );
      }
      const now = Date.now();
      return {
        ...cur,
        status,
        updatedAt: now,
        endedAt: ENDED.includes(status) ? now : cur.endedAt,
        error: status === 'failed' ? (error ?? null) : cur.error,
      };
    });
  }

  completeRun(runId: RunId): RunMeta {
    return this.updateStatus(runId, 'completed');
  }

  failRun(runId: RunId, error: string): RunMeta {
    return this.updateStatus(runId, 'failed', error);
  }

  addTags(runId: RunId, tags: readonly string[]): RunMeta {
    for (const tag of tags) checkKey(tag, 'tag');
    return this.update(runId, (cur) => ({
      ...cur,
      tags: [...new Set([...cur.tags, ...tags])],
      updatedAt: Date.now(),
    }));
  }

  /** Runs matching every given criterion, oldest first. */
  queryRuns(query: RunQuery = {}): RunMeta[] {
    if (query.limit !== undefined && (!Number.isSafeInteger(query.limit) || query.limit < 0)) {
      throw new InvalidArgumentError(`limit must be a non-negative integer, got ${query.limit}`);
    }
    const parent = query.parentRunId === undefined ? undefined : normalizeRunId(query.parentRunId);
    const matches = this.listRuns().filter(
      (r) =>
        (query.status === undefined || r.status === query.status) &&
        (query.tag === undefined || r.tags.includes(query.tag)) &&
        (parent === undefined || r.parentRunId === parent) &&
        (query.createdAfter === undefined || r.createdAt >= query.createdAfter) &&
        (query.createdBefore === undefined || r.createdAt <= query.createdBefore),
    );
    return query.limit === undefined ? matches : matches.slice(0, query.limit);
  }

  /** Every run, oldest first. */
  listRuns(): RunMeta[] {
    return this.db
      .list(SYSTEM_RUN_ID, P)
      .map(([, v]) => v as unknown as RunMeta)
      .sort((a, b) => a.createdAt - b.createdAt || (a.runId < b.runId ? -1 : 1));
  }

  /**
   * Deletes the run's record and all the run's data. Two transactions (the data, then the
   * record): atomicity is per run, so a crash between them leaves the record of an empty run,
   * and deleting again finishes the job.
   */
  deleteRun(given: RunId): void {
    const runId = normalizeRunId(given);
    if (this.getRun(runId) === undefined) throw new NotFoundError(`run ${runId} does not exist`);
    this.db.transaction(runId, (txn) => {
      for (const [key] of txn.list('')) txn.delete(key);
    });
    this.db.transaction(SYSTEM_RUN_ID, (txn) => txn.delete(P + runId));
  }
}
