/**
 * Multi-version storage, sharded per run.
 *
 * Each key maps to its newest `Entry`; older entries hang off `prev` only while some open
 * snapshot needs them. A snapshot is a pinned commit version: a read at version `s` returns the
 * newest entry with `version <= s`.
 *
 * The cost of a write does not depend on history. A write makes a new entry only when some
 * pinned snapshot can see the key's current head; otherwise no snapshot can, and the head is
 * overwritten in place. So a chain holds at most one entry per open snapshot plus the head.
 * Keys that keep old versions or tombstones are remembered, and trimmed when the oldest pin is
 * released: tombstones and empty shards are reclaimed once no snapshot needs them.
 */
import type { RunId } from './keys.ts';
import type { Value } from './value.ts';

/**
 * Mutable on purpose: an overwrite no snapshot can observe updates the key's entry in place
 * (see applyKey). Entries never leave the engine's synchronous calls, so no reader can hold
 * one across a write.
 */
export interface Entry {
  /** Commit version that wrote this entry. */
  version: number;
  /** `undefined` marks a delete (a tombstone, kept only while snapshots may need it). */
  value: Value | undefined;
  prev: Entry | undefined;
}

export type Shard = Map<string, Entry>;

/** A write set: key to new value, `undefined` meaning delete. Insertion order is kept. */
export type WriteSet = Map<string, Value | undefined>;

export class VersionedStore {
  readonly shards = new Map<RunId, Shard>();
  /** Version of the newest commit; 0 before the first. */
  version = 0;
  /**
   * Pinned snapshot versions, one element per holder, in ascending order (a pin is always
   * taken at the newest version). A plain array rather than a Map: the common case is a
   * synchronous transaction that pins and unpins at the top, which is a push and a pop with
   * no allocation.
   */
  private readonly pins: number[] = [];
  /**
   * Keys written while a snapshot was pinned that hold an old version or a tombstone, per run.
   * A set, so a hot key overwritten under a long reader is remembered once.
   */
  private readonly kept = new Map<RunId, Set<string>>();

  pin(): number {
    const v = this.version;
    this.pins.push(v);
    return v;
  }

  unpin(v: number): void {
    const pins = this.pins;
    if (pins.length === 0) return;
    const oldest = pins[0];
    if (pins[pins.length - 1] === v) pins.pop();
    else {
      const i = pins.lastIndexOf(v);
      if (i < 0) return;
      pins.splice(i, 1);
    }
    // Only a change of the oldest pin (or the last one going) can free a tombstone; trimming
    // then, rather than on each write, keeps a write's cost independent of history.
    if (this.kept.size > 0 && (pins.length === 0 || pins[0] !== oldest)) this.trimKept();
  }

  get pinnedCount(): number {
    return this.pins.length;
  }

  /** Keys remembered as holding old versions or tombstones (for tests and diagnostics). */
  get keptKeyCount(): number {
    let n = 0;
    for (const keys of this.kept.values()) n += keys.size;
    return n;
  }

  shard(runId: RunId): Shard | undefined {
    return this.shards.get(runId);
  }

  /** Newest entry for a key, tombstones included (validation needs their versions). */
  latestEntry(runId: RunId, key: string): Entry | undefined {
    return this.shards.get(runId)?.get(key);
  }

  /** The entry visible to a snapshot at `version`, or undefined. */
  static visible(entry: Entry | undefined, version: number): Entry | undefined {
    let e = entry;
    while (e !== undefined && e.version > version) e = e.prev;
    return e;
  }

  /** Keys with `prefix` visible at `version`, sorted, with their entries. */
  scan(runId: RunId, prefix: string, version: number): Array<[string, Entry]> {
    const shard = this.shards.get(runId);
    if (shard === undefined) return [];
    const out: Array<[string, Entry]> = [];
    for (const [key, head] of shard) {
      if (!key.startsWith(prefix)) continue;
      const e = VersionedStore.visible(head, version);
      if (e !== undefined && e.value !== undefined) out.push([key, e]);
    }
    out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return out;
  }

  /** Highest commit version of any key under `prefix` (tombstones included), for phantom checks. */
  newestUnder(runId: RunId, prefix: string): number {
    const shard = this.shards.get(runId);
    let max = 0;
    if (shard === undefined) return max;
    for (const [key, head] of shard) {
      if (head.version > max && key.startsWith(prefix)) max = head.version;
    }
    return max;
  }

