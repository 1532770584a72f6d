import { z } from 'zod';
import { CIDRv4, IPv4 } from '../../../src/shared/validators';
import { isCidr, isIp, isIPv6 } from '../../../src/shared/ip';
import { BERTH_NETNS_RE } from '../../../src/shared/netns-name';

// The store holds Berth's desired state: what the user asked for and what
// was allocated. The kernel is made to match it (engine/restore.ts).
// File: <data-root>/state.json, written atomically; the previous version is
// kept as state.json.bak. The schema below is the file's one definition:
// the types are inferred from it and every load is checked against it, so
// a hand-edited or damaged file is refused instead of believed (names in it
// reach root kernel operations).
export const STATE_VERSION = 1;

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'not a 64-hex id');
// Interface names as the kernel takes them; '' where a record has none (host/null networks).
const LinkName = z.string().regex(/^[a-zA-Z0-9_.-]{0,15}$/, 'not an interface name');
const Addr = z.union([IPv4, z.literal('')]);
const Cidr = z.union([CIDRv4, z.literal('')]);
const Int = z.number().int();
const AnyCidr = z.string().refine(isCidr, 'not a CIDR');
const AnyIp = z.string().refine(isIp, 'not an IP address');
const Addr6 = z.union([z.string().refine(isIPv6, 'not an IPv6 address'), z.literal('')]);
// A subnet beyond the network's first IPv4 one: its IPv6 subnets, or more
// IPv4 ones (docker network create --subnet … --subnet …).
export const PoolRecord = z.object({
  subnet: AnyCidr,
  gateway: AnyIp,
  ipRange: AnyCidr.optional(),
  auxAddresses: z.record(z.string(), AnyIp),
  userSubnet: z.boolean(),
});
export type PoolRecord = z.infer<typeof PoolRecord>;
// names that end up in a container's resolv.conf and hosts: one word each
const DnsName = z.string().regex(/^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,252}$/, 'not a DNS name');
const ExtraHost = z.string().regex(/^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,252}:(\d{1,3}\.){3}\d{1,3}$/, 'not NAME:IP');

export const NetworkRecord = z.object({
  id: Hex64,
  name: z.string().min(1),
  driver: z.enum(['bridge', 'host', 'null']),
  created: z.string(),
  predefined: z.boolean(), // bridge, host, none
  bridge: LinkName, // Linux bridge name ('' for host/null)
  // the first IPv4 subnet ('' on an IPv6-only network); the others in extraPools
  subnet: Cidr,
  gateway: Addr,
  ipRange: CIDRv4.optional(),
  auxAddresses: z.record(z.string(), IPv4),
  userSubnet: z.boolean(),
  userGateway: z.boolean(),
  // dual stack and IPv6-only (docs/ipv6.md); absent in stores written before IPv6: IPv4 only
  enableIPv4: z.boolean().default(true),
  enableIPv6: z.boolean().default(false),
  extraPools: z.array(PoolRecord).default([]),
  internal: z.boolean(),
  icc: z.boolean(),
  masquerade: z.boolean(),
  mtu: Int.nonnegative(), // 0: kernel default
  options: z.record(z.string(), z.string()), // driver options as given (Docker names)
  labels: z.record(z.string(), z.string()),
});
export type NetworkRecord = z.infer<typeof NetworkRecord>;

export const EndpointRecord = z.object({
  id: Hex64,
  networkId: Hex64,
  ip: Addr, // '' on an IPv6-only network
  prefixLen: Int.min(0).max(32),
  ip6: Addr6.default(''), // '' without IPv6 (and in stores written before IPv6)
  prefixLen6: Int.min(0).max(128).default(0),
  mac: z.string().regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, 'not a MAC address'),
  ifname: LinkName, // inside the sandbox (eth0, eth1, …)
  hostVeth: LinkName, // veth<7 hex>
  staticIp: z.boolean(),
});
export type EndpointRecord = z.infer<typeof EndpointRecord>;

export const PortRecord = z.object({
  hostIp: z.string(),
  hostPort: Int.min(0).max(65535),
  containerPort: Int.min(0).max(65535),
  proto: z.enum(['tcp', 'udp', 'sctp']),
  spec: z.string(), // the -p value it came from ('' for -P), so `port rm` can update portSpecs
  // set when the helper could not bind the port again at restore: no rule is
  // written for it and the container is 'degraded' until it binds
  error: z.string().optional(),
});
export type PortRecord = z.infer<typeof PortRecord>;

