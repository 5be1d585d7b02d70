/**
 * The one place that knows how engine versions differ. It loads an engine from a directory
 * (this tree's `engine/`, or a baseline tag's checkout) through its public `src/index.ts`,
 * detects what that engine can do, and opens databases per durability mode. Scenarios call
 * `engine.open(...)` and `engine.require(...)` and never look at versions themselves.
 *
 * The types below are structural: they describe the slice of the public API the harness uses,
 * not this tree's engine classes, because a baseline engine is a different module with its own
 * classes. Every export is checked at run time before it is used.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UnsupportedError, UsageError, errorMessage } from '../support/errors.ts';
import type { ModeName } from './modes.ts';

export interface EngineStats {
  commits: number;
  readOnlyCommits: number;
  aborts: number;
  conflicts: number;
  version: number;
}

export interface EngineTxn {
  get(key: string): unknown;
  put(key: string, value: unknown): void;
  commit(): void;
  abort(): void;
}

export interface EngineSnapshot {
  readonly version: number;
  get(runId: string, key: string): unknown;
  release(): void;
}

export interface EngineDb {
  transaction<T>(runId: string, fn: (txn: EngineTxn) => T): T;
  begin(runId: string): EngineTxn;
  get(runId: string, key: string): unknown;
  snapshot(): EngineSnapshot;
  stats(): EngineStats;
  close(): void;
  /** Present in M4 engines, absent in the M3 baseline. */
  readonly durabilityMode?: { kind: string };
  /** One-key commit without a transaction object; M4 engines only. */
  put?(runId: string, key: string, value: unknown): void;
  /** Per-commit phase timings, recorded when INMEM_PERF_TRACE=1; M4 engines only. */
  perfStats?(): EnginePerfStats;
}

/** What `perfStats()` returns (engine/src/perf-trace.ts). */
export interface EnginePerfStats {
  count: number;
  meanCommitNs: number;
  p99CommitNs: number;
  /** Percent of summed commit time per phase: snapshotPct, validatePct, applyPct, ... */
  breakdown: Record<string, number>;
}

export interface KVStoreApi {
  get(runId: string, key: string): unknown;
  put(runId: string, key: string, value: unknown): void;
  getMany(runId: string, keys: readonly string[]): unknown[];
  transaction<T>(runId: string, fn: (kv: { put(key: string, value: unknown): void }) => T): T;
}

export interface EventLogApi {
  append(runId: string, type: string, payload: unknown): { sequence: number };
  len(runId: string): number;
}

export interface StateCellApi {
  init(runId: string, name: string, value: unknown): number;
  read(runId: string, name: string): { value: unknown; version: number } | undefined;
  cas(runId: string, name: string, expectedVersion: number, value: unknown): number;
  transition(
    runId: string,
    name: string,
    fn: (current: unknown, version: number) => unknown,
  ): { version: number; attempts: number };
}

export interface TraceStoreApi {
  record(runId: string, trace: { type: string; content?: unknown }): string;
  count(runId: string): number;
}

export interface RunIndexApi {
  createRun(options?: { name?: string }): { runId: string };
  listRuns(): unknown[];
}

type Ctor<T> = new (db: EngineDb) => T;

/** Exports a scenario may ask for with `engine.require(name)`. */
export interface OptionalExports {
  KVStore: Ctor<KVStoreApi>;
  EventLog: Ctor<EventLogApi>;
  StateCell: Ctor<StateCellApi>;
  TraceStore: Ctor<TraceStoreApi>;
  RunIndex: Ctor<RunIndexApi>;
  /** The engine's conflict error class, for `instanceof` checks. */
  ConflictError: abstract new (...args: never[]) => Error;
}

interface DatabaseBuilder {
  durability(mode: unknown): DatabaseBuilder;
  path(p: string): DatabaseBuilder;
  open(): EngineDb;
}

interface DurabilityModeFactory {
  inMemory(): unknown;
  bufferedDefault(): unknown;
  strict(): unknown;
}

interface DatabaseClass {
  open(dir: string): EngineDb;
  builder?: () => DatabaseBuilder;
  prototype?: unknown;
}

export type ModeSupport = { supported: true } | { supported: false; reason: string };

export interface EngineCapabilities {
  /** `Database.builder()` and `DurabilityMode` exist (M4 engines). */
  builder: boolean;
  /**
   * `db.checkpoint()` exists: reopen time is bounded by live data rather than by history, so
   * long-history recovery scenarios can be sampled at all.
   */
  checkpoint: boolean;
  modes: Record<ModeName, ModeSupport>;
}

export interface LoadedEngine {
  /** Absolute engine directory. */
  readonly dir: string;
  /** URL of the module it was loaded from (its source entry, or a bundle of it). */
  readonly module: string;
  readonly capabilities: EngineCapabilities;
  newRunId(): string;
  /**
   * Opens a database in `mode`. `dir` is where strict and buffered keep their files (ignored
   * for inMemory). Throws UnsupportedError for a mode this engine lacks.
   */
  open(mode: ModeName, dir: string): EngineDb;
  /** An optional export, or UnsupportedError naming what is missing. */
  require<K extends keyof OptionalExports>(name: K): OptionalExports[K];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return (typeof v === 'object' || typeof v === 'function') && v !== null;
}