  /** Applies a validated write set as commit `version`. Callers guarantee version = this.version + 1. */
  apply(runId: RunId, writes: WriteSet, version: number): void {
    const shard = this.shardForWrite(runId);
    // forEach rather than for-of: no [key, value] pair allocated per key.
    writes.forEach((value, key) => this.applyKey(runId, shard, key, value, version));
    this.version = version;
  }

  /** A one-key commit (db.put / db.delete): the same as `apply` without a write set. */
  applyOne(runId: RunId, key: string, value: Value | undefined, version: number): void {
    this.applyKey(runId, this.shardForWrite(runId), key, value, version);
    this.version = version;
  }

  private shardForWrite(runId: RunId): Shard {
    let shard = this.shards.get(runId);
    if (shard === undefined) {
      shard = new Map();
      this.shards.set(runId, shard);
    }
    return shard;
  }

  private applyKey(
    runId: RunId,
    shard: Shard,
    key: string,
    value: Value | undefined,
    version: number,
  ): void {
    const old = shard.get(key);
    const pins = this.pins;
    if (pins.length === 0) {
      if (value === undefined) {
        if (old !== undefined) shard.delete(key);
        return;
      }
      // No snapshot can see the old version: overwrite it in place. A new entry per overwrite
      // made every hot-key write allocate a long-lived-looking object that V8 pretenured into
      // old space, so old space grew with garbage and each fresh 4 KB page cost a page fault
      // (~11 µs here) once every ~85 writes: a p99 of 13× the mean for one-key transactions.
      if (old === undefined) shard.set(key, { version, value, prev: undefined });
      else {
        old.version = version;
        old.value = value;
        old.prev = undefined;
      }
      return;
    }
    if (old === undefined) {
      shard.set(key, { version, value, prev: undefined });
      if (value === undefined) this.remember(runId, key);
      return;
    }
    if (old.version > (pins[pins.length - 1] as number)) {
      // Younger than every pin, so no snapshot sees the head: replace it in place. Its older
      // versions stay linked for the snapshots that need them.
      old.version = version;
      old.value = value;
      if (value === undefined) this.remember(runId, key);
      return;
    }
    const head: Entry = { version, value, prev: old };
    shard.set(key, head);
    // Drop what no pin sees any more (a newer snapshot taken and released since the last
    // push): bounded by the number of pins, not by the number of writes.
    this.trim(head);
    this.remember(runId, key);
  }

  private remember(runId: RunId, key: string): void {
    let keys = this.kept.get(runId);
    if (keys === undefined) {
      keys = new Set();
      this.kept.set(runId, keys);
    }
    keys.add(key);
  }

  /**
   * Keeps below `head` only, for each pin, the newest entry that pin can see. Walks the chain
   * and the (ascending) pins together from the newest end.
   */
  private trim(head: Entry): void {
    const pins = this.pins;
    let last = head;
    let i = pins.length - 1;
    while (i >= 0 && (pins[i] as number) >= last.version) i--;
    let e = head.prev;
    while (i >= 0 && e !== undefined) {
      const p = pins[i] as number;
      while (e !== undefined && e.version > p) e = e.prev;
      if (e === undefined) break;
      last.prev = e;
      last = e;
      while (i >= 0 && (pins[i] as number) >= last.version) i--;
      e = e.prev;
    }
    last.prev = undefined;
  }

  /** Trims every remembered key; forgets those left with one live entry, reclaims the rest. */
  private trimKept(): void {
    const none = this.pins.length === 0;
    for (const [runId, keys] of this.kept) {
      const shard = this.shards.get(runId);
      if (shard !== undefined) {
        for (const key of keys) {
          const head = shard.get(key);
          if (head === undefined) {
            keys.delete(key);
            continue;
          }
          if (none) head.prev = undefined;
          else this.trim(head);
          if (head.prev !== undefined) continue;
          // A tombstone with nothing under it is still needed while a snapshot older than it
          // is pinned (that snapshot must not see a later re-insert as its own).
          if (head.value === undefined && (none || (this.pins[0] as number) >= head.version)) {
            shard.delete(key);
          }
          if (head.value !== undefined || !shard.has(key)) keys.delete(key);
        }
        if (shard.size === 0) this.shards.delete(runId);
      }
      if (shard === undefined || keys.size === 0) this.kept.delete(runId);
    }
  }

  /** Replays a recovered commit (no snapshots exist during recovery). */
  replay(runId: RunId, writes: WriteSet, version: number): void {
    this.apply(runId, writes, version);
  }
}
