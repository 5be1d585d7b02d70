/**
 * The engine's Value type and its admission check.
 *
 * A value is copied and deep-frozen on the way in, so a caller mutating its object after `put`
 * can't change committed data, and reads can hand out the stored object without copying it.
 * Byte arrays can't be frozen, so they are copied on the way in and on the way out.
 */
import { InvalidValueError } from './errors.ts';

export type Value =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | readonly Value[]
  | { readonly [key: string]: Value };

/** Limits, stated in the README. */
export const LIMITS = {
  /** A key (or a primitive's name argument) is at most this many UTF-8 bytes. */
  maxKeyBytes: 1024,
  /**
   * A key of the raw Database API. Larger than maxKeyBytes by the room the primitives need for
   * their namespace prefix and index suffixes, so every primitive accepts a full 1024-byte name.
   */
  maxRawKeyBytes: 1024 + 128,
  /** Sum of string code units, byte-array lengths and 8 per other scalar, per value. */
  maxValueSize: 16 * 1024 * 1024,
  /** Arrays and objects nest at most this deep. */
  maxDepth: 64,
} as const;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** %TypedArray%.prototype[Symbol.toStringTag]: the element type from the internal slot. */
const typedArrayTag = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype) as object,
  Symbol.toStringTag,
)?.get as (this: unknown) => string | undefined;

interface Budget {
  size: number;
}

/**
 * Returns an immutable copy of `input` if it is a Value, else throws InvalidValueError naming
 * the offending path (e.g. `value.items[3].fn`). Scalars are returned as they are.
 */
export function admitValue(input: unknown): Value {
  // Fast path for the common scalar cases: no budget object, no recursion.
  switch (typeof input) {
    case 'string':
      if (input.length > LIMITS.maxValueSize) tooLarge('value');
      checkWellFormed(input, 'value');
      return input;
    case 'boolean':
      return input;
    case 'number':
      return admitNumber(input, 'value');
    default:
      return admitAt(input, 'value', 0, { size: 0 }, new Set());
  }
}

function admitNumber(n: number, path: string): number {
  if (!Number.isFinite(n)) {
    throw new InvalidValueError(`${path} is ${n}: only finite numbers are allowed`, path);
  }
  // -0 does not survive the WAL encoding; normalise so every durability mode agrees.
  return n === 0 ? 0 : n;
}

/**
 * True when `s` has no lone surrogate. The WAL stores strings as UTF-8, which can't represent a
 * lone surrogate (it would come back as U+FFFD after recovery), so such strings are refused.
 */
