/**
 * Layer B: the other four primitives, each a thin facade over one transaction per call.
 */
import { allOf, expectEqual, type Scenario } from '../catalogue/scenario.ts';

/** Constant inputs built once: the timed op passes the same object every call. */
const EVENT_PAYLOAD = { tool: 'search', query: 'benchmarks', results: 3 };
const TRACE_INPUT = { type: 'thought', content: { text: 'compare the baseline', step: 1 } };
const RUN_OPTIONS = { name: 'bench-run' };

export const scenarios: Scenario[] = [
  {
    kind: 'op',
    name: 'eventlog/append',
    layer: 'B',
    writes: true,
    labels: { payloadFields: 3 },
    guarantee: 'append assigns the next sequence number and extends the hash chain atomically',
    catches: 'append cost growing with log length, or hashing/encoding getting slower',
    setup({ engine, openDb }) {
      const EventLog = engine.require('EventLog');
      const db = openDb();
      const log = new EventLog(db);
      const runId = engine.newRunId();
      const before = db.stats();
      return {
        op() {
          log.append(runId, 'tool_call', EVENT_PAYLOAD);
        },
        verify: (calls) =>
          allOf(
            expectEqual('event log length', log.len(runId), calls),
            expectEqual('engine commits', db.stats().commits - before.commits, calls),
          ),
        teardown: () => db.close(),
      };
    },
  },
  {
    kind: 'op',
    name: 'statecell/cas',
    layer: 'B',
    writes: true,
    labels: { access: 'hot_key' },
    guarantee: 'cas writes only when the cell is at the expected version, and bumps it by one',
    catches: 'a slower compare-and-swap path (version check, read of the current cell)',
    setup({ engine, openDb }) {
      const StateCell = engine.require('StateCell');
      const db = openDb();
      const cells = new StateCell(db);
      const runId = engine.newRunId();
      let version = cells.init(runId, 'cell', 0);
      const initial = version;
      const before = db.stats();
      let i = 0;
      return {
        op() {
          version = cells.cas(runId, 'cell', version, i++);
        },
        verify: (calls) =>
          allOf(
            expectEqual(
              'cell version advance',
              (cells.read(runId, 'cell')?.version ?? 0) - initial,
              calls,
            ),
            expectEqual('engine commits', db.stats().commits - before.commits, calls),
          ),
        teardown: () => db.close(),
      };
    },
  },
  {
    kind: 'op',
    name: 'statecell/transition',
    layer: 'B',
    writes: true,
    labels: { access: 'hot_key' },
    guarantee:
      'transition applies a pure function to the current value atomically (retry on conflict)',
    catches: 'transition overhead beyond one transaction (extra reads, needless retries)',
    setup({ engine, openDb }) {
      const StateCell = engine.require('StateCell');
      const db = openDb();
      const cells = new StateCell(db);
      const runId = engine.newRunId();
      cells.init(runId, 'counter', 0);
      const increment = (current: unknown): number => (current as number) + 1;
      const before = db.stats();
      let retries = 0;
      return {
        op() {
          retries += cells.transition(runId, 'counter', increment).attempts - 1;
        },
        verify: (calls) =>
          allOf(
            expectEqual('counter value', cells.read(runId, 'counter')?.value as number, calls),
            expectEqual('engine commits', db.stats().commits - before.commits, calls),
            // Nothing else writes the cell, so a retry means a spurious conflict.
            expectEqual('retries', retries, 0),
          ),
        teardown: () => db.close(),
      };
    },
  },
  {
    kind: 'op',
    name: 'tracestore/record',
    layer: 'B',
    writes: true,
    labels: { indexKeys: 2 },
    guarantee: 'a trace and all its index entries are written in one transaction',
    catches: 'index maintenance getting more expensive per trace',
    setup({ engine, openDb }) {
      const TraceStore = engine.require('TraceStore');
      const db = openDb();
      const traces = new TraceStore(db);
      const runId = engine.newRunId();
      const before = db.stats();
      return {
        op() {
          traces.record(runId, TRACE_INPUT);
        },
        verify: (calls) =>
          allOf(
            expectEqual('trace count', traces.count(runId), calls),
            expectEqual('engine commits', db.stats().commits - before.commits, calls),
          ),
        teardown: () => db.close(),
      };
    },
  },
  {
    kind: 'op',
    name: 'runindex/create_run',
    layer: 'B',
    writes: true,
    guarantee: 'createRun records a new active run atomically in the system run',
    catches: 'run creation cost growing with the number of runs',
    setup({ engine, openDb }) {
      const RunIndex = engine.require('RunIndex');
      const db = openDb();
      const runs = new RunIndex(db);
      const before = db.stats();
      return {
        op() {
          runs.createRun(RUN_OPTIONS);
        },
        verify: (calls) =>
          allOf(
            expectEqual('runs listed', runs.listRuns().length, calls),
            expectEqual('engine commits', db.stats().commits - before.commits, calls),
          ),
        teardown: () => db.close(),
      };
    },
  },
];
