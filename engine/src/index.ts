/**
 * in-mem engine: public API. The harness drives an engine only through this module.
 */
export { Database, DatabaseBuilder, Snapshot, type DatabaseStats } from './database.ts';
export { DurabilityMode, type DurabilityKind, type BufferedOptions } from './durability.ts';
export {
  PERF_TRACE_ENABLED,
  breakdown as perfBreakdown,
  type PerfTrace,
  type PerfStats,
  type PerfBreakdown,
} from './perf-trace.ts';
export { Transaction, type TransactionState } from './transaction.ts';
export { EXIT_SIGNALS, type ExitSignal } from './exit-signals.ts';
export {
  InMemError,
  ConflictError,
  InvalidValueError,
  InvalidKeyError,
  NotFoundError,
  AlreadyExistsError,
  InvalidTransitionError,
  InvalidArgumentError,
  TransactionStateError,
  ClosedError,
  CorruptionError,
  IoError,
  LockedError,
  InvalidPathError,
  type LockHolder,
  type InMemErrorCode,
} from './errors.ts';
export { newRunId, isRunId, normalizeRunId, type RunId } from './keys.ts';
export { LIMITS, valuesEqual, type Value } from './value.ts';
export { KVStore, KVTransaction } from './primitives/kv-store.ts';
export {
  EventLog,
  GENESIS_HASH,
  type Event,
  type ChainVerification,
} from './primitives/event-log.ts';
export { StateCell, type CellState, type TransitionResult } from './primitives/state-cell.ts';
export {
  TraceStore,
  TRACE_TYPES,
  type Trace,
  type TraceType,
  type TraceInput,
  type TraceOptions,
  type TraceTree,
} from './primitives/trace-store.ts';
export {
  RunIndex,
  RUN_STATUSES,
  canTransition,
  type RunStatus,
  type RunMeta,
  type RunQuery,
  type CreateRunOptions,
} from './primitives/run-index.ts';
export { SYSTEM_RUN_ID } from './primitives/namespaces.ts';
