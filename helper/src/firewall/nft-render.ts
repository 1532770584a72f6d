import { BerthError } from '../../../src/shared/errors';
import { checkedHostIp } from './port-rules';
import { formatAddr, isLoopbackV4, isUnspecified, tryParseAddr, tryParseCidr } from '../../../src/shared/ip';
import type { FirewallModel, FwEndpoint, FwNetwork } from './model';

// Berth's nftables layout: one table it owns per family, `ip berth` and
// `ip6 berth`, with base chains named and hooked like Docker 29's
// `ip docker-bridges` / `ip6 docker-bridges` (docs/docker-behaviour.md,
// "nftables"; docs/ipv6.md) and the semantics of Berth's iptables layout
// (render.ts). Pure: model in (one family's, firewall/family.ts), rules out.
// Every rule is written exactly as `nft list` prints it (nftables 1.0.6),
// so what was rendered and what the kernel holds compare as strings
// (nft-listing.ts turns `nft -j` back into this text).
export const NFT_TABLE = 'berth';
export const NFT_FAMILY = 'ip';
export type NftFamily = 'ip' | 'ip6';
export const NFT_FAMILIES: NftFamily[] = ['ip', 'ip6'];
// The user's own rules, jumped to first from filter-FORWARD; Berth creates
// it and never flushes or rewrites it.
export const NFT_USER_CHAIN = 'berth-user';
const NAT_CHAIN = 'nat-berth';
export const FORWARD_CHAIN = 'filter-FORWARD';

export interface NftChain {
  name: string;
  // base chains: `type … hook … priority N; policy P;` as nft -j gives it back
  base?: { type: 'filter' | 'nat'; hook: string; prio: number; policy: 'accept' | 'drop' };
  rules: string[];
}
export interface NftRuleset {
  chains: NftChain[]; // every chain Berth rewrites (not berth-user)
}

const q = (ifname: string) => `"${ifname}"`;
const tag = (id: string) => ` comment "berth:${id.slice(0, 12)}"`;

export function renderNft(m: FirewallModel, opts: { forwardPolicyDrop?: boolean; family?: NftFamily } = {}): NftRuleset {
  const fam = opts.family ?? NFT_FAMILY;
  const v6 = fam === 'ip6';
  const nets = m.networks.map((n) => checkNetwork(n, v6));
  const eps = m.endpoints.map((e) => checkEndpoint(e, v6));
  const open = nets.filter((n) => !n.internal);

  // filter-FORWARD, in the order of Berth's iptables chains:
  // BERTH-USER, BERTH-CT, BERTH-ISOLATION-*, BERTH-BRIDGE → BERTH (port
  // accepts, then each network's default drop), then icc / outgoing.
  const ct: string[] = [];
  const iso: string[] = [];
  const accepts: string[] = [];
  const drops: string[] = [];
  const out: string[] = [];
  for (const n of nets) {
    const br = q(n.bridge);
    if (n.internal) {
      // no way in or out: only the subnet itself, on its own bridge
      // (several subnets of the family: by interface, as render.ts does;
      // an anonymous set of them would be merged by nft and list otherwise)
      const [sub] = n.prefixes;
      if (n.prefixes.length === 1)
        iso.push(`${fam} saddr != ${sub} oifname ${br} drop${tag(n.id)}`, `${fam} daddr != ${sub} iifname ${br} drop${tag(n.id)}`);
      else iso.push(`iifname != ${br} oifname ${br} drop${tag(n.id)}`, `iifname ${br} oifname != ${br} drop${tag(n.id)}`);
      out.push(`iifname ${br} oifname ${br} ${n.icc ? 'accept' : 'drop'}${tag(n.id)}`);
      continue;
    }
    ct.push(`oifname ${br} ct state established,related accept${tag(n.id)}`);
    // isolation: nothing from this bridge to another Berth bridge
    // (nft lists set elements sorted)
    const others = open.filter((o) => o.bridge !== n.bridge).map((o) => o.bridge).sort().map(q);
    if (others.length === 1) iso.push(`iifname ${br} oifname ${others[0]} drop${tag(n.id)}`);
    else if (others.length > 1) iso.push(`iifname ${br} oifname { ${others.join(', ')} } drop${tag(n.id)}`);
    drops.push(`iifname != ${br} oifname ${br} drop${tag(n.id)}`);
    if (n.icc) out.push(`iifname ${br} accept${tag(n.id)}`);
    else out.push(`iifname ${br} oifname ${br} drop${tag(n.id)}`, `iifname ${br} oifname != ${br} accept${tag(n.id)}`);
  }

  const nat: string[] = [];
  for (const n of open) if (n.masquerade) nat.push(`iifname ${q(n.bridge)} return${tag(n.id)}`);
  const postrouting = open
    .filter((n) => n.masquerade)
    .flatMap((n) => n.prefixes.map((sub) => `${fam} saddr ${sub} oifname != ${q(n.bridge)} masquerade${tag(n.id)}`));
  // direct access to a container's address from anywhere but its bridge
  const raw = eps.filter((e) => !e.internal).map((e) => `${fam} daddr ${e.ip} iifname != ${q(e.bridge)} drop${tag(e.id)}`);

  for (const p of m.ports) {
    const hostIp = checkedHostIp(p);
    // the other family's port (a model not split by familyModel), or IPv6
    // to an IPv4 container, which the userland proxy alone carries
    if (hostIp === null || isV6(hostIp) !== v6) continue;
    const br = q(p.bridge);
    const ctr = formatAddr(tryParseAddr(p.containerIp)!);
    const dst = isUnspecified(hostIp) ? '' : `${fam} daddr ${formatAddr(tryParseAddr(hostIp)!)} `;
    const to = v6 ? `[${ctr}]:${p.containerPort}` : `${ctr}:${p.containerPort}`;
    nat.push(`${dst}iifname != ${br} ${p.proto} dport ${p.hostPort} dnat to ${to}${tag(p.endpointId)}`);
    accepts.push(`${fam} daddr ${ctr} iifname != ${br} oifname ${br} ${p.proto} dport ${p.containerPort} accept${tag(p.endpointId)}`);
    // published on loopback: 127.x from anywhere but lo is dropped (moby#45610)
    if (isLoopbackV4(hostIp)) raw.push(`ip daddr ${hostIp} iifname != "lo" ${p.proto} dport ${p.hostPort} drop${tag(p.endpointId)}`);
  }

  const policy = opts.forwardPolicyDrop ? 'drop' : 'accept';
  return {
    chains: [
      {
        name: FORWARD_CHAIN,
        base: { type: 'filter', hook: 'forward', prio: 0, policy },
        rules: [`jump ${NFT_USER_CHAIN}`, ...ct, ...iso, ...accepts, ...drops, ...out],
      },
      { name: 'nat-PREROUTING', base: { type: 'nat', hook: 'prerouting', prio: -100, policy: 'accept' }, rules: [`fib daddr type local jump ${NAT_CHAIN}`] },
      // local traffic to a local address, but not to 127/8: the userland proxy has that
      // (IPv6: not to ::1, as Docker 28's `! -d ::1/128`)
      { name: 'nat-OUTPUT', base: { type: 'nat', hook: 'output', prio: -100, policy: 'accept' }, rules: [`${fam} daddr != ${v6 ? '::1' : '127.0.0.0/8'} fib daddr type local jump ${NAT_CHAIN}`] },
      { name: 'nat-POSTROUTING', base: { type: 'nat', hook: 'postrouting', prio: 100, policy: 'accept' }, rules: postrouting },
      { name: 'raw-PREROUTING', base: { type: 'filter', hook: 'prerouting', prio: -300, policy: 'accept' }, rules: raw },
      { name: NAT_CHAIN, rules: nat },
    ],
  };
}

