/**
 * Durability modes as the harness names them. The engine's own `DurabilityMode` objects (M4 engines)
 * are built by the engine adapter; everything else in the harness only deals in these names.
 */
export const MODES = ['inMemory', 'buffered', 'strict'] as const;
export type ModeName = (typeof MODES)[number];

/** The label the naming rules (docs/naming.md) put on every writing benchmark. */
export const DUR_LABELS: Record<ModeName, string> = {
  inMemory: 'dur_inmemory',
  buffered: 'dur_buffered',
  strict: 'dur_strict',
};

/** Modes that write a WAL (a recovery benchmark means nothing without one). */
export const WAL_MODES: readonly ModeName[] = ['buffered', 'strict'];

/** Case-insensitive lookup so `--mode inmemory` and `--mode inMemory` both work. */
export function parseMode(text: string): ModeName | undefined {
  const wanted = text.trim().toLowerCase();
  return MODES.find((m) => m.toLowerCase() === wanted);
}
