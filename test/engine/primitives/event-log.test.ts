import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ClosedError,
  EventLog,
  GENESIS_HASH,
  InvalidArgumentError,
  InvalidKeyError,
  InvalidValueError,
  KVStore,
  newRunId,
  type Event,
  type RunId,
  type Value,
} from '../../../engine/src/index.ts';
import { eventHash } from '../../../engine/src/primitives/event-log.ts';
import { TempDb, thrown } from './helpers.ts';

const HEX64 = /^[0-9a-f]{64}$/;

let t: TempDb;
let log: EventLog;
let run: RunId;

beforeEach(() => {
  t = new TempDb('ev');
  log = new EventLog(t.db);
  run = newRunId();
});

afterEach(() => {
  vi.restoreAllMocks();
  t.dispose();
});

function reopen(): void {
  log = new EventLog(t.reopen());
}

/** The raw key of event `sequence` (see event-log.ts: 'ev/e/' + 16-digit zero-padded). */
function rawEventKey(sequence: number): string {
  return `ev/e/${String(sequence).padStart(16, '0')}`;
}

/** Overwrites a stored event through the raw Database API, bypassing EventLog. */
function tamper(sequence: number, change: (e: Event) => Record<string, unknown>): void {
  const e = log.read(run, sequence);
  if (e === undefined) throw new Error(`no event ${sequence} to tamper with`);
  t.db.transaction(run, (txn) => txn.put(rawEventKey(sequence), change(e)));
}

function appendN(n: number, r: RunId = run): Array<{ sequence: number; hash: string }> {
  const out: Array<{ sequence: number; hash: string }> = [];
  for (let i = 0; i < n; i++) out.push(log.append(r, i % 2 === 0 ? 'even' : 'odd', { i }));
  return out;
}

