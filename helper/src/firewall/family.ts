import { parseCidr, tryParseAddr } from '../../../src/shared/ip';
import type { FirewallModel, FwNetwork } from './model';

export type V6 = boolean;

// The model as one address family sees it, for a backend that writes each
// family's rules apart (ip6tables beside iptables, `ip6 berth` beside
// `ip berth`): networks with a subnet of that family (`subnet` its first,
// `subnets` all of them), endpoints with an address of it, and ports whose
// host address and container address are both of it. A port on [::] to a
// container without IPv6 has no rule: the userland proxy carries it (as
// Docker's docker-proxy does).
export function familyModel(m: FirewallModel, v6: V6): FirewallModel {
  const networks: FwNetwork[] = [];
  for (const n of m.networks) {
    const subnets = [n.subnet, ...(n.extraPools ?? []).map((p) => p.subnet)].filter((s) => s && parseCidr(s).v6 === v6);
    if (subnets.length) networks.push({ ...n, subnet: subnets[0], subnets });
  }
  const endpoints = m.endpoints.flatMap((e) => {
    const ip = v6 ? e.ip6 : e.ip;
    return ip ? [{ ...e, ip }] : [];
  });
  const ports = m.ports.filter((p) => {
    const host = p.hostIp === '' ? { v6: false } : tryParseAddr(p.hostIp);
    const ctr = tryParseAddr(p.containerIp);
    return !!host && !!ctr && host.v6 === v6 && ctr.v6 === v6;
  });
  return { networks, endpoints, ports };
}

/** The model has anything of this family to write. */
export const hasFamily = (m: FirewallModel | undefined, v6: V6) => !!m && familyModel(m, v6).networks.length > 0;
