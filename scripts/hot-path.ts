/**
 * Hot-path figures for the engine, per durability mode: ns/op (benchmark.js) and heap bytes/op
 * (harness/measure/heap.ts, the method validated in test/harness/measure/heap.test.ts) of
 *   engine/put_direct   db.put: a one-key commit
 *   engine/txn_put      db.transaction(run, t => t.put(k, v)): a one-key transaction
 *   kvstore/put         KVStore.put
 *   kvstore/get         KVStore.get (hit)
 * and "perf-trace is free when off": the same child run with INMEM_PERF_TRACE unset and set,
 * alternated round by round (A B A B ...) so drift on this shared machine hits both alike.
 * Figures are medians over rounds; the ratio is trace-on / trace-off per op and mode.
 *
 *   npx tsx scripts/hot-path.ts [--rounds 3] [--max-time 0.5]
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Benchmark from 'benchmark';
import { median } from 'simple-statistics';
import { measureHeapPerOp, CHILD_FLAGS } from '../harness/measure/heap.ts';
import {
  Database,
  DurabilityMode,
  KVStore,
  newRunId,
  PERF_TRACE_ENABLED,
} from '../engine/src/index.ts';

Benchmark.support.decompilation = false;

const MODES = ['inMemory', 'buffered', 'strict'] as const;
type ModeName = (typeof MODES)[number];
const OPS = ['engine/put_direct', 'engine/txn_put', 'kvstore/put', 'kvstore/get'] as const;
type OpName = (typeof OPS)[number];

/** Red-flag targets and thresholds (docs/red-flags.md) where one exists for the op in that mode. */
const TARGETS: Partial<Record<OpName, Partial<Record<ModeName, string>>>> = {
  'engine/put_direct': { inMemory: 'target < 3 µs, red flag > 10 µs' },
  'kvstore/put': {
    inMemory: 'target < 8 µs, red flag > 20 µs',
    buffered: 'seed target < 30 µs',
    strict: 'seed ~2 ms (upstream disk)',
  },
  'kvstore/get': { inMemory: 'target < 5 µs, red flag > 10 µs' },
};

interface Figure {
  nsPerOp: number;
  bytesPerOp: number;
  commits: number;
}
type ChildOutput = Record<ModeName, Record<OpName, Figure>>;

function modeOf(name: ModeName): DurabilityMode {
  if (name === 'inMemory') return DurabilityMode.inMemory();
  if (name === 'buffered') return DurabilityMode.bufferedDefault();
  return DurabilityMode.strict();
}

/** One process: every op in every mode, ns/op then bytes/op. */
function child(maxTime: number): ChildOutput {
  const KEYS = 1024; // a power of two, so the index wraps with a mask
  const keys = Array.from({ length: KEYS }, (_, i) => `key-${i.toString().padStart(6, '0')}`);
  const out = {} as ChildOutput;
  for (const modeName of MODES) {
    out[modeName] = {} as Record<OpName, Figure>;
    for (const op of OPS) {
      const db = Database.builder().durability(modeOf(modeName)).openTemp();
      const kv = new KVStore(db);
      const run = newRunId();
      for (const k of keys) kv.put(run, k, 1); // the get op always hits; puts overwrite
      let i = 0;
      let hits = 0;
      const fns: Record<OpName, () => void> = {
        'engine/put_direct': () => db.put(run, keys[i++ & (KEYS - 1)] as string, i),
        'engine/txn_put': () => {
          const k = keys[i++ & (KEYS - 1)] as string;
          db.transaction(run, (t) => t.put(k, i));
        },
        'kvstore/put': () => kv.put(run, keys[i++ & (KEYS - 1)] as string, i),
        'kvstore/get': () => {
          if (kv.get(run, keys[i++ & (KEYS - 1)] as string) !== undefined) hits++;
        },
      };
      const fn = fns[op];
      const before = db.stats().commits;
      const bench = new Benchmark(op, fn, { maxTime, minSamples: 5 });
      bench.run();
      const heap = measureHeapPerOp(fn, { windows: 5, opsPerWindow: 2000, maxAttempts: 20 });
      const commits = db.stats().commits - before;
      // Proof the ops ran: puts commit once per call, gets hit every time.
      const calls = i;
      if (op === 'kvstore/get' ? hits !== calls : commits !== calls) {
        throw new Error(
          `${op} ${modeName}: ${calls} calls but ${op === 'kvstore/get' ? hits : commits} effects`,
        );
      }
      out[modeName][op] = { nsPerOp: bench.stats.mean * 1e9, bytesPerOp: heap.bytesPerOp, commits };
      db.close();
    }
  }
  return out;
}

function runChild(trace: boolean, maxTime: number): ChildOutput {
  const env: NodeJS.ProcessEnv = { ...process.env, INMEM_PERF_TRACE: trace ? '1' : '0' };
  const stdout = execFileSync(
    process.execPath,
    [
      ...CHILD_FLAGS,
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      '--child',
      '--max-time',
      String(maxTime),
    ],
    { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 16 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as ChildOutput;
}

function fmtNs(ns: number): string {
  return ns >= 1e6
    ? `${(ns / 1e6).toFixed(2)} ms`
    : ns >= 1e3
      ? `${(ns / 1e3).toFixed(2)} µs`
      : `${ns.toFixed(0)} ns`;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      child: { type: 'boolean', default: false },
      rounds: { type: 'string', default: '3' },
      'max-time': { type: 'string', default: '0.5' },
    },
  });
  const maxTime = Number(values['max-time']);
  if (values.child) {
    process.stdout.write(JSON.stringify({ trace: PERF_TRACE_ENABLED, ...child(maxTime) }));
    return;
  }
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1 || !(maxTime > 0)) {
    console.error('usage: npx tsx scripts/hot-path.ts [--rounds N>=1] [--max-time SECONDS>0]');
    process.exit(2);
  }
  const off: ChildOutput[] = [];
  const on: ChildOutput[] = [];
  for (let r = 0; r < rounds; r++) {
    process.stderr.write(`round ${r + 1}/${rounds}: trace off, trace on\n`);
    off.push(runChild(false, maxTime));
    on.push(runChild(true, maxTime));
  }
  const med = (xs: ChildOutput[], m: ModeName, op: OpName, f: keyof Figure): number =>
    median(xs.map((x) => x[m][op][f]));
  console.log(
    `\nnode ${process.version}, ${rounds} rounds, medians; ratio = trace on / trace off\n`,
  );
  console.log('mode      op                  ns/op       bytes/op  trace-on ns/op  ratio  target');
  for (const m of MODES) {
    for (const op of OPS) {
      const a = med(off, m, op, 'nsPerOp');
      const b = med(on, m, op, 'nsPerOp');
      console.log(
        `${m.padEnd(9)} ${op.padEnd(18)} ${fmtNs(a).padStart(10)} ${med(off, m, op, 'bytesPerOp').toFixed(0).padStart(10)} ${fmtNs(b).padStart(15)} ${(b / a).toFixed(2).padStart(6)}  ${TARGETS[op]?.[m] ?? ''}`,
      );
    }
  }
}

main();
