import { describe, expect, it } from 'vitest';
import { DUR_LABELS, MODES, WAL_MODES, parseMode } from '../../../harness/engine-api/modes.ts';

describe('durability modes', () => {
  it('are named in order from least to most durable', () => {
    expect(MODES).toEqual(['inMemory', 'buffered', 'strict']);
  });

  it('carry the dur_ labels of docs/naming.md', () => {
    expect(DUR_LABELS).toEqual({
      inMemory: 'dur_inmemory',
      buffered: 'dur_buffered',
      strict: 'dur_strict',
    });
  });

  it('only buffered and strict write a WAL', () => {
    expect(WAL_MODES).toEqual(['buffered', 'strict']);
  });
});

describe('parseMode', () => {
  it('accepts any case and surrounding spaces', () => {
    expect(parseMode('inMemory')).toBe('inMemory');
    expect(parseMode('inmemory')).toBe('inMemory');
    expect(parseMode('INMEMORY')).toBe('inMemory');
    expect(parseMode(' Buffered ')).toBe('buffered');
    expect(parseMode('strict')).toBe('strict');
  });

  it('is undefined for anything else, labels included', () => {
    expect(parseMode('turbo')).toBeUndefined();
    expect(parseMode('')).toBeUndefined();
    expect(parseMode('dur_strict')).toBeUndefined();
    expect(parseMode('in memory')).toBeUndefined();
  });
});
