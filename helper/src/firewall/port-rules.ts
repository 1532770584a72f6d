import { isIPv4, isIPv6 } from 'node:net';
import { BerthError } from '../../../src/shared/errors';
import { isLoopbackV4, isUnspecified, normalizeIp } from '../../../src/shared/ip';
import { CHAIN } from './chains';
import type { PublishedPort } from './model';
import { berthComment, type RuleLine } from './rule-line';

// The iptables rules of ONE published port, Docker 28 layout
// (docs/docker-behaviour.md, "The iptables layout") with BERTH chains. Every spec is
// exactly what `iptables-save` prints (checked against iptables v1.8.9 in a
// throwaway netns), so desired and actual rules compare as strings. Every
// rule carries `-m comment --comment "berth:<endpointId>"` right before `-j`,
// in Berth's own chains too, so stale-rule cleanup can tie a rule to its
// endpoint.
//
// Both families: an IPv6 host address ([::]:8080) to a container's IPv6
// address gets the same rules for ip6tables (/128, the address in brackets
// after --to-destination, no raw rule for ::1 as Docker 28). An IPv6 host
// address to an IPv4-only container gets none: like docker-proxy, the
// userland proxy alone carries it (firewall/family.ts leaves it out).

export interface PortRuleOptions {
  // userland-proxy=false ("hairpin mode"): DNAT also for traffic from the
  // bridge itself, plus a per-port MASQUERADE so a container can reach its
  // own published port. Berth runs the proxy, so the default is false.
  hairpin?: boolean;
  // mangle CHECKSUM fill for SCTP (Docker 28: only with
  // DOCKER_IPTABLES_SCTP_CHECKSUM=1). Default false.
  sctpChecksum?: boolean;
}

// Rules in the order they are listed in iptables-save within each chain. The
// filter ACCEPT must sit ABOVE the network's `! -i br -o br -j DROP` in
// filter BERTH (Docker inserts it at the top); the backend places it.
export function portRules(p: PublishedPort, opts: PortRuleOptions = {}): RuleLine[] {
  const hostIp = checkedHostIp(p);
  if (hostIp === null) return [];

  const tag = berthComment(p.endpointId);
  const match = `-p ${p.proto} -m ${p.proto}`;
  // iptables-save omits `-d 0.0.0.0/0`.
  const v6 = hostIp.includes(':');
  const host = v6 ? '/128' : '/32';
  const dst = isUnspecified(hostIp) ? '' : `-d ${hostIp}${host} `;
  const br = p.bridge;
  const fromOutside = opts.hairpin ? '' : `! -i ${br} `;

  const to = `${v6 ? `[${p.containerIp}]` : p.containerIp}:${p.containerPort}`;
  const rules: RuleLine[] = [
    {
      table: 'nat',
      chain: CHAIN.nat,
      spec: `${dst}${fromOutside}${match} --dport ${p.hostPort} ${tag} -j DNAT --to-destination ${to}`,
    },
    {
      table: 'filter',
      chain: CHAIN.filter,
      spec: `-d ${p.containerIp}${host} ! -i ${br} -o ${br} ${match} --dport ${p.containerPort} ${tag} -j ACCEPT`,
    },
  ];
  if (isLoopbackV4(hostIp)) {
    // Published on loopback: drop packets for 127.x that arrive from
    // anywhere but lo (L2 neighbours can send them; moby#45610).
    rules.push({
      table: 'raw',
      chain: 'PREROUTING',
      spec: `-d ${hostIp}/32 ! -i lo ${match} --dport ${p.hostPort} ${tag} -j DROP`,
    });
  }
  if (opts.hairpin) {
    rules.push({
      table: 'nat',
      chain: 'POSTROUTING',
      spec: `-s ${p.containerIp}${host} -d ${p.containerIp}${host} ${match} --dport ${p.containerPort} ${tag} -j MASQUERADE`,
    });
  }
  if (opts.sctpChecksum && p.proto === 'sctp') {
    rules.push({
      table: 'mangle',
      chain: 'POSTROUTING',
      spec: `-p sctp -m sctp --sport ${p.containerPort} ${tag} -j CHECKSUM --checksum-fill`,
    });
  }
  return rules;
}

// Validates one mapping for any backend (the values end up in rule text)
// and gives its canonical host address, or null for an IPv6 one to an
// IPv4 container, which only the userland proxy carries.
export function checkedHostIp(p: PublishedPort): string | null {
  const hostIp = p.hostIp === '' ? '0.0.0.0' : normalizeIp(p.hostIp);
  if (hostIp === undefined) throw new BerthError('invalid_argument', `invalid IP address: ${p.hostIp}`);
  if (!isIPv4(hostIp) && isIPv4(p.containerIp)) return null;
  if (isIPv4(hostIp) !== isIPv4(p.containerIp) || !(isIPv4(p.containerIp) || isIPv6(p.containerIp))) {
    throw new BerthError('invalid_argument', `container address ${p.containerIp} is not ${isIPv4(hostIp) ? 'IPv4' : 'IPv6'}`);
  }
  for (const port of [p.hostPort, p.containerPort]) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new BerthError('invalid_argument', `invalid port: ${port} (ports are 1-65535)`);
    }
  }
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(p.bridge)) {
    throw new BerthError('invalid_argument', `invalid bridge name: ${p.bridge}`);
  }
  if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(p.endpointId)) {
    throw new BerthError('invalid_argument', `invalid endpoint id: ${p.endpointId}`);
  }
  return hostIp;
}

