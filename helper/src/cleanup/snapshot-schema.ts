import { z } from 'zod';
import { isCidr } from '../../../src/shared/ip';

// An undo snapshot's manifest as it is read back (cleanup/snapshot.ts): as
// narrow as what apply writes, because undo hands its rule texts to
// iptables-restore (one line each: a newline would be another command) and
// its names and addresses to `ip -batch` (one word each). Netns names are
// checked again against the one pattern before any reaches `ip`
// (undo-last.ts); here they only have to be one word.

// newSnapshotId: UTC time to the millisecond, then 6 hex digits
export const SNAPSHOT_ID_RE = /^\d{8}T\d{9}Z-[0-9a-f]{6}$/;

const Family = z.enum(['ipv4', 'ipv6']);
const Table = z.enum(['filter', 'nat', 'mangle', 'raw', 'security']);
const CHAIN = '[A-Za-z0-9_][\\x21-\\x7e]{0,28}'; // printable, no space; iptables' limit is 28
const Chain = z.string().regex(new RegExp(`^${CHAIN}$`), 'not a chain name');
// one line of iptables-save: no newline, carriage return or other control character but tab
const RuleLine = z.string().max(65536).regex(/^[^\x00-\x08\x0a-\x1f\x7f]*$/, 'not one line of rule text');
const Word = z.string().min(1).max(4096).regex(/^[^\s\x00-\x1f\x7f]+$/, 'not one word');
const LinkName = z.string().regex(/^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,14}$/, 'not an interface name');
const Cidr = z.string().max(64).refine(isCidr, 'not an address with its prefix length');
const Mac = z.string().regex(/^([0-9a-f]{2}(:[0-9a-f]{2}){0,31})?$/, 'not a link-layer address');

export const RemovedRule = z.strictObject({
  family: Family,
  table: Table,
  chain: Chain,
  position: z.number().int().min(1).max(10_000_000), // 1-based, in the chain as it was before the apply
  spec: RuleLine.min(1), // what follows `-A CHAIN ` in iptables-save
  byPosition: z.boolean().optional(), // an identical rule sits earlier in the chain: deleted by number
});

export const RemovedLink = z.strictObject({
  name: LinkName,
  kind: z.string().regex(/^[a-z][a-z0-9_]{0,15}$/, 'not a link kind'),
  mac: Mac,
  mtu: z.number().int().min(0).max(0x7fffffff),
  master: LinkName.nullable(),
  alias: z.string().max(256).regex(/^[^\x00-\x1f\x7f]*$/, 'not one line').nullable(),
  addresses: z.array(Cidr),
  up: z.boolean(),
  // the other end of a veth: its name, where it lived (null = host), and its addresses
  peer: z.strictObject({ name: LinkName, netns: Word.nullable(), addresses: z.array(Cidr), up: z.boolean() }).nullable(),
});

export const SnapshotFile = z.strictObject({
  id: z.string().regex(SNAPSHOT_ID_RE, 'not a snapshot id'),
  takenAt: z.string().max(64),
  undone: z.boolean(),
  findings: z.array(z.string().max(1024)), // ids applied
  rules: z.array(RemovedRule),
  // rule texts of every chain touched, before the apply: undo checks nothing else changed
  chainsBefore: z.record(z.string().regex(new RegExp(`^(ipv4|ipv6)/(filter|nat|mangle|raw|security)/${CHAIN}$`), 'not family/table/chain'), z.array(RuleLine)),
  links: z.array(RemovedLink),
  netns: z.array(z.strictObject({ name: Word, loUp: z.boolean() })),
  storeCopy: z.literal('store.json').nullable(),
});