export function isWellFormedString(s: string): boolean {
  // String.prototype.isWellFormed (ES2024) is in Node 20; the ES2023 lib typings lack it.
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

function checkWellFormed(s: string, path: string): void {
  if (!isWellFormedString(s)) {
    throw new InvalidValueError(
      `${path} contains a lone UTF-16 surrogate, which UTF-8 (the log's encoding) can't represent`,
      path,
    );
  }
}

function tooLarge(path: string): never {
  throw new InvalidValueError(
    `${path} is larger than the limit of ${LIMITS.maxValueSize} (string units + bytes + 8 per scalar)`,
    path,
  );
}

function admitAt(
  input: unknown,
  path: string,
  depth: number,
  budget: Budget,
  seen: Set<object>,
): Value {
  switch (typeof input) {
    case 'string':
      budget.size += input.length;
      if (budget.size > LIMITS.maxValueSize) tooLarge(path);
      checkWellFormed(input, path);
      return input;
    case 'boolean':
      budget.size += 8;
      return input;
    case 'number':
      budget.size += 8;
      return admitNumber(input, path);
    case 'bigint':
      if (input < INT64_MIN || input > INT64_MAX) {
        throw new InvalidValueError(`${path} is a bigint outside the signed 64-bit range`, path);
      }
      budget.size += 8;
      return input;
    case 'undefined':
      throw new InvalidValueError(
        `${path} is undefined: use null, or leave the property out`,
        path,
      );
    case 'function':
      throw new InvalidValueError(`${path} is a function: functions can't be stored`, path);
    case 'symbol':
      throw new InvalidValueError(`${path} is a symbol: symbols can't be stored`, path);
    case 'object':
      break;
  }
  if (input === null) {
    budget.size += 8;
    return null;
  }
  const obj = input as object;
  // ArrayBuffer.isView and the typed-array tag getter read internal slots, never a proxy trap.
  if (ArrayBuffer.isView(obj) && typedArrayTag.call(obj) === 'Uint8Array') {
    const bytes = obj as Uint8Array;
    budget.size += bytes.byteLength;
    if (budget.size > LIMITS.maxValueSize) tooLarge(path);
    // A plain Uint8Array copy: Buffers and views over shared memory become independent bytes.
    // (Not `slice`: on a Buffer it creates another Buffer, whose own `slice` returns a view, so
    // `exportValue` would hand out the stored memory.)
    return new Uint8Array(bytes);
  }
  if (depth >= LIMITS.maxDepth) {
    throw new InvalidValueError(`${path} nests deeper than ${LIMITS.maxDepth} levels`, path);
  }
  if (seen.has(obj)) {
    throw new InvalidValueError(`${path} refers back to one of its ancestors (a cycle)`, path);
  }
  seen.add(obj);
  // Each container is read once, from one snapshot of its length or keys: a getter or proxy
  // that changes the container while it is copied can't make the copy sparse or inconsistent.
  // `at` names what was being read, for a getter or trap that throws.
  let at = path;
  let out: Value;
  try {
    if (Array.isArray(obj)) {
      const src = obj as unknown[];
      const length = src.length;
      const arr: Value[] = [];
      for (let i = 0; i < length; i++) {
        at = `${path}[${i}]`;
        const child = src[i];
        // Only an undefined read can be a hole; the `in` check (a proxy trap) is paid only then.
        if (child === undefined && !(i in src)) {
          throw new InvalidValueError(
            i < src.length
              ? `${at} is a hole in a sparse array`
              : `${at} was removed while the array was being read (a getter shrank it)`,
            at,
          );
        }
        arr.push(admitAt(child, at, depth + 1, budget, seen));
      }
      out = Object.freeze(arr);
    } else {
      const proto: unknown = Object.getPrototypeOf(obj);
      if (proto !== Object.prototype && proto !== null) {
        const ctor: unknown = (proto as { constructor?: unknown }).constructor;
        const name = typeof ctor === 'function' && ctor.name !== '' ? ctor.name : 'unknown';
        throw new InvalidValueError(
          `${path} is an instance of ${name}: only plain objects, arrays and Uint8Array are allowed`,
          path,
        );
      }
      if (Object.getOwnPropertySymbols(obj).length > 0) {
        throw new InvalidValueError(`${path} has symbol-keyed properties`, path);
      }
      const src = obj as Record<string, unknown>;
      const copy: Record<string, Value> = {};
      for (const key of Object.keys(obj)) {
        budget.size += key.length;
        at = `${path}.${key}`;
        checkWellFormed(key, at);
        const child = src[key];
        if (child === undefined && !Object.hasOwn(src, key)) {
          throw new InvalidValueError(
            `${at} was deleted while the object was being read (a getter removed it)`,
            at,
          );
        }
        // defineProperty so a key named "__proto__" stays data, never a prototype change.
        Object.defineProperty(copy, key, {
          value: admitAt(child, at, depth + 1, budget, seen),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      out = Object.freeze(copy);
    }
  } catch (err) {
    if (err instanceof InvalidValueError) throw err;
    const reason = err instanceof Error ? err.message : String(err);
    throw new InvalidValueError(
      `${at} could not be read: a getter or proxy trap threw (${reason})`,
      at,
      { cause: err },
    );
  }
  seen.delete(obj);
  if (budget.size > LIMITS.maxValueSize) tooLarge(path);
  return out;
}

/** What a read returns: the stored value, except byte arrays, which are copied (they can't be frozen). */
export function exportValue(v: Value): Value {
  return v instanceof Uint8Array ? v.slice() : v;
}

/** Deep equality of two Values (used by tests and by the recovery checks). */
export function valuesEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.byteLength === b.byteLength && a.every((x, i) => x === b[i]);
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => valuesEqual(x, b[i] as Value));
  }
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return (
      ka.length === kb.length &&
      ka.every((k) => Object.hasOwn(b, k) && valuesEqual(a[k] as Value, b[k] as Value))
    );
  }
  return false;
}

function isRecord(v: Value): v is { readonly [key: string]: Value } {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Uint8Array);
}
