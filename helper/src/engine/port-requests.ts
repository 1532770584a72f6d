import { networkInterfaces } from 'node:os';
import { BerthError, conflict, invalid } from '../../../src/shared/errors';
import { hostIpsOverlap, isLoopbackV4, isUnspecified, joinHostPort } from '../../../src/shared/ip';
import { comparePortRequests, parsePublish, portRequests, type PortRequest } from '../portmap/spec';
import type { ContainerRecord, PortRecord } from '../store/state';

// A container's -p / -P / --expose options as port requests that remember
// the -p value they came from, so a live `port rm` can drop that value from
// the container's specs and a restart publishes what is left.

export interface SourcedRequest extends PortRequest {
  spec: string; // '' for -P
}

// Every request of a container, Docker 27+ order. Throws invalid_argument on
// a bad spec, an address that is not on this host, or two explicit mappings
// on the same host port — all before anything is bound.
export function containerRequests(c: Pick<ContainerRecord, 'portSpecs' | 'expose' | 'publishAll'>): SourcedRequest[] {
  // portRequests validates --expose and works out -P's ephemeral bindings.
  const all = portRequests({ publish: c.portSpecs, expose: c.expose, publishAll: c.publishAll });
  const sourced: SourcedRequest[] = [];
  const seen = new Set<string>();
  const key = (r: PortRequest) => `${r.hostIp}|${r.hostPortStart}|${r.hostPortEnd}|${r.containerPort}|${r.proto}`;
  for (const spec of c.portSpecs) {
    for (const r of parsePublish(spec)) {
      if (seen.has(key(r))) continue; // `-p 80 -p 80`: Docker publishes it once
      seen.add(key(r));
      sourced.push({ ...r, spec });
    }
  }
  for (const r of all) if (!seen.has(key(r))) sourced.push({ ...r, spec: '' });
  sourced.sort(comparePortRequests);
  checkHostIps(sourced);
  checkNoDuplicates(sourced, []);
  return sourced;
}

// Requests of one `port add` value, checked against what the container
// already publishes.
export function addRequests(spec: string, existing: PortRecord[]): SourcedRequest[] {
  const reqs = parsePublish(spec).map((r) => ({ ...r, spec }));
  checkHostIps(reqs);
  checkNoDuplicates(reqs, existing);
  return reqs.sort(comparePortRequests);
}

// A host address must belong to this host (the helper's network namespace):
// Docker would fail the bind with EADDRNOTAVAIL after setting things up; this
// says so before. 127/8 is all local on Linux.
export function checkHostIps(reqs: PortRequest[]): void {
  const local = new Set<string>(['::1']);
  for (const addrs of Object.values(networkInterfaces())) for (const a of addrs ?? []) local.add(a.address.split('%')[0]);
  for (const r of reqs) {
    const ip = r.hostIp;
    if (ip === '' || isUnspecified(ip) || isLoopbackV4(ip) || local.has(ip)) continue;
    throw new BerthError('invalid_argument', `Bind for ${joinHostPort(ip, r.hostPortStart || r.containerPort)} failed: ${ip} is not an address of this host`, { spec: (r as SourcedRequest).spec, hostIp: ip });
  }
}

const explicitPort = (r: PortRequest) => (r.hostPortStart !== 0 && r.hostPortStart === r.hostPortEnd ? r.hostPortStart : 0);
const asIp = (ip: string, v6: boolean) => (ip === '' ? (v6 ? '::' : '0.0.0.0') : ip);

// Two explicit host ports that would collide (same port and proto, overlapping
// addresses; '' stands for 0.0.0.0 and ::). Within one request list that is
// a bad argument; against mappings already live it is a conflict. Each request
// is compared only with those of its own port and proto (a range of thousands
// of ports, each compared with every other, took seconds).
function checkNoDuplicates(reqs: SourcedRequest[], existing: PortRecord[]): void {
  const collide = (aIp: string, b: PortRequest) => [false, true].some((v6) => hostIpsOverlap(asIp(aIp, v6), asIp(b.hostIp, v6)));
  const later = new Map<string, SourcedRequest[]>(); // port/proto -> the requests of it after the one looked at
  for (let i = reqs.length - 1; i >= 0; i--) {
    const a = reqs[i];
    const p = explicitPort(a);
    if (p === 0) continue;
    const k = `${p}/${a.proto}`;
    const same = later.get(k) ?? later.set(k, []).get(k)!;
    same.push(a);
  }
  const live = new Map<string, PortRecord[]>();
  for (const e of existing) {
    const k = `${e.hostPort}/${e.proto}`;
    (live.get(k) ?? live.set(k, []).get(k)!).push(e);
  }
  for (const a of reqs) {
    const p = explicitPort(a);
    if (p === 0) continue;
    const k = `${p}/${a.proto}`;
    const same = later.get(k)!;
    same.pop(); // `a` itself (pushed last, in reverse): the rest come after it
    for (let j = same.length - 1; j >= 0; j--) {
      const b = same[j];
      if (collide(a.hostIp, b)) throw invalid(`duplicate port mapping: host port ${p}/${a.proto} is published twice (${a.spec || '-P'} and ${b.spec || '-P'})`);
    }
    for (const e of live.get(k) ?? []) {
      if (!hostIpsOverlap(e.hostIp, asIp(a.hostIp, e.hostIp.includes(':')))) continue;
      throw conflict(`${joinHostPort(e.hostIp, e.hostPort)}/${e.proto} is already published by this container (-> ${e.containerPort}/${e.proto})`);
    }
  }
}

// The live mappings a `port rm` value names: the same container port and
// proto, and — when the value gives them — the host address and host port (a
// host range names every mapping inside it). `port rm web 80` removes every
// mapping of 80/tcp.
export function matchRecords(spec: string, recs: PortRecord[]): PortRecord[] {
  const reqs = parsePublish(spec);
  return recs.filter((rec) =>
    reqs.some(
      (r) =>
        r.containerPort === rec.containerPort &&
        r.proto === rec.proto &&
        (r.hostIp === '' || r.hostIp === rec.hostIp) &&
        (r.hostPortStart === 0 || (rec.hostPort >= r.hostPortStart && rec.hostPort <= r.hostPortEnd)),
    ),
  );
}

// The -p values left once `removed` mappings are gone: a value whose mappings
// are all gone is dropped, one partly gone is replaced by explicit values for
// the mappings that stay, so a restart publishes exactly what is left.
export function remainingSpecs(specs: string[], kept: PortRecord[], removed: PortRecord[]): string[] {
  const out: string[] = [];
  for (const spec of specs) {
    const gone = removed.filter((r) => r.spec === spec);
    if (!gone.length) {
      out.push(spec);
      continue;
    }
    for (const k of kept.filter((r) => r.spec === spec))
      out.push(`${k.hostIp.includes(':') ? `[${k.hostIp}]` : k.hostIp}:${k.hostPort}:${k.containerPort}/${k.proto}`);
  }
  return [...new Set(out)];
}
