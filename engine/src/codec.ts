/**
 * Value serialisation for the WAL and for hashing, on msgpackr. Settings keep every Value
 * distinguishable after a round trip: bigint stays bigint (int64), byte arrays come back as
 * bytes (turned from Buffer into plain frozen-by-copy Uint8Array by `reviveValue`).
 */
import { Packr, Unpackr } from 'msgpackr';
import type { Value } from './value.ts';

export const packr = new Packr({
  useRecords: false,
  mapsAsObjects: true,
  int64AsType: 'bigint',
  moreTypes: false,
  bundleStrings: false,
});

/**
 * Decodes maps as `Map`s: msgpackr's object mode renames a "__proto__" key to "__proto_", which
 * would change a stored value on recovery. `reviveValue` turns the maps into plain objects.
 */
const unpackr = new Unpackr({
  useRecords: false,
  mapsAsObjects: false,
  int64AsType: 'bigint',
  moreTypes: false,
});

export function encode(v: unknown): Buffer {
  return packr.pack(v);
}

/** Decodes `buf`; maps come back as `Map`s (pass values through `reviveValue`). */
export function decode(buf: Uint8Array): unknown {
  return unpackr.unpack(buf);
}

/**
 * Turns a decoded value into the stored form: objects and arrays frozen, Buffers into plain
 * Uint8Array. Decoded data came from our own encoder, so it needs no admission check.
 */
export function reviveValue(v: unknown): Value {
  if (v === null || typeof v !== 'object') return v as Value;
  if (v instanceof Uint8Array) {
    return Buffer.isBuffer(v)
      ? new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength))
      : v;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = reviveValue(v[i]);
    return Object.freeze(v) as Value;
  }
  if (v instanceof Map) {
    const obj: Record<string, Value> = {};
    for (const [k, child] of v as Map<unknown, unknown>) {
      // defineProperty so a key named "__proto__" stays data, as in admitValue.
      Object.defineProperty(obj, String(k), {
        value: reviveValue(child),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return Object.freeze(obj) as Value;
  }
  const obj = v as Record<string, unknown>;
  for (const k of Object.keys(obj)) obj[k] = reviveValue(obj[k]);
  return Object.freeze(obj) as Value;
}
