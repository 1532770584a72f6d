import type { HostInspect } from '../../../src/shared/inspect';
import { parseToolPrefix, type Cidr } from '../../../src/shared/ip';
import type { BerthOwned } from './berth-owned';
import { hasBerthMac } from '../../../src/shared/link-mark';
import type { HostLink } from './planned';

// What every link check needs of the host, gathered in one pass before the
// checks run (find-links.ts, find-veths.ts, find-bridges.ts).
export interface LinkScan {
  berth: BerthOwned;
  ports: Map<string, number>; // bridge name -> links enslaved to it
  netnsByLabel: Map<string, HostInspect['netns'][number]>;
  routedDevs: Set<string | null>;
  berthBridges: Set<string>;
  berthVeths: Set<string>;
  netnsUnreadable: boolean;
  // interfaces the firewall rules name, and the subnets they name: gathered
  // on first use, as most hosts have no candidate bridge and tens of
  // thousands of rules would be walked for nothing
  ruleIfs(): Set<string>;
  ruleNets(): Cidr[];
  reported: Set<string>; // veths already reported as one end of a pair
}

export function scanLinks(host: HostInspect, berth: BerthOwned): LinkScan {
  const ports = new Map<string, number>();
  for (const l of host.links) if (l.master) ports.set(l.master, (ports.get(l.master) ?? 0) + 1);
  // Interfaces and subnets the rules mention, each distinct one once.
  let ruleIfs: Set<string> | null = null;
  let ruleNetTexts: Set<string> | null = null;
  const mentioned = () => {
    if (!ruleIfs || !ruleNetTexts) {
      ruleIfs = new Set<string>();
      ruleNetTexts = new Set<string>();
      for (const r of host.rules) {
        for (const k of ['i', '!i', 'o', '!o']) if (r.matches[k]) ruleIfs.add(r.matches[k]);
        for (const k of ['s', '!s', 'd', '!d']) if (r.matches[k]) ruleNetTexts.add(r.matches[k]);
      }
    }
    return { ifs: ruleIfs, nets: ruleNetTexts };
  };
  let ruleNetList: Cidr[] | null = null;
  return {
    berth,
    ports,
    netnsByLabel: new Map(host.netns.map((n) => [n.name ?? n.path, n])),
    routedDevs: new Set(host.routes.filter((r) => !r.dst.startsWith('fe80:') && r.dev).map((r) => r.dev)),
    // a link on its way out is still Berth's: never a stray to propose
    berthBridges: new Set([...berth.networks.map((n) => n.bridge), ...(berth.leaving ?? [])]),
    berthVeths: new Set([...berth.endpoints.map((e) => e.hostVeth), ...(berth.leaving ?? [])]),
    netnsUnreadable: host.errors.some((e) => e.startsWith('netns ')),
    ruleIfs: () => mentioned().ifs,
    ruleNets: () => (ruleNetList ??= [...mentioned().nets].map(parseToolPrefix).filter((p): p is Cidr => !!p && p.len > 0)),
    reported: new Set(),
  };
}

export const globalAddrs = (addrs: string[]) => addrs.filter((a) => !a.startsWith('fe80:') && !a.startsWith('169.254.'));
export const linkEvidence = (l: HostLink) => [
  `${l.kind} ${l.name}${l.alias ? ` alias ${l.alias}` : ''}${l.master ? ` master ${l.master}` : ''}${l.peer ? ` peer ${l.peer}` : ''}`,
  `owner evidence: ${l.ownerEvidence}`,
];
export const delLink = (l: HostLink) => [['ip', 'link', 'delete', l.name]];
export const inUse = (l: HostLink, scan: LinkScan) => (scan.ports.get(l.name) ?? 0) > 0;
export const berthTagOf = (l: HostLink) => (l.alias?.startsWith('berth:') ? l.alias.slice(6) : null);
// Made by Berth: tagged, or carrying its MAC mark from the add on (src/shared/link-mark.ts).
export const madeByBerth = (l: HostLink) => berthTagOf(l) !== null || hasBerthMac(l.name, l.mac);