function hasFunctions(v: unknown, names: readonly string[]): boolean {
  return isRecord(v) && names.every((n) => typeof v[n] === 'function');
}

/** The entry module of an engine directory. */
export function engineEntry(dir: string): string {
  return path.join(path.resolve(dir), 'src', 'index.ts');
}

/** Checks the directory looks like an engine before anything is imported (exit 2 otherwise). */
export function checkEngineDir(dir: string): string {
  const resolved = path.resolve(dir);
  if (!fs.existsSync(resolved) || !fs.statSync(resolved).isDirectory()) {
    throw new UsageError(
      `engine directory ${resolved} does not exist`,
      'pass --engine <dir> pointing at an engine checkout (the folder that holds src/index.ts)',
    );
  }
  if (!fs.existsSync(engineEntry(resolved))) {
    throw new UsageError(
      `engine directory ${resolved} has no src/index.ts`,
      'pass --engine <dir> pointing at an engine checkout (the folder that holds src/index.ts)',
    );
  }
  return resolved;
}

/** Loads the engine at `dir` (default: this tree's engine/) and detects its capabilities. */
export async function loadEngine(dir: string): Promise<LoadedEngine> {
  const resolved = checkEngineDir(dir);
  return loadEngineModule(resolved, pathToFileURL(engineEntry(resolved)).href);
}

/**
 * Loads the engine of directory `dir` from the module at `url`: its source entry, or a bundle
 * of it (bundle.ts). Two URLs of the same file that differ in their query are two separate
 * module instances, each with its own classes and JIT state.
 */
export async function loadEngineModule(dir: string, url: string): Promise<LoadedEngine> {
  const resolved = path.resolve(dir);
  let mod: unknown;
  try {
    mod = await import(url);
  } catch (err) {
    throw new UsageError(
      `could not import the engine at ${engineEntry(resolved)}: ${errorMessage(err)}`,
      'check that the engine directory is a complete checkout with its dependencies installed',
    );
  }
  if (
    !isRecord(mod) ||
    !hasFunctions(mod.Database, ['open']) ||
    typeof mod.newRunId !== 'function'
  ) {
    throw new UsageError(
      `${engineEntry(resolved)} does not export Database.open and newRunId: is it an in-mem engine?`,
      'pass --engine <dir> pointing at an in-mem engine checkout',
    );
  }
  return makeEngine(resolved, url, mod);
}

function makeEngine(dir: string, url: string, mod: Record<string, unknown>): LoadedEngine {
  const Database = mod.Database as DatabaseClass;
  const factory = mod.DurabilityMode;
  const hasBuilder =
    typeof Database.builder === 'function' &&
    hasFunctions(factory, ['inMemory', 'bufferedDefault', 'strict']);
  const noBuilder: ModeSupport = {
    supported: false,
    reason: 'this engine has no Database.builder()/DurabilityMode (durability modes arrived in M4)',
  };
  const capabilities: EngineCapabilities = {
    builder: hasBuilder,
    checkpoint: hasFunctions(Database.prototype, ['checkpoint']),
    modes: {
      inMemory: hasBuilder ? { supported: true } : noBuilder,
      buffered: hasBuilder ? { supported: true } : noBuilder,
      // Before M4 every commit is fsynced before it returns, which is what strict means.
      strict: { supported: true },
    },
  };
  const newRunId = mod.newRunId as () => string;

  function modeObject(mode: ModeName): unknown {
    const f = factory as DurabilityModeFactory;
    if (mode === 'inMemory') return f.inMemory();
    // The seed's default buffered settings (100 ms / 1000 writes) are what users get.
    if (mode === 'buffered') return f.bufferedDefault();
    return f.strict();
  }

  return {
    dir,
    module: url,
    capabilities,
    newRunId: () => newRunId(),
    open(mode, dbDir) {
      const support = capabilities.modes[mode];
      if (!support.supported) throw new UnsupportedError(`${mode}: ${support.reason}`);
      if (!hasBuilder) return Database.open(dbDir);
      const builder = (Database.builder as () => DatabaseBuilder)().durability(modeObject(mode));
      const db = mode === 'inMemory' ? builder.open() : builder.path(dbDir).open();
      // Proof that the mode label is true: the engine says which mode it opened.
      const kind = db.durabilityMode?.kind;
      if (kind !== undefined && kind !== mode) {
        db.close();
        throw new Error(`asked the engine for ${mode} but it opened ${kind}`);
      }
      return db;
    },
    require(name) {
      const value = mod[name];
      if (typeof value !== 'function') {
        throw new UnsupportedError(`this engine does not export ${name}`);
      }
      return value as OptionalExports[typeof name];
    },
  };
}
