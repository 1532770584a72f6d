import { CHAIN, JUMP_OWNER, OWN_CHAINS } from './chains';
import type { FwEndpoint, FwNetwork } from './model';
import { berthComment, type RuleLine, type Table } from './rule-line';

export type { FwEndpoint, FwNetwork } from './model';

// The whole of Berth's desired firewall: the content of its own chains and
// the tagged rules it keeps in built-in chains.
export interface Ruleset {
  own: Record<'filter' | 'nat', Record<string, string[]>>;
  tagged: RuleLine[]; // every one carries a berth:<id> comment
  forwardJumps: string[]; // specs that must head filter FORWARD, in order
  // tag ids of the networks and endpoints this ruleset was rendered from:
  // a tagged rule whose id is not here is not this operation's to delete
  owners: Set<string>;
}

const tag = (id: string) => berthComment(id.slice(0, 12));

// Rules per network and per endpoint as Docker 28 writes them
// (docs/docker-behaviour.md, "The iptables layout"). `portRules` come from portmap and
// land in the BERTH chains ahead of the per-network default DROP.
// `v6`: the same layout for ip6tables, from familyModel(m, true) (Docker
// 28's: `! -d ::1/128` on the OUTPUT jump, /128 host prefixes).
export function renderRuleset(nets: FwNetwork[], eps: FwEndpoint[], portRules: RuleLine[] = [], v6 = false): Ruleset {
  const host = v6 ? '/128' : '/32';
  const own: Ruleset['own'] = {
    filter: Object.fromEntries(OWN_CHAINS.filter.map((c) => [c, [] as string[]])),
    nat: Object.fromEntries(OWN_CHAINS.nat.map((c) => [c, [] as string[]])),
  };
  const f = own.filter;
  const n = own.nat;
  const tagged: RuleLine[] = [
    { table: 'nat', chain: 'PREROUTING', spec: `-m addrtype --dst-type LOCAL ${tag(JUMP_OWNER)} -j ${CHAIN.nat}` },
    {
      table: 'nat',
      chain: 'OUTPUT',
      spec: `! -d ${v6 ? '::1/128' : '127.0.0.0/8'} -m addrtype --dst-type LOCAL ${tag(JUMP_OWNER)} -j ${CHAIN.nat}`,
    },
  ];
  f[CHAIN.forward].push(`-j ${CHAIN.ct}`, `-j ${CHAIN.iso1}`, `-j ${CHAIN.bridge}`);

  for (const p of portRules) {
    if (p.table === 'filter' && p.chain === CHAIN.filter) f[CHAIN.filter].push(p.spec);
    else if (p.table === 'nat' && p.chain === CHAIN.nat) continue; // after the RETURNs, below
    else tagged.push(p);
  }
  for (const net of nets) {
    const br = net.bridge;
    if (net.internal) {
      const subnets = net.subnets ?? [net.subnet];
      if (subnets.length === 1) f[CHAIN.iso1].push(`! -s ${net.subnet} -o ${br} -j DROP`, `! -d ${net.subnet} -i ${br} -j DROP`);
      // several subnets of the family: `! -s` takes one, so by interface (nothing in or out but the bridge itself)
      else f[CHAIN.iso1].push(`! -i ${br} -o ${br} -j DROP`, `-i ${br} ! -o ${br} -j DROP`);
      f[CHAIN.forward].push(`-i ${br} -o ${br} -j ${net.icc ? 'ACCEPT' : 'DROP'}`);
      continue;
    }
    f[CHAIN.filter].push(`! -i ${br} -o ${br} -j DROP`);
    f[CHAIN.bridge].push(`-o ${br} -j ${CHAIN.filter}`);
    f[CHAIN.ct].push(`-o ${br} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
    if (net.icc) f[CHAIN.forward].push(`-i ${br} -j ACCEPT`);
    else f[CHAIN.forward].push(`-i ${br} -o ${br} -j DROP`, `-i ${br} ! -o ${br} -j ACCEPT`);
    f[CHAIN.iso1].push(`-i ${br} ! -o ${br} -j ${CHAIN.iso2}`);
    f[CHAIN.iso2].push(`-o ${br} -j DROP`);
    if (net.masquerade) {
      n[CHAIN.nat].push(`-i ${br} -j RETURN`);
      for (const subnet of net.subnets ?? [net.subnet])
        tagged.push({ table: 'nat', chain: 'POSTROUTING', spec: `-s ${subnet} ! -o ${br} ${tag(net.id)} -j MASQUERADE` });
    }
  }
  for (const p of portRules) if (p.table === 'nat' && p.chain === CHAIN.nat) n[CHAIN.nat].push(p.spec);
  for (const ep of eps) {
    if (ep.internal) continue;
    tagged.push({ table: 'raw', chain: 'PREROUTING', spec: `-d ${ep.ip}${host} ! -i ${ep.bridge} ${tag(ep.id)} -j DROP` });
  }
  const owners = new Set([JUMP_OWNER, ...nets.map((x) => x.id.slice(0, 12)), ...eps.map((x) => x.id.slice(0, 12))]);
  return {
    own,
    tagged,
    owners,
    forwardJumps: [`${tag(JUMP_OWNER)} -j ${CHAIN.user}`, `${tag(JUMP_OWNER)} -j ${CHAIN.forward}`],
  };
}

export const TABLES: Table[] = ['raw', 'filter', 'nat'];