describe('EventLog append', () => {
  it('returns sequence numbers 0, 1, 2, ... and SHA-256 hex hashes', () => {
    const got = appendN(5);
    expect(got.map((g) => g.sequence)).toEqual([0, 1, 2, 3, 4]);
    for (const g of got) expect(g.hash).toMatch(HEX64);
    expect(new Set(got.map((g) => g.hash)).size).toBe(5);
  });

  it('stores each event with its content, a timestamp and a hash chained to the previous', () => {
    const before = Date.now();
    const a = log.append(run, 'start', { task: 'x' });
    const b = log.append(run, 'step', [1, 2n, 'three']);
    const c = log.append(run, 'end', null);
    const after = Date.now();

    const e0 = log.read(run, 0);
    const e1 = log.read(run, 1);
    const e2 = log.read(run, 2);
    expect(e0).toMatchObject({ sequence: 0, type: 'start', payload: { task: 'x' }, hash: a.hash });
    expect(e1).toMatchObject({
      sequence: 1,
      type: 'step',
      payload: [1, 2n, 'three'],
      hash: b.hash,
    });
    expect(e2).toMatchObject({ sequence: 2, type: 'end', payload: null, hash: c.hash });
    expect(e0?.prevHash).toBe(GENESIS_HASH);
    expect(e1?.prevHash).toBe(e0?.hash);
    expect(e2?.prevHash).toBe(e1?.hash);
    for (const e of [e0, e1, e2]) {
      expect(e?.timestamp).toBeGreaterThanOrEqual(before);
      expect(e?.timestamp).toBeLessThanOrEqual(after);
    }
  });

  it('the hash covers sequence, type, timestamp, payload and previous hash', () => {
    vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
    log.append(run, 'a', { n: 1 });
    const { hash } = log.append(run, 'b', { n: 2 });
    const e = log.read(run, 1) as Event;
    expect(e.timestamp).toBe(1_700_000_000_000);
    expect(eventHash(e.sequence, e.type, e.timestamp, e.payload, e.prevHash)).toBe(hash);
    expect(e.hash).toBe(hash);
    const variants = [
      eventHash(2, e.type, e.timestamp, e.payload, e.prevHash),
      eventHash(e.sequence, 'c', e.timestamp, e.payload, e.prevHash),
      eventHash(e.sequence, e.type, e.timestamp + 1, e.payload, e.prevHash),
      eventHash(e.sequence, e.type, e.timestamp, { n: 3 }, e.prevHash),
      eventHash(e.sequence, e.type, e.timestamp, { n: 2n }, e.prevHash),
      eventHash(e.sequence, e.type, e.timestamp, e.payload, GENESIS_HASH),
    ];
    for (const v of variants) expect(v).not.toBe(hash);
  });

  it('identical appends in two runs get the same sequence but independent chains', () => {
    const other = newRunId();
    log.append(run, 't', 1);
    log.append(run, 't', 2);
    expect(log.append(other, 't', 1).sequence).toBe(0);
    expect(log.len(run)).toBe(2);
    expect(log.len(other)).toBe(1);
    expect(log.read(other, 0)?.prevHash).toBe(GENESIS_HASH);
    expect(log.read(other, 1)).toBeUndefined();
    expect(log.verifyChain(run)).toEqual({ valid: true, length: 2 });
    expect(log.verifyChain(other)).toEqual({ valid: true, length: 1 });
  });

  it('each append is one commit', () => {
    const v = t.db.version;
    appendN(3);
    expect(t.db.version).toBe(v + 3);
  });

  it('stores a copy of the payload: mutating it afterwards changes nothing', () => {
    const payload = { items: [1, 2], bytes: new Uint8Array([5]) };
    log.append(run, 't', payload);
    payload.items.push(3);
    payload.bytes[0] = 6;
    expect(log.read(run, 0)?.payload).toEqual({ items: [1, 2], bytes: new Uint8Array([5]) });
    expect(log.verifyChain(run).valid).toBe(true);
  });

  it('does not see or disturb KV keys in the same run', () => {
    const kv = new KVStore(t.db);
    kv.put(run, 'e/0000000000000000', 'not an event');
    kv.put(run, 'meta', 'not meta');
    appendN(2);
    expect(log.len(run)).toBe(2);
    expect(log.readByType(run, 'even')).toHaveLength(1);
    expect(kv.list(run).map(([k]) => k)).toEqual(['e/0000000000000000', 'meta']);
    expect(log.verifyChain(run)).toEqual({ valid: true, length: 2 });
  });
});

describe('EventLog append with invalid input: typed error, nothing written', () => {
  const cases: Array<[string, () => unknown, abstract new (...args: never[]) => Error]> = [
    ['an empty type', () => log.append(run, '', 1), InvalidKeyError],
    ['a non-string type', () => log.append(run, 5 as unknown as string, 1), InvalidKeyError],
    ['an oversized type', () => log.append(run, 't'.repeat(2000), 1), InvalidKeyError],
    ['a function payload', () => log.append(run, 't', () => 1), InvalidValueError],
    ['an undefined payload', () => log.append(run, 't', undefined), InvalidValueError],
    [
      'a NaN inside the payload',
      () => log.append(run, 't', { x: [Number.NaN] }),
      InvalidValueError,
    ],
    ['a bad run id', () => log.append('nope' as RunId, 't', 1), InvalidKeyError],
  ];

  it.each(cases)('%s', (_label, fn, errorClass) => {
    log.append(run, 'ok', 0);
    const v = t.db.version;
    expect(thrown(fn)).toBeInstanceOf(errorClass);
    expect(t.db.version).toBe(v);
    expect(log.len(run)).toBe(1);
    expect(log.verifyChain(run)).toEqual({ valid: true, length: 1 });
    // The next append still gets the next sequence and links to the last good event.
    const next = log.append(run, 'ok', 1);
    expect(next.sequence).toBe(1);
    expect(log.read(run, 1)?.prevHash).toBe(log.read(run, 0)?.hash);
  });
});