// 'removing': the intent to remove, saved before anything is destroyed (engine/containers.ts removeContainer)
export const ContainerStatus = z.enum(['created', 'running', 'exited', 'degraded', 'removing']);
export type ContainerStatus = z.infer<typeof ContainerStatus>;

export const ContainerRecord = z.object({
  id: Hex64,
  name: z.string().min(1),
  created: z.string(),
  cmd: z.array(z.string()),
  env: z.array(z.string()),
  workdir: z.string(),
  hostname: z.string(),
  uid: Int.nonnegative(),
  gid: Int.nonnegative(),
  autoRemove: z.boolean(),
  networkMode: z.string(), // 'bridge' | 'host' | 'none' | 'container:<id>' | network name
  networks: z.array(z.object({ networkId: Hex64, staticIp: IPv4.optional(), staticIp6: Addr6.optional() })), // in connect order
  ports: z.array(PortRecord),
  portSpecs: z.array(z.string()),
  publishAll: z.boolean(),
  expose: z.array(z.string()),
  labels: z.record(z.string(), z.string()).optional(), // --label; absent in stores written before labels existed
  // name resolution (docs/dns.md); absent in stores written before it existed
  aliases: z.record(Hex64, z.array(DnsName)).optional(), // --network-alias, per network id
  dns: z.array(IPv4).optional(), // --dns
  dnsSearch: z.array(DnsName).optional(), // --dns-search
  extraHosts: z.array(ExtraHost).optional(), // --add-host NAME:IP
  state: z.object({
    status: ContainerStatus,
    pid: Int.nonnegative(),
    startTime: z.string(),
    exitCode: Int,
    startedAt: z.string(),
    finishedAt: z.string(),
    error: z.string(),
    // the run's shim (kernel/shim.ts): alive while it writes the logs and keeps the exit status; absent before shims existed
    shimPid: Int.nonnegative().optional(),
    shimStartTime: z.string().optional(),
  }),
  // run -i / -t: stdin open for attach, a terminal (absent: neither)
  stdin: z.boolean().optional(),
  tty: z.boolean().optional(),
  // --log-opt max-size/max-file (kernel/json-log.ts); absent: the default
  logLimits: z.object({ maxSize: Int.positive(), maxFile: Int.min(1).max(100) }).optional(),
  netns: z.string().regex(BERTH_NETNS_RE, 'not a Berth namespace name').nullable(), // berth-<id12> while running (own sandbox)
  endpoints: z.array(EndpointRecord), // live only while running
});
export type ContainerRecord = z.infer<typeof ContainerRecord>;

// A sandbox Berth did not start (a process's or a named netns) that a Berth
// network was connected to.
export const ForeignRecord = z.object({
  id: z.string(), // 'pid:<pid>:<starttime>' or 'netns:<name>'
  kind: z.enum(['pid', 'netns']),
  pid: Int.positive().optional(),
  startTime: z.string().optional(),
  netnsName: z.string().regex(/^[a-zA-Z0-9_.-]+$/, 'not a namespace name').optional(),
  endpoints: z.array(EndpointRecord),
});
export type ForeignRecord = z.infer<typeof ForeignRecord>;

// Each record sits under its own id: a key that disagrees means the file was edited or damaged.
const keyedBy = <T extends z.ZodType<{ id: string }>>(rec: T) =>
  z.record(z.string(), rec).superRefine((m, ctx) => {
    for (const [k, v] of Object.entries(m)) if (v.id !== k) ctx.addIssue({ code: 'custom', path: [k, 'id'], message: `id ${v.id} is stored under key ${k}` });
  });

export const State = z.object({
  version: Int.min(1),
  networks: keyedBy(NetworkRecord),
  containers: keyedBy(ContainerRecord),
  foreign: keyedBy(ForeignRecord),
});
export type State = z.infer<typeof State>;

export const emptyState = (): State => ({ version: STATE_VERSION, networks: {}, containers: {}, foreign: {} });

// A store that holds nothing at all. A store Berth wrote always has the
// predefined networks, so this is a first start, or a file someone emptied.
export const isEmptyState = (s: State) =>
  !Object.keys(s.networks).length && !Object.keys(s.containers).length && !Object.keys(s.foreign).length;
