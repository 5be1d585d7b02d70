import { describe, expect, it } from 'vitest';
import {
  EXIT,
  UnsupportedError,
  UsageError,
  errorMessage,
} from '../../../harness/support/errors.ts';

describe('exit codes', () => {
  it('0 ok, 1 a run that did not pass, 2 usage or environment', () => {
    expect(EXIT).toEqual({ ok: 0, failed: 1, usage: 2 });
  });
});

describe('UsageError', () => {
  it('carries the message and the hint that says how to fix it', () => {
    const err = new UsageError('unknown profile "fast"', 'use --profile quick');
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('UsageError');
    expect(err.message).toBe('unknown profile "fast"');
    expect(err.hint).toBe('use --profile quick');
    expect(String(err)).toBe('UsageError: unknown profile "fast"');
  });

  it('has no hint unless given one', () => {
    expect(new UsageError('x').hint).toBeUndefined();
  });
});

describe('UnsupportedError', () => {
  it('is named, so a worker can tell it apart after a structured clone (by name)', () => {
    const err = new UnsupportedError('this engine does not export KVStore');
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(UsageError);
    expect(err.name).toBe('UnsupportedError');
    expect(err.message).toBe('this engine does not export KVStore');
  });
});

describe('errorMessage', () => {
  it("is an Error's message without its name", () => {
    expect(errorMessage(new Error('boom'))).toBe('boom');
    expect(errorMessage(new UsageError('bad usage', 'hint'))).toBe('bad usage');
  });

  it('is the string form of anything else thrown', () => {
    expect(errorMessage('plain string')).toBe('plain string');
    expect(errorMessage(42)).toBe('42');
    expect(errorMessage(undefined)).toBe('undefined');
    expect(errorMessage({ toString: () => 'custom' })).toBe('custom');
  });
});
