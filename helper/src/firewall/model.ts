import type { Proto } from '../../../src/shared/ports';

// What Berth's firewall must express, independent of the backend: the
// networks, their endpoints and the published ports. Each backend renders
// this itself (iptables: render.ts + port-rules.ts; nftables: nft-render.ts),
// so both carry the same semantics (docs/docker-behaviour.md).

export interface FwNetwork {
  id: string;
  bridge: string;
  subnet: string;
  internal: boolean;
  icc: boolean;
  masquerade: boolean;
}
export interface FwEndpoint {
  id: string;
  bridge: string;
  ip: string;
  internal: boolean;
}
export interface PublishedPort {
  endpointId: string;
  bridge: string; // host bridge name, e.g. br-3f2a1b0c9d8e
  containerIp: string;
  hostIp: string; // '0.0.0.0' (or '') for all IPv4 addresses
  hostPort: number;
  containerPort: number;
  proto: Proto;
}

export interface FirewallModel {
  networks: FwNetwork[];
  endpoints: FwEndpoint[];
  ports: PublishedPort[];
}
