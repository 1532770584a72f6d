import type { HostInspect } from '../../../src/shared/inspect';
import { contains, isPrivate, overlaps, parseIp, parsePrefix, type Prefix } from '../inspect/cidr';

const isLinkLocal = (a: string) => a.startsWith('fe80:') || a.startsWith('169.254.');

// Which addresses and subnets are alive: held by some namespace (the host's
// included) or reached through a route. A rule pointing at neither is stale.
export class Liveness {
  private held = new Set<string>();
  private heldIps: { v6: boolean; n: bigint }[] = [];
  private containerNets: Prefix[] = []; // subnets on bridges with no physical port
  private routed: Prefix[] = []; // every non-default route

  constructor(host: HostInspect) {
    const add = (cidr: string) => {
      const ip = cidr.split('/')[0];
      if (this.held.has(ip)) return;
      this.held.add(ip);
      const p = parseIp(ip);
      if (p) this.heldIps.push(p);
    };
    for (const l of host.links) l.addresses.forEach(add);
    for (const ns of host.netns) for (const l of ns.links) l.addresses.forEach(add);
    const physicalMasters = new Set(host.links.filter((l) => l.kind === 'device' && l.master).map((l) => l.master));
    for (const l of host.links) {
      if (l.kind !== 'bridge' || physicalMasters.has(l.name)) continue;
      for (const a of l.addresses) {
        const p = parsePrefix(a);
        if (p && !isLinkLocal(a)) this.containerNets.push(p);
      }
    }
    for (const r of host.routes) {
      const dst = r.dst.split(' ')[0];
      if (dst === 'default' || dst.startsWith('fe80:') || dst.startsWith('ff00:')) continue;
      const p = parsePrefix(dst);
      if (p && p.len > 0) this.routed.push(p);
    }
  }

  // An address is dead when nobody holds it and it sits on a container
  // bridge's subnet, or is private and no route (other than default) reaches it.
  addressDead(ip: string): boolean {
    if (this.held.has(ip)) return false;
    const p = parseIp(ip);
    if (!p) return false;
    if (this.containerNets.some((n) => contains(n, p))) return true;
    return isPrivate(p) && !this.routed.some((r) => contains(r, p));
  }

  // A subnet is dead when no address in it is held and no route overlaps it.
  // Wide prefixes (/8, /12) are policy, not a network: never judged.
  private memo = new Map<string, boolean>();
  subnetDead(cidr: string): boolean {
    let dead = this.memo.get(cidr);
    if (dead === undefined) this.memo.set(cidr, (dead = this.judgeSubnet(cidr)));
    return dead;
  }

  private judgeSubnet(cidr: string): boolean {
    const p = parsePrefix(cidr);
    if (!p) return false;
    if (p.len === (p.v6 ? 128 : 32)) return this.addressDead(cidr.split('/')[0]);
    if (p.len < (p.v6 ? 48 : 16)) return false;
    if (this.heldIps.some((ip) => contains(p, ip))) return false;
    return !this.routed.some((r) => overlaps(r, p));
  }
}
