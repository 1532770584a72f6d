import type { FirewallRule, RuleObject } from '../../../src/shared/inspect';
import { engineSockets, getJson, type EngineSource } from './engines';
import { dnatTarget } from './nat-decode';
import { writableRule } from './rule-memo';

// The objects other engines' rules are about, named through the engine's own
// API (Docker's, or Podman's Docker-compatible one): a rule that sends to or
// matches a container's address is that container's, one on a network's
// bridge is that network's. Nothing is named when no API answers.
export interface EngineNames {
  byBridge: Map<string, EngineNetwork>; // bridge interface -> network, with its containers
  byAddress: Map<string, RuleObject>; // container address (no prefix) held by one container only
}
export interface EngineNetwork {
  network: RuleObject;
  containers: Map<string, RuleObject>; // address on this network -> container
}

interface ListedContainer {
  Id?: string;
  Names?: string[];
  NetworkSettings?: { Networks?: Record<string, { NetworkID?: string; IPAddress?: string; GlobalIPv6Address?: string }> };
}
interface ListedNetwork { Id?: string; Name?: string; Driver?: string; Options?: Record<string, string> }

const MAX_OBJECTS = 5000;
// what an API answers is shown, so it is bounded and printable
const clean = (s: unknown, max = 128): string => (typeof s === 'string' ? s.replace(/[^\x20-\x7e]/g, '').slice(0, max) : '');

export function engineNamesFrom(containers: ListedContainer[], networks: ListedNetwork[]): EngineNames {
  const byBridge = new Map<string, EngineNetwork>();
  const byNet = new Map<string, EngineNetwork>(); // network id and name -> its entry
  for (const n of networks.slice(0, MAX_OBJECTS)) {
    const id = clean(n.Id);
    const name = clean(n.Name);
    if (!id || !name || (n.Driver && n.Driver !== 'bridge')) continue;
    // Docker names a user network's bridge br-<id12> unless an option says otherwise (docker0 for "bridge")
    const bridge = clean(n.Options?.['com.docker.network.bridge.name'], 15) || `br-${id.slice(0, 12)}`;
    const entry = { network: { kind: 'network', id, name } as RuleObject, containers: new Map<string, RuleObject>() };
    byBridge.set(bridge, entry);
    byNet.set(id, entry);
    byNet.set(name, entry);
  }
  const holders = new Map<string, RuleObject | null>(); // null: more than one container has it
  for (const c of containers.slice(0, MAX_OBJECTS)) {
    const id = clean(c.Id);
    const name = clean(c.Names?.[0]).replace(/^\//, '') || id.slice(0, 12);
    if (!name) continue;
    const object: RuleObject = { kind: 'container', id, name };
    for (const [netName, ep] of Object.entries(c.NetworkSettings?.Networks ?? {}))
      for (const a of [ep.IPAddress, ep.GlobalIPv6Address]) {
        if (!a || typeof a !== 'string') continue;
        const addr = clean(a, 64);
        (byNet.get(clean(ep.NetworkID)) ?? byNet.get(clean(netName)))?.containers.set(addr, object);
        holders.set(addr, holders.has(addr) && holders.get(addr)?.id !== id ? null : object);
      }
  }
  const byAddress = new Map([...holders].filter((e): e is [string, RuleObject] => e[1] !== null));
  return { byBridge, byAddress };
}

// Each engine whose API socket is there: its running containers and its
// networks, two calls, each bounded in time; an engine that does not answer
// is named in `errors` and its rules stay unnamed.
export async function readEngineNames(errors: string[], wanted: Set<string>, timeoutMs = 1500): Promise<Map<EngineSource, EngineNames>> {
  const out = new Map<EngineSource, EngineNames>();
  await Promise.all(
    engineSockets()
      .filter((s) => wanted.has(s.source))
      .map(async ({ source, path }) => {
        try {
          const [containers, networks] = await Promise.all([
            getJson<ListedContainer[]>(path, '/containers/json', timeoutMs),
            getJson<ListedNetwork[]>(path, '/networks', timeoutMs),
          ]);
          if (!Array.isArray(containers) || !Array.isArray(networks)) throw new Error('unexpected answer');
          out.set(source, engineNamesFrom(containers, networks));
        } catch (e) {
          errors.push(`${source} API (${path}): ${(e as Error).message}; its rules are shown without names`);
        }
      }),
  );
  return out;
}

const hostAddr = (a: string | undefined) => (a && /\/(32|128)$/.test(a) ? a.replace(/\/\d+$/, '') : a && !a.includes('/') ? a : null);

// An engine's bridge as the engine names it (a rule may name one whose network is gone).
const ENGINE_BRIDGE = /^(docker0|br-[0-9a-f]{12}|podman\d+|cni-podman\d+)$/;

// The object one rule is about, by its owner's objects first: the network of
// the bridge the rule names, and a container by address only on that network.
// A rule naming a bridge no network has now (stale) is nobody's, whoever has
// its address today (subnets of gone networks are reused). A rule naming no
// bridge (Docker's hairpin MASQUERADE) is the container only one holds its address.
export function objectOfRule(r: FirewallRule, names: EngineNames): RuleObject | null {
  const addrs = [dnatTarget(r)?.ip, hostAddr(r.matches.d), hostAddr(r.matches.s)].filter((a): a is string => !!a);
  const bridges = ['o', 'i', '!i', '!o'].map((k) => r.matches[k]).filter((b) => b && (names.byBridge.has(b) || ENGINE_BRIDGE.test(b)));
  if (bridges.length) {
    const net = bridges.map((b) => names.byBridge.get(b)).find(Boolean);
    if (!net) return null;
    for (const a of addrs) {
      const o = net.containers.get(a);
      if (o) return o;
    }
    return net.network;
  }
  for (const a of addrs) {
    const o = names.byAddress.get(a);
    if (o) return o;
  }
  return null;
}

// Fill `ownerObject` of the rules other engines own, asking each engine
// once (or using what the caller already read). A rule kept from the reading
// before (frozen: inspect/rule-memo.ts) keeps its object only when it is the
// same now; else it is replaced in `rules` by a copy with this reading's (or
// none: an engine that does not answer names nothing, as in a first reading).
export async function nameEngineRules(rules: FirewallRule[], errors: string[], read?: Map<EngineSource, EngineNames>): Promise<void> {
  const wanted = new Set<string>();
  for (const r of rules) if (r.owner === 'docker' || r.owner === 'podman') wanted.add(r.owner);
  const names = read ?? (wanted.size ? await readEngineNames(errors, wanted) : new Map<EngineSource, EngineNames>());
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    const n = names.get(r.owner as EngineSource);
    const o = n ? objectOfRule(r, n) : undefined;
    if (o === undefined ? !('ownerObject' in r) : 'ownerObject' in r && sameObject(r.ownerObject ?? null, o)) continue;
    const w = writableRule(rules, i);
    if (o === undefined) delete w.ownerObject;
    else w.ownerObject = o;
  }
}

export const sameObject = (a: RuleObject | null, b: RuleObject | null) => a === b || (!!a && !!b && a.kind === b.kind && a.id === b.id && a.name === b.name);
