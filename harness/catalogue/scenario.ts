/**
 * What a scenario is. A scenario is a plain named definition: metadata (name, layer, what it
 * proves and what regression it would catch) plus a `setup` that does every expensive thing
 * outside the timed loop and returns the timed `op` and a `verify(calls)` proof that the op
 * really ran `calls` times. Worker-thread scenarios (`kind: 'custom'`) measure themselves.
 */
import type { EngineDb, LoadedEngine } from '../engine-api/adapter.ts';
import type { ModeName } from '../engine-api/modes.ts';
import type { Prng } from '../support/prng.ts';
import type { Profile } from '../config/profiles.ts';

export const LAYERS = ['A0', 'A1', 'B', 'other'] as const;
export type Layer = (typeof LAYERS)[number];

export const ACCESS_PATTERNS = [
  'hot_key',
  'uniform',
  'working_set_100',
  'miss',
  'rotating',
] as const;
export type AccessPattern = (typeof ACCESS_PATTERNS)[number];

/** Name prefix -> the layer a scenario under it must declare (docs/naming.md). */
export const PREFIX_LAYERS: Record<string, Layer> = {
  core: 'A0',
  engine: 'A1',
  snapshot: 'A1',
  kvstore: 'B',
  eventlog: 'B',
  statecell: 'B',
  tracestore: 'B',
  runindex: 'B',
  txn: 'other',
  wal: 'other',
  scaling: 'other',
  /** Other engines side by side with ours (harness/peers/); run only by `bench --peers`. */
  peers: 'other',
};

export type Labels = Record<string, string | number | boolean>;

export type Verification = { ok: true } | { ok: false; reason: string };

export interface ScenarioContext {
  readonly engine: LoadedEngine;
  /** The durability mode databases open in (for read-only scenarios, the fastest available). */
  readonly mode: ModeName;
  /** A fresh directory for this scenario x mode, removed afterwards. */
  readonly tmpDir: string;
  readonly profile: Profile;
  /** Seeded with SEED: the same keys on every run and every engine. */
  readonly rng: Prng;
  /** Opens (or reopens) the database called `name` under tmpDir, in `mode`. */
  openDb(name?: string): EngineDb;
}

export interface OpInstance {
  /** The timed operation. It should do only the operation plus an index increment. */
  op(): void;
  /** Proof from engine state that `op` ran `calls` times. */
  verify(calls: number): Verification;
  teardown?(): void;
  /** False when heap bytes/op says nothing useful (e.g. the op rebuilds a whole database). */
  measureHeap?: boolean;
  /** Facts known only after setup (e.g. which engine API the op uses), merged into labels. */
  labels?: Labels;
}

/** What a self-measuring (worker) scenario reports: per-op ns of each timed round. */
export interface CustomMeasurement {
  roundNs: number[];
  opCount: number;
  verification: Verification;
  perWorker: Array<{ worker: number; hz: number; ops: number }>;
  labels?: Labels;
}

interface ScenarioBase {
  /** `layer-prefix/what[/access-pattern]`; unique across the catalogue. */
  readonly name: string;
  readonly layer: Layer;
  /** Writes through the engine: runs once per durability mode. */
  readonly writes: boolean;
  /** The semantic guarantee the scenario exercises. */
  readonly guarantee: string;
  /** The regression it would catch. */
  readonly catches: string;
  /** When set, the name must end with it. */
  readonly access?: AccessPattern;
  readonly labels?: Labels;
  /** Restricts a writing scenario to some modes (e.g. WAL recovery needs a WAL). */
  readonly modes?: readonly ModeName[];
  /**
   * A peer scenario (harness/peers/, named peers/<adapter>/...): measures another engine or
   * the physical floor, so it runs only with `bench --peers`, never in a plain bench, a
   * comparison or the gate (it would slow them and means nothing against a baseline).
   */
  readonly peer?: boolean;
}

export interface OpScenario extends ScenarioBase {
  readonly kind: 'op';
  setup(ctx: ScenarioContext): OpInstance | Promise<OpInstance>;
}

export interface CustomScenario extends ScenarioBase {
  readonly kind: 'custom';
  run(ctx: ScenarioContext): Promise<CustomMeasurement>;
}

export type Scenario = OpScenario | CustomScenario;

// ---- helpers for scenario modules -------------------------------------------------------

/**
 * Length of precomputed key sequences: a power of two so the timed op picks its key with
 * `keys[i++ & KEY_MASK]`, one increment and one mask.
 */
export const KEY_SEQUENCE_LENGTH = 1 << 16;
export const KEY_MASK = KEY_SEQUENCE_LENGTH - 1;

export function keyName(prefix: string, n: number): string {
  return `${prefix}${n.toString().padStart(8, '0')}`;
}

/** All `count` distinct key names, for loading data in setup. */
export function keyNames(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, n) => keyName(prefix, n));
}

/** KEY_SEQUENCE_LENGTH draws from a keyspace of `keyspace` keys (1 = a single hot key). */
export function keySequence(
  rng: Prng,
  prefix: string,
  keyspace: number,
  length = KEY_SEQUENCE_LENGTH,
): string[] {
  const names = keyNames(prefix, keyspace);
  return Array.from({ length }, () => names[rng.nextInt(keyspace)] as string);
}

export function expectEqual(what: string, actual: number, expected: number): Verification {
  return actual === expected
    ? { ok: true }
    : { ok: false, reason: `${what}: expected ${expected}, got ${actual}` };
}

/** The first failed verification, or ok. */
export function allOf(...checks: Verification[]): Verification {
  return checks.find((c) => !c.ok) ?? { ok: true };
}
