/**
 * Layer A0: the physical floor. A JS Map with the same keys the engine scenarios use, so
 * engine/put_direct / core/map_set is the engine's overhead over the bare data structure.
 */
import {
  KEY_MASK,
  allOf,
  expectEqual,
  keyNames,
  keySequence,
  type Scenario,
} from '../catalogue/scenario.ts';

const KEYSPACE = 10_000;

export const scenarios: Scenario[] = [
  {
    kind: 'op',
    name: 'core/map_set',
    layer: 'A0',
    writes: false,
    labels: { access: 'uniform', keys: KEYSPACE },
    guarantee: 'none: the bare Map floor that A1/A0 is measured against',
    catches: 'a slower runtime or machine (every ratio uses this as its denominator)',
    setup({ rng }) {
      const map = new Map<string, number>();
      for (const k of keyNames('key:', KEYSPACE)) map.set(k, 0);
      const keys = keySequence(rng, 'key:', KEYSPACE);
      let i = 0;
      return {
        op() {
          map.set(keys[i & KEY_MASK] as string, ++i);
        },
        // Every call wrote its sequence number (the count is exact), and the last one is in the
        // map (the runner separately refuses calls === 0).
        verify: (calls) =>
          allOf(
            expectEqual('map_set calls', i, calls),
            expectEqual(
              'value of the last key set',
              map.get(keys[(calls - 1) & KEY_MASK] as string) ?? -1,
              calls,
            ),
          ),
      };
    },
  },
  {
    kind: 'op',
    name: 'core/map_get',
    layer: 'A0',
    writes: false,
    labels: { access: 'uniform', keys: KEYSPACE },
    guarantee: 'none: the bare Map floor that A1/A0 is measured against',
    catches: 'a slower runtime or machine (every ratio uses this as its denominator)',
    setup({ rng }) {
      const map = new Map<string, number>();
      for (const k of keyNames('key:', KEYSPACE)) map.set(k, 1);
      const keys = keySequence(rng, 'key:', KEYSPACE);
      let i = 0;
      let hits = 0;
      return {
        op() {
          // Counting hits uses the result, so the read can't be optimised away.
          if (map.get(keys[i++ & KEY_MASK] as string) !== undefined) hits++;
        },
        verify: (calls) => expectEqual('map_get hits', hits, calls),
      };
    },
  },
];
