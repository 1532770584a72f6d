import { z } from 'zod';
import { isIp } from './ip';
import { OWNERS } from './owners';
import { BYTES_STREAM } from './rpc-frames';

// Who an object belongs to, decided by evidence (chain names, comment tags, link names).
export const Owner = z.enum(OWNERS);
export type Owner = z.infer<typeof Owner>;

// Another engine's object a rule is about, named by that engine's API
// (Berth's own are named by the client from its lists: `berth:<id>` tags).
export const RuleObject = z.object({ kind: z.enum(['container', 'network']), id: z.string().max(128), name: z.string().max(128) });
export type RuleObject = z.infer<typeof RuleObject>;

export const FirewallRule = z.object({
  id: z.string(), // stable within one reading: family/table/chain/position
  family: z.enum(['ipv4', 'ipv6']),
  source: z.enum(['iptables', 'nftables']),
  table: z.string(),
  chain: z.string(),
  position: z.number().int(),
  text: z.string(), // the rule as iptables-save (or nft) prints it
  matches: z.record(z.string(), z.string()),
  target: z.string(),
  targetArgs: z.record(z.string(), z.string()),
  packets: z.number(),
  bytes: z.number(),
  comment: z.string().nullable(),
  owner: Owner,
  ownerEvidence: z.string(),
  ownerObject: RuleObject.nullable().optional(),
  // decoded NAT: "host IP:port -> address:port" for DNAT, "subnet -> out" for SNAT/MASQUERADE
  mapping: z.string().nullable(),
});
export type FirewallRule = z.infer<typeof FirewallRule>;

// A chain netfilter itself calls on a hook: an iptables built-in chain
// (PREROUTING, FORWARD, …) or an nft base chain. Every one on a hook runs,
// in priority order; the packet tracer walks them that way.
export const BaseChain = z.object({
  source: z.enum(['iptables', 'nftables']),
  family: z.enum(['ipv4', 'ipv6', 'inet']), // inet: an nft table of both families
  table: z.string(), // as FirewallRule.table: "nat", "ip berth"
  chain: z.string(),
  type: z.string(), // filter, nat, route
  hook: z.string(), // prerouting, input, forward, output, postrouting
  priority: z.number(),
  policy: z.enum(['accept', 'drop']),
});
export type BaseChain = z.infer<typeof BaseChain>;

