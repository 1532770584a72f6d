import { isBerthError } from '../../../src/shared/errors';
import type { HostBinding, PortAllocator } from './allocator';
import { type Reservation, reserveHostPort } from './reservation';
import type { PortRequest } from './spec';

// Allocate a host port for one binding group and bind it, retrying like
// libnetwork: when another process holds the chosen port (the allocator only
// knows Berth's own ports), an ephemeral or ranged request tries the next
// port, up to 10 times; an explicit single port fails at once. Ports that
// failed stay allocated during the retries so the next attempt skips them,
// then are given back.

export const MAX_BIND_ATTEMPTS = 10;

export type ReserveFn = (b: HostBinding) => Promise<Reservation>;

// On success the ports are allocated to `owner` and bound; the caller writes
// the rules next and, if that fails, releases the reservations and the
// allocator entries.
export async function acquireBindings(
  alloc: PortAllocator,
  group: PortRequest[],
  owner: string,
  reserve: ReserveFn = reserveHostPort,
): Promise<Reservation[]> {
  if (group.length === 0) return [];
  const explicit = group[0].hostPortStart !== 0 && group[0].hostPortStart === group[0].hostPortEnd;
  const failed: HostBinding[] = [];
  try {
    for (let attempt = 1; ; attempt++) {
      const bindings = alloc.allocateSame(group, owner);
      const held: Reservation[] = [];
      try {
        for (const b of bindings) held.push(await reserve(b));
        return held;
      } catch (e) {
        await Promise.all(held.map((r) => r.release()));
        const busy = isBerthError(e) && e.kind === 'conflict';
        if (!busy || explicit || attempt >= MAX_BIND_ATTEMPTS) {
          for (const b of bindings) alloc.release(b.hostIp, b.hostPort, b.proto);
          throw e;
        }
        failed.push(...bindings);
      }
    }
  } finally {
    for (const b of failed) alloc.release(b.hostIp, b.hostPort, b.proto);
  }
}