export const chainDecl = (c: NftChain) =>
  c.base ? `{ type ${c.base.type} hook ${c.base.hook} priority ${c.base.prio}; policy ${c.base.policy}; }` : '';

// The whole table in ONE `nft -f -` transaction: create what is missing,
// flush every chain Berth owns, add every rule. berth-user is created when
// missing and otherwise left alone; other tables are never named. `remove`
// lists Berth's chains to delete first (a base chain whose type, hook or
// priority changed, which `add chain` cannot alter); `existing` (Berth's
// chains the table has) are flushed before that so no jump points at them.
export function nftScript(rs: NftRuleset, existing: string[] = [], remove: string[] = [], family: NftFamily = NFT_FAMILY): string {
  const t = `${family} ${NFT_TABLE}`;
  const lines = [`add table ${t}`, `add chain ${t} ${NFT_USER_CHAIN}`];
  if (remove.length) {
    for (const c of existing) lines.push(`flush chain ${t} ${c}`);
    for (const c of remove) lines.push(`delete chain ${t} ${c}`);
  }
  for (const c of rs.chains) lines.push(`add chain ${t} ${c.name}${c.base ? ` ${chainDecl(c)}` : ''}`);
  for (const c of rs.chains) lines.push(`flush chain ${t} ${c.name}`);
  for (const c of rs.chains) for (const r of c.rules) lines.push(`add rule ${t} ${c.name} ${r}`);
  return lines.join('\n') + '\n';
}

// Values end up in script text: refuse anything that is not what it claims.
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
const ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const isV6 = (ip: string) => ip.includes(':');
interface CheckedNetwork extends FwNetwork {
  prefixes: string[]; // every subnet of the family rendered, as nft prints it
}
function checkNetwork(n: FwNetwork, v6: boolean): CheckedNetwork {
  const cidrs = (n.subnets ?? [n.subnet]).map((s) => tryParseCidr(s));
  if (!IFNAME.test(n.bridge) || !ID.test(n.id) || !cidrs.length || cidrs.some((c) => !c || c.v6 !== v6))
    throw new BerthError('invalid_argument', `network ${n.id}: bad bridge ${n.bridge} or subnet ${n.subnet} for nftables`);
  return { ...n, prefixes: cidrs.map((c) => nftPrefixOf(c!.v6, c!.base, c!.len)) };
}

// A prefix as nft prints it: host bits cleared, a host prefix as a bare address.
export function nftPrefix(addr: string, len: number): string {
  const c = tryParseCidr(`${addr}/${len}`);
  if (!c) throw new BerthError('invalid_argument', `invalid prefix ${addr}/${len}`);
  return nftPrefixOf(c.v6, c.base, c.len);
}
function nftPrefixOf(v6: boolean, base: bigint, len: number): string {
  const ip = formatAddr({ v6, n: base });
  return len === (v6 ? 128 : 32) ? ip : `${ip}/${len}`;
}
function checkEndpoint(e: FwEndpoint, v6: boolean): FwEndpoint {
  const a = tryParseAddr(e.ip);
  if (!IFNAME.test(e.bridge) || !ID.test(e.id) || !a || a.v6 !== v6)
    throw new BerthError('invalid_argument', `endpoint ${e.id}: bad bridge ${e.bridge} or address ${e.ip} for nftables`);
  return { ...e, ip: formatAddr(a) };
}
