import { readFileSync } from 'node:fs';
import { afterEach } from 'vitest';

// For tests with real loopback sockets: what a test opens is closed after it,
// in reverse order, even when it fails.
export function socketCleanups(): Array<() => Promise<unknown> | unknown> {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  return cleanups;
}

export const hasLoopbackIPv6 = (() => {
  try {
    return readFileSync('/proc/net/if_inet6', 'utf8').includes(' lo');
  } catch {
    return false;
  }
})();
