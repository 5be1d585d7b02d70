import { describe, expect, it } from 'vitest';
import {
  formatBytes,
  formatHz,
  formatMs,
  formatNs,
  formatRatio,
  formatRatioCi,
} from '../../../harness/support/format.ts';

describe('formatHz', () => {
  it('switches unit at 1e3 and 1e6, with the precision of each', () => {
    expect(formatHz(null)).toBe('-');
    expect(formatHz(0)).toBe('0.0');
    expect(formatHz(999.94)).toBe('999.9');
    expect(formatHz(1000)).toBe('1.0K');
    expect(formatHz(123_456)).toBe('123.5K');
    expect(formatHz(1e6)).toBe('1.00M');
    expect(formatHz(52_345_678)).toBe('52.35M');
  });
});

describe('formatNs', () => {
  it('ns, µs, ms and s, switching at each power of 1000', () => {
    expect(formatNs(null)).toBe('-');
    expect(formatNs(12.34)).toBe('12.3 ns');
    expect(formatNs(999)).toBe('999.0 ns');
    expect(formatNs(1000)).toBe('1.00 µs');
    expect(formatNs(2_345)).toBe('2.35 µs');
    expect(formatNs(1e6)).toBe('1.00 ms');
    expect(formatNs(76_500_000)).toBe('76.50 ms');
    expect(formatNs(1e9)).toBe('1.00 s');
    expect(formatNs(12.5e9)).toBe('12.50 s');
  });
});

describe('formatBytes', () => {
  it('whole bytes below 1 KiB, KiB with one decimal from 1024', () => {
    expect(formatBytes(null)).toBe('-');
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(40.4)).toBe('40 B');
    expect(formatBytes(1023)).toBe('1023 B');
    expect(formatBytes(1024)).toBe('1.0 KiB');
    expect(formatBytes(1536)).toBe('1.5 KiB');
  });
});

describe('formatRatio', () => {
  it('one decimal and an x', () => {
    expect(formatRatio(null)).toBe('-');
    expect(formatRatio(2.04)).toBe('2.0x');
    expect(formatRatio(8.96)).toBe('9.0x');
  });
});

describe('formatMs', () => {
  it('seconds with one decimal under a minute, then minutes and whole seconds', () => {
    expect(formatMs(0)).toBe('0.0 s');
    expect(formatMs(1_234)).toBe('1.2 s');
    expect(formatMs(59_900)).toBe('59.9 s');
    expect(formatMs(60_000)).toBe('1 min 0 s');
    expect(formatMs(125_400)).toBe('2 min 5 s');
  });
});

describe('formatRatioCi', () => {
  const j = (ratio: number | null, ci: [number, number] | null) => ({ comparison: { ratio, ci } });
  it('the ratio with its interval to three decimals', () => {
    expect(formatRatioCi(j(1.23456, [1.1, 1.38]))).toBe('1.235 [1.100, 1.380]');
  });
  it('the ratio alone without an interval, "-" without a ratio', () => {
    expect(formatRatioCi(j(0.9, null))).toBe('0.900');
    expect(formatRatioCi(j(null, [1, 2]))).toBe('-');
  });
});
