import type { FirewallRule, Owner } from '../../../src/shared/inspect';
import { isIptablesNftTable } from '../kernel/nft';
import { flat } from '../kernel/save-lines';
import { BERTH_NETNS_RE } from '../../../src/shared/netns-name';
export { BERTH_NETNS_RE };

export interface Verdict {
  owner: Owner;
  evidence: string;
}
const v = (owner: Owner, evidence: string): Verdict => ({ owner, evidence });

export const BERTH_COMMENT_RE = /^berth:(\S+)$/;
export const DOCKER_USER_BRIDGE_RE = /^br-[0-9a-f]{12}$/;

// Chain-name prefixes each engine uses for its own chains.
const CHAIN_PREFIXES: [RegExp, Owner][] = [
  [/^BERTH/, 'berth'],
  [/^DOCKER/, 'docker'],
  [/^NETAVARK/, 'podman'],
  [/^CNI-/, 'cni'],
  [/^LIBVIRT_/, 'libvirt'],
  [/^KUBE-/, 'kubernetes'],
  [/^ufw6?-/, 'ufw'],
  // firewalld (iptables backend): zone and direct chains
  [/(_direct|_ZONES|_ZONES_SOURCE)$|^(IN|FWDI|FWDO|FWD|PRE|POST|OUT)_[A-Za-z0-9]/, 'firewalld'],
];

// Chains an engine creates for the user's own rules (Docker's DOCKER-USER,
// Berth's BERTH-USER): what is in them is the user's, not the engine's, so
// nothing there is ever treated as the engine's leftover. Docker's own
// `-j RETURN` at their end stays Docker's.
const USER_CHAINS = new Set(['DOCKER-USER', 'BERTH-USER']);

// Asked twice per rule (its chain, its jump target) of tens of thousands, over
// a few hundred distinct names: remembered per name (verdicts are never changed).
const chainOwners = new Map<string, Verdict | null>();
export function chainOwner(chain: string): Verdict | null {
  let known = chainOwners.get(chain);
  if (known === undefined) {
    known = null;
    for (const [re, owner] of CHAIN_PREFIXES) {
      if (!re.test(chain)) continue;
      known = v(owner, `chain ${chain}`);
      break;
    }
    if (chainOwners.size >= 4096) chainOwners.clear(); // bounded: chain names come from the host
    chainOwners.set(chain, known);
  }
  return known;
}

// Link names say who made them; Berth's alias wins over the shared br-<12hex> naming.
export function linkNameOwner(name: string, alias: string | null): Verdict | null {
  if (alias?.startsWith('berth:')) return v('berth', `link alias ${alias}`);
  if (name === 'berth0' || name.startsWith('berth')) return v('berth', `link name ${name}`);
  if (name === 'docker0' || DOCKER_USER_BRIDGE_RE.test(name)) return v('docker', `link name ${name}`);
  if (/^(podman\d+|cni-podman\d+)$/.test(name)) return v('podman', `link name ${name}`);
  if (/^cni/.test(name)) return v('cni', `link name ${name}`);
  if (/^(virbr\d+(-nic)?|vnet\d+)$/.test(name)) return v('libvirt', `link name ${name}`);
  if (/^(kube-|cali|flannel|cilium_|vxlan\.calico|tunl0$|weave)/.test(name)) return v('kubernetes', `link name ${name}`);
  if (/^(lo|eth\d+|en[a-z0-9]+|wl[a-z0-9]+|ww[a-z0-9]+)$/.test(name)) return v('system', `link name ${name}`);
  return null;
}

export interface LinkOwners {
  get(name: string): Verdict | undefined;
}

