import { hash } from 'node:crypto';
import type { Finding, FirewallRule, HostInspect } from '../../../src/shared/inspect';
import { KEEP_JSON_TEXT } from '../../../src/shared/keep-json-text';
import { ruleSpec } from '../inspect/iptables-parse';
import { splitWords } from '../inspect/tokens';

export type HostLink = HostInspect['links'][number];
export type HostNetns = HostInspect['netns'][number];

// What a finding would change, kept beside the public Finding so apply
// works from the same reading the plan was made from.
export type Target =
  | { type: 'rule'; rule: FirewallRule }
  | { type: 'link'; link: HostLink }
  | { type: 'netns'; netns: HostNetns }
  | { type: 'store'; what: 'network' | 'endpoint' | 'netns'; id: string }
  // a host port Berth holds (socket, allocator entry or rule in its chains): the engine releases
  // it; hostPort null when only a rule in Berth's chains is left (no host port known)
  | { type: 'port'; hostIp: string; hostPort: number | null; proto: string }
  // conntrack entries: deleted with these exact `conntrack -D` argvs (not restorable by undo)
  | { type: 'conntrack'; argv: string[][] };

export interface Planned extends Finding {
  target: Target;
}

// the one-shot hash (no Hash object per finding): the same id, at a fraction of the cost for thousands.
// Its text is made by concatenation, flattened once by the hash (a join and then a template
// around it made two copies of it, ~300 bytes each, per finding).
export const findingId = (kind: string, evidence: string[]) => {
  let text: string = kind;
  for (let i = 0; i < evidence.length; i++) text += '\n' + evidence[i];
  return hash('sha256', text, 'hex').slice(0, 16);
};

export const ruleEvidence = (r: FirewallRule) => `${r.family} ${r.table}: ${r.text}`;
// A plan's rule findings come in runs of one owner's rules, with the same owner evidence:
// its sentence is made once a run, not once a finding.
let lastOwnerEvidence = '';
let lastOwnerText = 'owner evidence: ';
const ownerEvidence = (e: string) => (e === lastOwnerEvidence ? lastOwnerText : (lastOwnerText = `owner evidence: ${(lastOwnerEvidence = e)}`));

export function ruleDeleteCommand(r: FirewallRule): string[] {
  const cmd = [r.family === 'ipv6' ? 'ip6tables' : 'iptables', '-t', r.table, '-D', r.chain];
  const words = splitWords(ruleSpec(r));
  for (let i = 0; i < words.length; i++) cmd.push(words[i]);
  return cmd;
}

export function make(
  kind: Finding['kind'],
  owner: Finding['owner'],
  reason: string,
  evidence: string[],
  commands: string[][],
  target: Target,
): Planned {
  return { id: findingId(kind, evidence), kind, owner, reason, evidence, commands, risk: owner === 'berth' ? 'safe' : 'foreign', target };
}

// `extra`: a third line of evidence
export const ruleFinding = (kind: Finding['kind'], r: FirewallRule, reason: string, extra?: string) =>
  make(kind, r.owner, reason, extra === undefined ? [ruleEvidence(r), ownerEvidence(r.ownerEvidence)] : [ruleEvidence(r), ownerEvidence(r.ownerEvidence), extra], [ruleDeleteCommand(r)], { type: 'rule', rule: r });

// another engine's object the target is, as its API named it (inspect/engine-host-names.ts)
const objectOf = (t: Target) => (t.type === 'rule' ? t.rule.ownerObject : t.type === 'link' ? t.link.ownerObject : t.type === 'netns' ? t.netns.ownerObject : null);
// Its fields written out, not the rest of a destructuring (a copy by the runtime's slow path,
// per finding of thousands); every Planned has exactly these (make).
const toPublic = (p: Planned): Finding => {
  const o = p.owner !== 'berth' ? objectOf(p.target) : null;
  const f: Finding = { id: p.id, kind: p.kind, owner: p.owner, reason: p.reason, evidence: p.evidence, commands: p.commands, risk: p.risk };
  if (o) f.ownerObject = o;
  return f;
};
export const publicFinding = (p: Planned): Finding => kept.get(p) ?? toPublic(p);

// A finding a later plan may answer again (cleanup/rule-verdicts.ts): its public form made
// once, frozen with its arrays, so each answer has the same object and the server writes
// its JSON once (server/json-pieces.ts, KEEP_JSON_TEXT). `like`: a finding already kept that says the same.
const kept = new WeakMap<Planned, Finding>();
export function keepPublic(p: Planned, like?: Planned): Planned {
  if (!kept.has(p)) kept.set(p, (like && kept.get(like)) || deepFreeze(Object.defineProperty(toPublic(p), KEEP_JSON_TEXT, { value: true })));
  return p;
}
function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}