// nat.query: the helper filters, sorts and pages one reading of the rules,
// so a client asks for the rows it shows, never for all of them. A reading
// (snapshot) is kept a short while for paging; without `snapshot`, or when
// it expired, the host is read again (the result names the new snapshot).
export const NatSortKey = z.enum(['position', 'owner', 'target', 'packets', 'bytes']);
export const NatQueryParams = z.object({
  snapshot: z.string().max(64).optional(),
  search: z.string().max(200).default(''), // case-insensitive, over table, chain, text, mapping, owner, comment, owner's object
  table: z.string().max(32).optional(),
  owner: Owner.optional(),
  family: z.enum(['ipv4', 'ipv6']).optional(),
  sort: NatSortKey.default('position'), // position: the order iptables-save and nft print
  desc: z.boolean().default(false),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(0).max(50_000).default(200),
  find: z.string().max(200).optional(), // a rule id: its index among the matches comes back as foundAt
});
export const NatQueryResult = z.object({
  snapshot: z.string(),
  takenAt: z.string(),
  total: z.number().int(), // rules in the reading
  matched: z.number().int(), // rules the filters keep
  offset: z.number().int(),
  rules: z.array(FirewallRule), // matched[offset, offset + limit)
  foundAt: z.number().int().nullable(),
  tables: z.array(z.string()), // every table and owner in the reading, for filter menus
  owners: z.array(Owner),
  baseChains: z.array(BaseChain), // of the whole reading (a few dozen), for the packet tracer
  errors: z.array(z.string()),
});
export type NatQueryResult = z.infer<typeof NatQueryResult>;
// nat.text: `berth nat ls`. A new reading with the filters of nat.query,
// written as the CLI prints it (raw: as iptables-save/nft print them with
// their table; json: one object per rule; table: fixed-width columns, cells
// cut with "…", or with `noTrunc` whole cells in columns as wide as the
// widest among all the matches) and sent while it is read: bytes frames
// (rpc-frames.ts bytesFrameHeader) to this connection only, tagged with the
// caller's `stream`, each whole lines of the output (the frames' bytes in
// order are the whole output), all before the answer. Raw without --owner is
// written line by line as iptables-save prints; the others as each rule's
// owner is known (a hairpin's is decided by a rule further on), a table
// with `noTrunc` at the end (its widths are of every row). A client builds
// no object per rule and parses none of the output: it copies the bytes to its stdout.
export const NatTextFormat = z.enum(['raw', 'json', 'table']);
export const NatTextParams = NatQueryParams.pick({ table: true, owner: true, family: true }).extend({
  format: NatTextFormat,
  noTrunc: z.boolean().default(false),
  stream: z.string().regex(BYTES_STREAM, 'letters, digits, "_", "." or "-", 1 to 64'),
});
export const NatTextResult = z.object({
  matched: z.number().int(),
  errors: z.array(z.string()),
});
export type NatTextResult = z.infer<typeof NatTextResult>;
// Fresh packet and byte counters of the rules a client shows: the host is
// read again, only numbers come back, and only those that differ from the
// snapshot's (the client has those from its pages). A rule whose text moved
// or vanished since the snapshot is named in `changed` (query again to see it).
export const NatCountersParams = z.object({
  snapshot: z.string().max(64),
  ids: z.array(z.string().max(300)).max(2000),
});
export const NatCountersResult = z.object({
  takenAt: z.string(),
  counters: z.array(z.object({ id: z.string(), packets: z.number(), bytes: z.number() })),
  changed: z.array(z.string()),
});
export type NatCountersResult = z.infer<typeof NatCountersResult>;

// nat.conntrack: the connections conntrack tracks to one host address and
// port. Their packets follow the path their first packet took (NAT is
// decided once per connection), whatever the rules say now: the packet
// tracer names them beside its walk.
export const NatConntrackParams = z.object({
  dst: z.string().max(64).refine(isIp, 'not an IP address'),
  port: z.number().int().min(1).max(65535),
  proto: z.enum(['tcp', 'udp', 'sctp']),
});
export const NatConntrackResult = z.object({
  total: z.number().int(),
  // the first 50: sender, and where the connection really goes (the reply's source: the container after DNAT)
  flows: z.array(z.object({ src: z.string(), sport: z.number(), to: z.string(), toPort: z.number(), state: z.string().nullable() })),
  errors: z.array(z.string()),
});
export type NatConntrackResult = z.infer<typeof NatConntrackResult>;

