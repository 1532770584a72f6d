import type { Proto } from '../../../src/shared/ports';

// What Berth's firewall must express, independent of the backend: the
// networks, their endpoints and the published ports. Each backend renders
// this itself (iptables: render.ts + port-rules.ts; nftables: nft-render.ts),
// so both carry the same semantics (docs/docker-behaviour.md).

export interface FwNetwork {
  id: string;
  bridge: string;
  subnet: string; // the first IPv4 subnet ('' on an IPv6-only network)
  extraPools?: { subnet: string }[]; // its other subnets, of either family
  subnets?: string[]; // set by familyModel: every subnet of the family rendered
  internal: boolean;
  icc: boolean;
  masquerade: boolean;
}
export interface FwEndpoint {
  id: string;
  bridge: string;
  ip: string; // '' on an IPv6-only network
  ip6?: string;
  internal: boolean;
}
export interface PublishedPort {
  endpointId: string;
  bridge: string; // host bridge name, e.g. br-3f2a1b0c9d8e
  containerIp: string; // of the host address's family when the container has one
  hostIp: string; // '0.0.0.0' (or '') for all IPv4 addresses, '::' for all IPv6 ones
  hostPort: number;
  containerPort: number;
  proto: Proto;
}

export interface FirewallModel {
  networks: FwNetwork[];
  endpoints: FwEndpoint[];
  ports: PublishedPort[];
}