const COMMENT_PATTERNS: [RegExp, Owner][] = [
  [/^name: ".*" id: ".*"$/, 'cni'],
  [/netavark|^dnat name: /, 'podman'],
  [/kubernetes|^(default|kube-system)\//, 'kubernetes'],
  [/^ufw/, 'ufw'],
  [/libvirt/i, 'libvirt'],
];

// A rule's owner, strongest evidence first: Berth's comment tag, the chain
// it lives in, the chain it jumps to, other engines' comments, then the
// interfaces it matches. A verdict is shared by the rules with the same
// evidence (remembered per comment, jump target, user chain and interface, as
// chainOwner per chain): a rule keeps its evidence, and one made per rule was
// a join kept as long as the rule, and copied by the collector, in every cold
// reading (verdicts are never changed).
export function ruleOwner(r: Pick<FirewallRule, 'chain' | 'target' | 'comment' | 'matches'>, links: LinkOwners): Verdict {
  return ownerBeforeInterfaces(r.chain, r.target, r.comment) ?? interfaceOwner(r.matches, links);
}

// What a rule's comment, chain and jump say of its owner (ruleOwner's steps
// before its interfaces), else null: all a table listing on a cold helper
// reads of most rules (lean-rule.ts).
export function ownerBeforeInterfaces(chain: string, target: string, comment: string | null): Verdict | null {
  if (comment && BERTH_COMMENT_RE.test(comment)) return remembered(byComment, comment, 'berth', 'comment ');
  if (USER_CHAINS.has(chain) && target !== 'RETURN') return remembered(byUserChain, chain, 'unknown', 'chain ', " holds the user's own rules");
  const own = chainOwner(chain);
  if (own) return own;
  const jump = chainOwner(target);
  if (jump) return remembered(byJump, target, jump.owner, 'jumps to ');
  if (comment) {
    for (const [re, owner] of COMMENT_PATTERNS) if (re.test(comment)) return remembered(byComment, comment, owner, 'comment ');
  }
  return null;
}

function interfaceOwner(matches: Record<string, string>, links: LinkOwners): Verdict {
  for (const key of ['i', '!i', 'o', '!o']) {
    const ifname = matches[key];
    if (!ifname) continue;
    const known = links.get(ifname) ?? namedOwner(ifname);
    if (known && known.owner !== 'system') return byInterface(ifname, known);
  }
  return NO_EVIDENCE;
}
const NO_EVIDENCE = v('unknown', 'no owner evidence');

// The verdict memos' one way to remember: bounded, as their keys come from the host.
const MEMO_KEYS = 4096;
function remember<V>(memo: Map<string, V>, key: string, value: V): V {
  if (memo.size >= MEMO_KEYS) memo.clear();
  memo.set(key, value);
  return value;
}

// `${before}${key}${after}` as `owner`'s verdict, one per key
const byComment = new Map<string, Verdict>();
const byUserChain = new Map<string, Verdict>();
const byJump = new Map<string, Verdict>();
function remembered(known: Map<string, Verdict>, key: string, owner: Owner, before: string, after = ''): Verdict {
  const verdict = known.get(key);
  return verdict !== undefined && verdict.owner === owner ? verdict : remember(known, key, v(owner, flat(before + key + after)));
}

// An interface match's verdict: by the link's (this reading's) verdict, else by its name
const byName = new Map<string, Verdict | null>();
function namedOwner(ifname: string): Verdict | null {
  const known = byName.get(ifname);
  return known !== undefined ? known : remember(byName, ifname, linkNameOwner(ifname.replace(/\+$/, ''), null));
}
const byIfname = new Map<string, { known: Verdict; verdict: Verdict }>();
function byInterface(ifname: string, known: Verdict): Verdict {
  const e = byIfname.get(ifname);
  if (e !== undefined && e.known.owner === known.owner && e.known.evidence === known.evidence) return e.verdict;
  return remember(byIfname, ifname, { known, verdict: v(known.owner, flat(`interface ${ifname} (${known.evidence})`)) }).verdict;
}

export function nftTableOwner(family: string, name: string): Verdict {
  if (isIptablesNftTable(family, name))
    return v('system', 'iptables-nft table (rules listed from iptables-save)');
  if (name === 'netavark') return v('podman', `nft table ${name}`);
  if (name === 'firewalld') return v('firewalld', `nft table ${name}`);
  if (name.startsWith('docker')) return v('docker', `nft table ${name}`);
  if (name.startsWith('berth')) return v('berth', `nft table ${name}`);
  if (name.startsWith('libvirt')) return v('libvirt', `nft table ${name}`);
  if (name.startsWith('kube') || name === 'cilium') return v('kubernetes', `nft table ${name}`);
  if (name.startsWith('cni')) return v('cni', `nft table ${name}`);
  return v('unknown', `nft table ${name}`);
}

// Whose namespace: by name or mount path, else by the cgroup of a process in it.
export function netnsOwner(name: string | null, path: string, cgroup: string | null): Verdict {
  if (name && BERTH_NETNS_RE.test(name)) return v('berth', `netns name ${name}`);
  if (name && /^cni-[0-9a-f-]{36}$/.test(name)) return v('cni', `netns name ${name}`);
  if (name && /^netns-[0-9a-f-]{36}$/.test(name)) return v('podman', `netns name ${name}`);
  if (path.includes('/docker/netns/')) return v('docker', `mounted at ${path}`);
  if (cgroup) {
    if (/berth/.test(cgroup)) return v('berth', `cgroup ${cgroup}`);
    if (/docker/.test(cgroup)) return v('docker', `cgroup ${cgroup}`);
    if (/libpod|podman/.test(cgroup)) return v('podman', `cgroup ${cgroup}`);
    if (/kubepods/.test(cgroup)) return v('kubernetes', `cgroup ${cgroup}`);
    if (/machine\.slice|libvirt/.test(cgroup)) return v('libvirt', `cgroup ${cgroup}`);
  }
  return v('unknown', 'no owner evidence');
}
