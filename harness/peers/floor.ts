/**
 * The physical floor: the least any store of this design (values in memory, a log on disk) can
 * do per operation, measured through the same adapter interface as the engines.
 *
 *   inMemory  a raw `Map`: put = `Map.set`, get = `Map.get`, a transaction = its sets.
 *   buffered  `Map.set` plus the WAL record our engine would log for the commit, built the
 *             same way (msgpack [version, runId, [[key, value], ...]] in the engine's 12-byte
 *             frame: length, crc32 of the payload, crc32 of those 8 bytes) and appended with
 *             one `fs.writeSync` per commit, no fsync.
 *   strict    the same plus `fs.fdatasyncSync` after every write.
 *
 * Reads are `Map.get` in every mode (a log has no read path). A transaction is one record.
 * Caveat for buffered: our engine batches up to 1000 commits per write + fsync, so it can beat
 * a floor that pays a `write` syscall per commit; the row shows what one syscall per commit
 * costs, not a bound our buffered mode can't cross.
 *
 * Proof hook: `commits` is the file's size divided back into records (the adapter checks the
 * size against the bytes it appended, so a write that did not land fails the proof); for the
 * Map floor there is no store-side counter, so `writes` counts the sets the Map performed.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';
import type { ModeName } from '../engine-api/modes.ts';
import type { KvAdapter, KvStore, KvTxn, PeerValue } from './kv-adapter.ts';

const MAPPINGS: Record<ModeName, string> = {
  inMemory: 'a raw JS Map: put = Map.set, get = Map.get, a transaction = its Map.set calls',
  buffered:
    "Map.set + the engine's WAL record bytes (msgpack [version, runId, writes] in a 12-byte crc32 frame) appended with fs.writeSync, one write per commit, no fsync; reads Map.get",
  strict:
    'Map.set + the same record appended with fs.writeSync, then fs.fdatasyncSync, per commit; reads Map.get',
};

/** The engine codec's settings (engine/src/codec.ts), so the bytes are the ones it logs. */
const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  int64AsType: 'bigint',
  moreTypes: false,
  bundleStrings: false,
});
const RECORD_HEADER_BYTES = 12;
const headerScratch = Buffer.alloc(8);

/**
 * One commit's WAL record as the engine frames it. A copy, because the harness may only use
 * the engine's public API; test/harness/peers/floor.test.ts checks it byte for byte
 * against engine/src/wal.ts so the two cannot drift apart unnoticed.
 */
export function floorRecord(
  version: number,
  runId: string,
  ops: ReadonlyArray<[string, PeerValue] | [string]>,
): Buffer {
  return frame(packr.pack([version, runId, ops]));
}

function frame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + payload.length);
  const payloadCrc = crc32(payload);
  headerScratch.writeUInt32LE(payload.length, 0);
  headerScratch.writeUInt32LE(payloadCrc, 4);
  out.writeUInt32LE(payload.length, 0);
  out.writeUInt32LE(payloadCrc, 4);
  out.writeUInt32LE(crc32(headerScratch), 8);
  out.set(payload, RECORD_HEADER_BYTES);
  return out;
}

export function floorAdapter(): KvAdapter {
  return {
    name: 'floor',
    packageName: null,
    describeMapping: (mode) => MAPPINGS[mode],
    open(mode, dir) {
      return Promise.resolve(mode === 'inMemory' ? mapStore() : logStore(mode, dir));
    },
  };
}

function mapStore(): KvStore {
  const map = new Map<string, PeerValue>();
  let writes = 0;
  const txnApi: KvTxn = {
    put: (key, value) => {
      map.set(key, value);
      writes++;
    },
    delete: (key) => {
      map.delete(key);
      writes++;
    },
  };
  return {
    put: txnApi.put,
    get: (key) => map.get(key),
    delete(key) {
      writes++;
      return map.delete(key);
    },
    transaction: (fn) => fn(txnApi),
    counters: () => ({ commits: null, writes }),
    settings: { store: 'Map' },
    close: () => map.clear(),
  };
}

function logStore(mode: ModeName, dir: string): KvStore {
  const file = path.join(dir, 'floor.log');
  const fd = fs.openSync(file, 'a');
  const sync = mode === 'strict';
  const runId = randomUUID();
  const map = new Map<string, PeerValue>();
  let version = 0;
  let commits = 0;
  let appended = 0;
  const append = (ops: Array<[string, PeerValue] | [string]>): void => {
    const record = floorRecord(++version, runId, ops);
    let done = 0;
    while (done < record.length) done += fs.writeSync(fd, record, done);
    if (sync) fs.fdatasyncSync(fd);
    appended += record.length;
    commits++;
  };
  let pending: Array<[string, PeerValue] | [string]> = [];
  const txnApi: KvTxn = {
    put: (key, value) => {
      map.set(key, value);
      pending.push([key, value]);
    },
    delete: (key) => {
      map.delete(key);
      pending.push([key]);
    },
  };
  return {
    put(key, value) {
      map.set(key, value);
      append([[key, value]]);
    },
    get: (key) => map.get(key),
    delete(key) {
      const existed = map.delete(key);
      append([[key]]);
      return existed;
    },
    transaction(fn) {
      pending = [];
      fn(txnApi);
      append(pending);
    },
    counters() {
      // The proof comes from the file: every appended byte must be there.
      const size = fs.fstatSync(fd).size;
      return { commits: size === appended ? commits : -1, writes: null };
    },
    settings: { store: sync ? 'Map + write + fdatasync' : 'Map + write', file: 'floor.log' },
    close: () => fs.closeSync(fd),
  };
}
