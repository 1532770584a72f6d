import { isIPv4 } from 'node:net';
import { flushConntrack, type ConntrackFilter } from '../kernel/conntrack';
import { isUnspecified } from '../../../src/shared/ip';
import type { PortRecord } from '../store/state';

// Conntrack entries outlive rules: a UDP client that keeps sending to
// host:port stays on the path its first packet took (to the old container,
// or to the host itself when the mapping did not exist yet). Flushing makes
// the next packet meet the current rules (libnetwork clearConntrackEntries).
// A failed flush is logged, never fatal: the rules are already right.

const log = (m: string) => process.stderr.write(`${new Date().toISOString()} conntrack: ${m}\n`);

async function flush(filters: ConntrackFilter[]): Promise<void> {
  await Promise.all(
    filters.map((f) => flushConntrack(f).catch((e: Error) => log(`flush ${JSON.stringify(f)} failed: ${e.message}`))),
  );
}

// Only IPv4 mappings have NAT (and so conntrack NAT state) to flush.
const natted = (r: PortRecord) => isIPv4(r.hostIp) && r.proto !== 'sctp';
const origDst = (r: PortRecord) => (isUnspecified(r.hostIp) ? undefined : r.hostIp);

// Mappings that just went away (port rm, gateway moved): entries of flows
// DNAT'd through them to `containerIp`.
export async function flushRemoved(recs: PortRecord[], containerIp: string | null): Promise<void> {
  if (!containerIp) return;
  const filters = recs
    .filter(natted)
    .map((r) => ({ proto: r.proto, hostPort: r.hostPort, origDst: origDst(r), containerIp }));
  await flush(dedupe(filters));
}

// New UDP mappings: entries a client made before the mapping existed point
// at the host itself and would keep the DNAT rule from applying.
export async function flushAdded(recs: PortRecord[]): Promise<void> {
  const filters = recs
    .filter((r) => natted(r) && r.proto === 'udp')
    .map((r) => ({ proto: r.proto, hostPort: r.hostPort, origDst: origDst(r) }));
  await flush(dedupe(filters));
}

// A container's ports all going (stop, exit): one flush per protocol for
// everything that was answered by its address, like Docker does per endpoint.
export async function flushContainer(recs: PortRecord[], containerIp: string | null): Promise<void> {
  if (!containerIp || !isIPv4(containerIp)) return;
  const protos = [...new Set(recs.filter(natted).map((r) => r.proto))];
  await flush(protos.map((proto) => ({ proto, containerIp })));
}

function dedupe(fs: ConntrackFilter[]): ConntrackFilter[] {
  const m = new Map(fs.map((f) => [JSON.stringify(f), f]));
  return [...m.values()];
}