export const HostLink = z.object({
  ifindex: z.number(),
  name: z.string(),
  kind: z.string(), // bridge, veth, dummy, device, …
  state: z.string(),
  mtu: z.number(),
  mac: z.string(),
  master: z.string().nullable(),
  peer: z.string().nullable(), // for veth: "ifname@netns" or null when the peer is gone
  alias: z.string().nullable(),
  addresses: z.array(z.string()),
  owner: Owner,
  ownerEvidence: z.string(),
  ownerObject: RuleObject.nullable().optional(), // another engine's network (bridge) or container (veth), by its API
});
export const HostRoute = z.object({
  dst: z.string(),
  gateway: z.string().nullable(),
  dev: z.string().nullable(),
  scope: z.string().nullable(),
  protocol: z.string().nullable(),
});
export const HostNetns = z.object({
  name: z.string().nullable(), // named netns, or null for one found only through a process
  path: z.string(),
  inode: z.number(),
  pids: z.array(z.number()),
  processes: z.array(z.object({ pid: z.number(), comm: z.string() })),
  links: z.array(z.object({ name: z.string(), addresses: z.array(z.string()) })),
  owner: Owner,
  ownerEvidence: z.string(),
  ownerObject: RuleObject.nullable().optional(), // another engine's container, by its API
});
export const HostSocket = z.object({
  proto: z.enum(['tcp', 'udp', 'tcp6', 'udp6']),
  address: z.string(),
  port: z.number(),
  pid: z.number().nullable(),
  process: z.string().nullable(),
});
export const HostInspect = z.object({
  takenAt: z.string(),
  links: z.array(HostLink),
  routes: z.array(HostRoute),
  netns: z.array(HostNetns),
  sockets: z.array(HostSocket),
  rules: z.array(FirewallRule),
  nftTables: z.array(z.object({ family: z.string(), name: z.string(), chains: z.number(), rules: z.number(), owner: Owner })),
  errors: z.array(z.string()), // a source that could not be read is named, not silently skipped
});
// The helper's reading of the host: cleanup plans from it, rules with their parse.
export type HostInspect = z.infer<typeof HostInspect>;
// A rule as host.inspect answers it: its text, not also its parse. `matches` and
// `targetArgs` say again what `text` says, as the helper read it (nat.query and
// `berth nat ls --format json` answer them); at 10,000 rules they were 1.1 of the
// answer's 5.0 MB and two of the three objects per rule a client parsed
// (docs/decisions.md, "host.inspect answers rules without their parse").
export const HostRule = FirewallRule.omit({ matches: true, targetArgs: true });
export type HostRule = z.infer<typeof HostRule>;
export const HostInspectAnswer = HostInspect.extend({ rules: z.array(HostRule) });
export type HostInspectAnswer = z.infer<typeof HostInspectAnswer>;

export const FindingKind = z.enum([
  'orphan-berth-rule', 'orphan-berth-link', 'orphan-berth-netns', 'missing-kernel-object',
  'dangling-nat-rule', 'dangling-filter-rule', 'dangling-masquerade',
  'duplicate-rule', 'shadowed-dnat',
  'veth-no-peer', 'veth-no-master', 'empty-bridge',
  'netns-no-process', 'orphan-port-binding', 'stale-conntrack',
]);
export const Finding = z.object({
  id: z.string(), // stable hash of kind + evidence, so a plan and an apply agree
  kind: FindingKind,
  owner: Owner,
  reason: z.string(),
  evidence: z.array(z.string()),
  commands: z.array(z.array(z.string())), // exact argv of each fix command
  risk: z.enum(['safe', 'foreign']),
  ownerObject: RuleObject.nullable().optional(), // another engine's object the rule, link or namespace is, by its API
});
export type Finding = z.infer<typeof Finding>;

export const CleanupPlan = z.object({ takenAt: z.string(), findings: z.array(Finding) });
// maxAgeMs: a plan the helper read at most this long ago, with no Berth change since, may be
// the answer (its takenAt says when); absent or 0: a new reading (docs/decisions.md, "Cleanup")
export const CleanupPlanParams = z.object({ maxAgeMs: z.number().int().min(0).max(600_000).optional() }).strict().default({});
export const CleanupApplyParams = z.object({
  ids: z.array(z.string().max(128)).max(10000).optional(),
  includeForeign: z.boolean().default(false),
});
export const CleanupApplyResult = z.object({
  snapshotId: z.string(),
  applied: z.array(z.string()),
  failed: z.array(z.object({ id: z.string(), error: z.string() })),
});
export const CleanupUndoResult = z.object({ snapshotId: z.string(), restored: z.array(z.string()) });

export const DoctorReport = z.object({
  healthy: z.array(z.string()),
  missing: z.array(z.string()),
  extra: z.array(z.string()),
  healed: z.boolean(),
  // what Berth could not do beside the host's other firewalls, with the exact fix
  warnings: z.array(z.string()).optional(),
});
