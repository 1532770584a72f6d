import type { ContainerRecord, NetworkRecord, State } from '../store/state';
import { cidrContains, tryParseAddr, tryParseCidr } from '../../../src/shared/ip';

// What a network's DNS server knows (docs/dns.md): on a user-defined network,
// the names of its running containers (name, short ID, hostname and
// --network-alias values) map to their addresses on that network only; on
// the default bridge no names resolve, as Docker's. Everything else goes to
// the upstream resolvers.

export type Answer =
  | { kind: 'local'; ips: string[] } // A records (possibly none: the name exists, other type asked)
  | { kind: 'ptr'; name: string }
  | { kind: 'nxdomain' }
  | { kind: 'forward'; upstreams: string[] };

const up = (c: ContainerRecord) => c.state.status === 'running' || c.state.status === 'degraded';
const norm = (n: string) => n.replace(/\.$/, '').toLowerCase();

export const resolvesNames = (n: NetworkRecord) => n.driver === 'bridge' && !n.predefined;

// The container that sent a query: the one whose endpoint on this network has that address.
export function clientOf(s: State, networkId: string, ip: string): ContainerRecord | undefined {
  return Object.values(s.containers).find((c) => up(c) && c.endpoints.some((e) => e.networkId === networkId && e.ip === ip));
}

function namesOf(c: ContainerRecord, networkId: string): string[] {
  const aliases = c.aliases?.[networkId] ?? [];
  return [c.name, c.id.slice(0, 12), c.hostname, ...aliases].map(norm);
}

export function answer(s: State, networkId: string, clientIp: string, qname: string, qtype: string, hostUpstreams: string[]): Answer {
  const net = s.networks[networkId];
  const name = norm(qname);
  const client = clientOf(s, networkId, clientIp);
  const upstreams = client?.dns?.length ? client.dns : hostUpstreams;
  if (!net) return { kind: 'forward', upstreams };
  if (qtype === 'PTR') {
    // reverse lookups of the network's own addresses never leave the host
    const ip = ptrToIp(name);
    if (ip === null || !inSubnet(ip, net.subnet)) return { kind: 'forward', upstreams };
    if (!resolvesNames(net)) return { kind: 'nxdomain' };
    const owner = Object.values(s.containers).find((c) => up(c) && c.endpoints.some((e) => e.networkId === networkId && e.ip === ip));
    return owner ? { kind: 'ptr', name: `${owner.name}.${net.name}` } : { kind: 'nxdomain' };
  }
  if (!resolvesNames(net) || !name || name.includes('.') && !name.endsWith(`.${norm(net.name)}`)) return { kind: 'forward', upstreams };
  // `web` and `web.<network>` (Docker answers both)
  const short = name.endsWith(`.${norm(net.name)}`) ? name.slice(0, -(net.name.length + 1)) : name;
  const ips: string[] = [];
  for (const c of Object.values(s.containers)) {
    if (!up(c) || !namesOf(c, networkId).includes(short)) continue;
    for (const e of c.endpoints) if (e.networkId === networkId) ips.push(e.ip);
  }
  if (!ips.length) return name === short ? { kind: 'forward', upstreams } : { kind: 'nxdomain' };
  return { kind: 'local', ips: qtype === 'A' || qtype === 'ANY' ? ips : [] };
}

// 4.3.2.1.in-addr.arpa -> 1.2.3.4
export function ptrToIp(name: string): string | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.in-addr\.arpa$/.exec(name);
  return m ? `${m[4]}.${m[3]}.${m[2]}.${m[1]}` : null;
}

// The asker's address is in the network's subnet (a malformed one never is).
export function inSubnet(ip: string, cidr: string): boolean {
  const c = tryParseCidr(cidr);
  const a = tryParseAddr(ip);
  return c !== null && a !== null && cidrContains(c, a);
}
