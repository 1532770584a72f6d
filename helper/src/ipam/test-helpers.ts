// Shared by the ipam tests: assert a BerthError's kind and message at once.
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
