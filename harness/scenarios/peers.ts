/**
 * Peers (harness/peers/): the KV and transaction workloads on our engine, SQLite, LMDB and the
 * physical floor, side by side. Only `bench --peers` runs them.
 */
import { PEER_ADAPTERS } from '../peers/index.ts';
import { peerScenarios } from '../peers/scenarios.ts';
import type { Scenario } from '../catalogue/scenario.ts';

export const scenarios: Scenario[] = PEER_ADAPTERS.flatMap(peerScenarios);
