// Test helpers for code that throws BerthError (ipam, portmap, …).
import { expect } from 'vitest';
import { BerthError, type ErrorKind } from '../../../src/shared/errors';

export function expectBerthError(fn: () => unknown, kind: ErrorKind, message: string | RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(BerthError);
  const err = caught as BerthError;
  expect(err.kind).toBe(kind);
  if (typeof message === 'string') expect(err.message).toBe(message);
  else expect(err.message).toMatch(message);
}

// The BerthError `f` throws, for tests that look at several of its fields.
export function errorOf(f: () => unknown): BerthError {
  try {
    f();
  } catch (e) {
    if (e instanceof BerthError) return e;
    throw e;
  }
  throw new Error('expected an error');
}