describe('EventLog reads', () => {
  it('read returns undefined past the end and for an empty log', () => {
    expect(log.read(run, 0)).toBeUndefined();
    appendN(2);
    expect(log.read(run, 2)).toBeUndefined();
    expect(log.read(run, 1_000_000)).toBeUndefined();
  });

  it.each([[-1], [1.5], [Number.NaN], [Number.POSITIVE_INFINITY], [2 ** 53]])(
    'read(%s) -> InvalidArgumentError',
    (n) => {
      expect(() => log.read(run, n)).toThrow(InvalidArgumentError);
    },
  );

  it('readRange returns start <= sequence < end in order, clipped to the log', () => {
    appendN(6);
    const seqs = (start: number, end: number): number[] =>
      log.readRange(run, start, end).map((e) => e.sequence);
    expect(seqs(0, 6)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(seqs(2, 4)).toEqual([2, 3]);
    expect(seqs(0, 1)).toEqual([0]);
    expect(seqs(3, 3)).toEqual([]);
    expect(seqs(4, 2)).toEqual([]);
    expect(seqs(4, 100)).toEqual([4, 5]);
    expect(seqs(6, 10)).toEqual([]);
    expect(seqs(0, Number.MAX_SAFE_INTEGER)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(log.readRange(run, 1, 3)).toEqual([log.read(run, 1), log.read(run, 2)]);
  });

  it('readRange on an empty log or unknown run is empty', () => {
    expect(log.readRange(run, 0, 10)).toEqual([]);
  });

  it('readRange rejects bad bounds', () => {
    expect(() => log.readRange(run, -1, 2)).toThrow(InvalidArgumentError);
    expect(() => log.readRange(run, 0, 1.5)).toThrow(InvalidArgumentError);
    expect(() => log.readRange(run, 0, Number.POSITIVE_INFINITY)).toThrow(InvalidArgumentError);
  });

  it('readRange writes nothing', () => {
    appendN(3);
    const v = t.db.version;
    log.readRange(run, 0, 3);
    log.head(run);
    expect(t.db.version).toBe(v);
  });

  it('head is undefined for an empty log, then the newest event', () => {
    expect(log.head(run)).toBeUndefined();
    log.append(run, 'a', 1);
    expect(log.head(run)?.sequence).toBe(0);
    const { hash } = log.append(run, 'b', 2);
    expect(log.head(run)).toEqual(log.read(run, 1));
    expect(log.head(run)?.hash).toBe(hash);
  });

  it('len counts the events', () => {
    expect(log.len(run)).toBe(0);
    appendN(4);
    expect(log.len(run)).toBe(4);
  });

  it('readByType returns the events of one type in sequence order', () => {
    log.append(run, 'tool', { n: 0 });
    log.append(run, 'thought', { n: 1 });
    log.append(run, 'tool', { n: 2 });
    log.append(run, 'tool/sub', { n: 3 });
    log.append(run, 'Tool', { n: 4 });
    expect(log.readByType(run, 'tool').map((e) => e.sequence)).toEqual([0, 2]);
    expect(log.readByType(run, 'thought').map((e) => e.payload)).toEqual([{ n: 1 }]);
    expect(log.readByType(run, 'tool/sub').map((e) => e.sequence)).toEqual([3]);
    expect(log.readByType(run, 'missing')).toEqual([]);
    expect(log.readByType(newRunId(), 'tool')).toEqual([]);
  });

  it('readByType orders by sequence beyond 10 events (fixed-width keys)', () => {
    for (let i = 0; i < 12; i++) log.append(run, 'x', i);
    expect(log.readByType(run, 'x').map((e) => e.sequence)).toEqual([...Array(12).keys()]);
    expect(log.readRange(run, 8, 12).map((e) => e.payload)).toEqual([8, 9, 10, 11]);
  });

  it('readByType rejects an invalid type', () => {
    expect(() => log.readByType(run, '')).toThrow(InvalidKeyError);
  });

  it('every read rejects an invalid run id', () => {
    const bad = 'nope' as RunId;
    expect(() => log.read(bad, 0)).toThrow(InvalidKeyError);
    expect(() => log.readRange(bad, 0, 1)).toThrow(InvalidKeyError);
    expect(() => log.head(bad)).toThrow(InvalidKeyError);
    expect(() => log.len(bad)).toThrow(InvalidKeyError);
    expect(() => log.readByType(bad, 't')).toThrow(InvalidKeyError);
    expect(() => log.verifyChain(bad)).toThrow(InvalidKeyError);
  });

  it('throws ClosedError after close', () => {
    appendN(1);
    t.db.close();
    expect(() => log.append(run, 't', 1)).toThrow(ClosedError);
    expect(() => log.read(run, 0)).toThrow(ClosedError);
    expect(() => log.verifyChain(run)).toThrow(ClosedError);
  });
});

describe('EventLog verifyChain', () => {
  it('is valid with length 0 on an empty log', () => {
    expect(log.verifyChain(run)).toEqual({ valid: true, length: 0 });
  });

  it('is valid on a good log', () => {
    appendN(10);
    expect(log.verifyChain(run)).toEqual({ valid: true, length: 10 });
  });

  const contentTampering: Array<[string, (e: Event) => Record<string, unknown>]> = [
    ['payload', (e) => ({ ...e, payload: { i: 999 } })],
    ['payload type (number -> bigint)', (e) => ({ ...e, payload: { i: BigInt(e.sequence) } })],
    ['type', (e) => ({ ...e, type: 'forged' })],
    ['timestamp', (e) => ({ ...e, timestamp: e.timestamp + 1 })],
    ['hash', (e) => ({ ...e, hash: 'f'.repeat(64) })],
    ['sequence', (e) => ({ ...e, sequence: e.sequence + 1 })],
  ];

  it.each(contentTampering)('names the tampered event when its %s changes', (_label, change) => {
    appendN(6);
    tamper(3, change);
    const res = log.verifyChain(run);
    expect(res).toMatchObject({ valid: false, length: 6, firstBadSequence: 3 });
  });

  it.each([[0], [5]])('detects content tampering at the edge of the log (event %i)', (seq) => {
    appendN(6);
    tamper(seq, (e) => ({ ...e, payload: 'forged' }));
    expect(log.verifyChain(run)).toMatchObject({ valid: false, firstBadSequence: seq });
  });

  it('names the FIRST bad event when several are tampered', () => {
    appendN(8);
    tamper(6, (e) => ({ ...e, payload: 'late' }));
    tamper(2, (e) => ({ ...e, payload: 'early' }));
    tamper(4, (e) => ({ ...e, prevHash: GENESIS_HASH }));
    expect(log.verifyChain(run)).toMatchObject({ valid: false, length: 8, firstBadSequence: 2 });
  });

  it('detects link tampering: a prevHash pointing elsewhere', () => {
    appendN(5);
    const e1 = log.read(run, 1) as Event;
    tamper(3, (e) => ({ ...e, prevHash: e1.hash }));
    const res = log.verifyChain(run);
    expect(res).toMatchObject({ valid: false, firstBadSequence: 3 });
    if (!res.valid) expect(res.reason).toMatch(/link/);
  });

  it('detects link tampering even when the tampered event is rehashed to be self-consistent', () => {
    appendN(5);
    // Event 2 is rewritten with a fresh, internally correct hash: its own content checks out,
    // so the break shows at event 3, whose prevHash no longer matches.
    tamper(2, (e) => {
      const payload: Value = { i: 'forged' };
      return {
        ...e,
        payload,
        hash: eventHash(e.sequence, e.type, e.timestamp, payload, e.prevHash),
      };
    });
    const res = log.verifyChain(run);
    expect(res).toMatchObject({ valid: false, firstBadSequence: 3 });
    if (!res.valid) expect(res.reason).toMatch(/link/);
  });

  it('detects a wrong genesis link on event 0', () => {
    appendN(3);
    tamper(0, (e) => {
      const prevHash = 'a'.repeat(64);
      return { ...e, prevHash, hash: eventHash(0, e.type, e.timestamp, e.payload, prevHash) };
    });
    expect(log.verifyChain(run)).toMatchObject({ valid: false, firstBadSequence: 0 });
  });

  it('detects a deleted event', () => {
    appendN(4);
    t.db.transaction(run, (txn) => txn.delete(rawEventKey(2)));
    const res = log.verifyChain(run);
    expect(res).toMatchObject({ valid: false, length: 4, firstBadSequence: 2 });
    if (!res.valid) expect(res.reason).toMatch(/missing/);
  });

  it('detects two events swapped', () => {
    appendN(4);
    const e1 = log.read(run, 1) as Event;
    const e2 = log.read(run, 2) as Event;
    t.db.transaction(run, (txn) => {
      txn.put(rawEventKey(1), e2);
      txn.put(rawEventKey(2), e1);
    });
    expect(log.verifyChain(run)).toMatchObject({ valid: false, firstBadSequence: 1 });
  });

  it('detects a head hash that does not match the last event', () => {
    appendN(3);
    t.db.transaction(run, (txn) => txn.put('ev/meta', { len: 3, head: 'b'.repeat(64) }));
    expect(log.verifyChain(run)).toMatchObject({ valid: false, length: 3, firstBadSequence: 2 });
  });

  it('a tampered log stays invalid after reopen', () => {
    appendN(4);
    tamper(1, (e) => ({ ...e, type: 'forged' }));
    reopen();
    expect(log.verifyChain(run)).toMatchObject({ valid: false, firstBadSequence: 1 });
  });

  it('writes nothing', () => {
    appendN(3);
    const v = t.db.version;
    log.verifyChain(run);
    expect(t.db.version).toBe(v);
  });
});

describe('EventLog durability', () => {
  it('the chain still verifies after close and reopen, bigint and bytes payloads included', () => {
    const payloads: unknown[] = [
      { big: 2n ** 63n - 1n, small: 5n, neg: -(2n ** 63n) },
      new Uint8Array([0, 1, 2, 255]),
      { bytes: new Uint8Array(0), nested: [new Uint8Array([7]), -3n] },
      { big: 2 ** 40, float: 0.1, negZero: -0, max: Number.MAX_SAFE_INTEGER, min: -(2 ** 53) + 1 },
      ['ünïcödé 😀', '', null, true, false, [], {}],
      JSON.parse('{"__proto__": {"a": 1}, "constructor": 2}') as unknown,
      'plain string',
      12345,
    ];
    for (const [i, p] of payloads.entries()) log.append(run, `type${i % 3}`, p);
    const before = log.readRange(run, 0, payloads.length);
    expect(log.verifyChain(run)).toEqual({ valid: true, length: payloads.length });

    reopen();
    expect(log.verifyChain(run)).toEqual({ valid: true, length: payloads.length });
    const after = log.readRange(run, 0, payloads.length);
    expect(after).toEqual(before);
    for (const [i, e] of after.entries()) {
      expect(eventHash(e.sequence, e.type, e.timestamp, e.payload, e.prevHash)).toBe(
        before[i]?.hash,
      );
    }
    expect((after[0]?.payload as { big: unknown }).big).toBe(2n ** 63n - 1n);
    expect(after[1]?.payload).toBeInstanceOf(Uint8Array);
    expect(Object.keys(after[5]?.payload as object)).toEqual(['__proto__', 'constructor']);
  });

  it('appends after reopen continue the sequence and the chain', () => {
    appendN(3);
    const head = log.head(run) as Event;
    reopen();
    expect(log.len(run)).toBe(3);
    expect(log.head(run)).toEqual(head);
    const next = log.append(run, 'after', { reopened: true });
    expect(next.sequence).toBe(3);
    expect(log.read(run, 3)?.prevHash).toBe(head.hash);
    expect(log.verifyChain(run)).toEqual({ valid: true, length: 4 });
    reopen();
    expect(log.verifyChain(run)).toEqual({ valid: true, length: 4 });
    expect(log.readByType(run, 'after')).toHaveLength(1);
  });
});
