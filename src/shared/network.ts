import { z } from 'zod';
import { DnsName, IPv4, Labels, Name } from './validators';
import { NETNS_NAME_RE } from './netns-name';

// A network as `docker network inspect` shows it (docs/docker-behaviour.md, "Output shapes").
export const IPAMConfig = z.object({
  Subnet: z.string(),
  IPRange: z.string().optional(),
  Gateway: z.string().optional(),
  AuxiliaryAddresses: z.record(z.string(), z.string()).optional(),
});
export const NetworkEndpointView = z.object({
  Name: z.string(),
  EndpointID: z.string(),
  MacAddress: z.string(),
  IPv4Address: z.string(),
  IPv6Address: z.string(),
});
export const Network = z.object({
  Name: z.string(),
  Id: z.string(),
  Created: z.string(),
  Scope: z.literal('local'),
  Driver: z.enum(['bridge', 'host', 'null']),
  EnableIPv4: z.boolean(),
  EnableIPv6: z.boolean(),
  IPAM: z.object({
    Driver: z.literal('default'),
    Options: z.record(z.string(), z.string()).nullable(),
    Config: z.array(IPAMConfig),
  }),
  Internal: z.boolean(),
  Attachable: z.boolean(),
  Ingress: z.boolean(),
  ConfigFrom: z.object({ Network: z.string() }),
  ConfigOnly: z.boolean(),
  // running containers and foreign sandboxes, keyed by container (or sandbox) id
  Containers: z.record(z.string(), NetworkEndpointView),
  Options: z.record(z.string(), z.string()),
  Labels: z.record(z.string(), z.string()),
});
export type Network = z.infer<typeof Network>;

// Driver options Berth understands, as Docker spells them.
export const BRIDGE_OPTS = {
  name: 'com.docker.network.bridge.name',
  icc: 'com.docker.network.bridge.enable_icc',
  masquerade: 'com.docker.network.bridge.enable_ip_masquerade',
  mtu: 'com.docker.network.driver.mtu',
  hostBinding: 'com.docker.network.bridge.host_binding_ipv4',
  defaultBridge: 'com.docker.network.bridge.default_bridge',
} as const;

// One text or several (--subnet fd00::/64 --subnet 10.1.0.0/24): the engine
// parses each and pairs gateways and ranges with the subnet holding them.
const OneOrMore = z.union([z.string().max(64), z.array(z.string().max(64)).max(16)]);
export const NetworkCreateParams = z.object({
  name: Name,
  driver: z.literal('bridge').default('bridge'),
  subnet: OneOrMore.optional(),
  gateway: OneOrMore.optional(),
  ipRange: OneOrMore.optional(),
  auxAddresses: z.record(z.string().min(1).max(64), z.string().max(64)).optional(),
  // Docker 28: --ipv6 (dual stack), --ipv4=false with --ipv6 (IPv6-only)
  ipv4: z.boolean().default(true),
  ipv6: z.boolean().default(false),
  internal: z.boolean().default(false),
  options: z.record(z.string().max(128), z.string().max(256)).default({}),
  labels: Labels.default({}),
});
export type NetworkCreateParams = z.input<typeof NetworkCreateParams>;

// What IPAM would pick for a new network right now (the create dialog shows it).
export const SubnetCheckParams = z.object({ subnet: z.string().max(64).optional() });
export const SubnetCheck = z.object({
  suggested: z.string().nullable(),
  valid: z.boolean(),
  error: z.string().optional(),
  // overlaps: another network's subnet or a host route; a warning, or an error for networks
  overlaps: z.array(z.object({ kind: z.enum(['network', 'route']), what: z.string(), cidr: z.string() })),
  // the subnet with host bits cleared, when it parsed (10.1.0.5/24 -> 10.1.0.0/24)
  normalized: z.string().optional(),
});
export type SubnetCheck = z.infer<typeof SubnetCheck>;

// What `network connect` / `disconnect` attaches: a Berth container or a foreign sandbox.
export const SandboxRef = z
  .object({
    container: z.string().min(1).max(128).optional(),
    pid: z.number().int().positive().optional(),
    netns: z.string().regex(NETNS_NAME_RE, 'invalid netns name').optional(),
  })
  .refine((r) => [r.container, r.pid, r.netns].filter((x) => x !== undefined).length === 1, {
    message: 'name exactly one of a container, --pid or --netns',
  });
export type SandboxRef = z.infer<typeof SandboxRef>;

export const ConnectParams = z.object({
  network: z.string().min(1).max(128),
  target: SandboxRef,
  ip: IPv4.optional(),
  ip6: z.string().max(64).optional(), // --ip6
  aliases: z.array(DnsName).max(64).default([]), // --alias: more names on this network (docs/dns.md)
});
export const DisconnectParams = z.object({
  network: z.string().min(1).max(128),
  target: SandboxRef,
  force: z.boolean().default(false),
});
export const EndpointInfo = z.object({
  EndpointID: z.string(),
  NetworkID: z.string(),
  Network: z.string(),
  IPAddress: z.string(),
  IPPrefixLen: z.number(),
  Gateway: z.string(),
  GlobalIPv6Address: z.string().default(''),
  GlobalIPv6PrefixLen: z.number().default(0),
  IPv6Gateway: z.string().default(''),
  MacAddress: z.string(),
  InterfaceName: z.string(),
  HostInterface: z.string(),
});
export type EndpointInfo = z.infer<typeof EndpointInfo>;
