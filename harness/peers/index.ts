/** Every peer adapter `bench --peers` measures, in table column order (ours first, floor last). */
import { floorAdapter } from './floor.ts';
import { inmemAdapter } from './inmem.ts';
import type { AdapterName, KvAdapter } from './kv-adapter.ts';
import { lmdbAdapter } from './lmdb.ts';
import { sqliteAdapter } from './sqlite.ts';

export const PEER_ADAPTERS: readonly KvAdapter[] = [
  inmemAdapter(),
  sqliteAdapter(),
  lmdbAdapter(),
  floorAdapter(),
];

/** The adapter our engine is measured through: the numerator of every peer ratio. */
export const REFERENCE_ADAPTER: AdapterName = 'inmem';
export const FLOOR_ADAPTER: AdapterName = 'floor';
