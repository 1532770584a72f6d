import type { HostInspect, RuleObject } from '../../../src/shared/inspect';
import { nsLabel } from './links';
import { nameEngineRules, readEngineNames, type EngineNames, type EngineNetwork } from './engine-names';
import type { EngineSource } from './engines';

type Netns = HostInspect['netns'][number];

// Other engines' bridges, veths and namespaces in one host reading, named
// through the engine's API (docs/docker-behaviour.md), by owner first: a
// bridge is the network that has it; a veth on it and the namespace at its
// other end are the container that has the namespace's address on that
// network. A bridge no network has now, and what hangs on it, stay unnamed.
// Berth's own objects are named by the client from their berth:<id> tags.
export function nameEngineLinks(host: Pick<HostInspect, 'links' | 'netns'>, engines: Map<EngineSource, EngineNames>): void {
  const netByLabel = new Map(host.netns.map((ns) => [nsLabel(ns), ns]));
  const bridgeOf = new Map<string, EngineNetwork>();
  for (const names of engines.values()) for (const [b, n] of names.byBridge) bridgeOf.set(b, n);
  const nsObject = new Map<Netns, RuleObject>();
  for (const l of host.links) {
    if (l.owner === 'berth') continue;
    if (l.kind === 'bridge') {
      const n = bridgeOf.get(l.name);
      if (n) l.ownerObject = n.network;
      continue;
    }
    if (l.kind !== 'veth' || !l.master || !l.peer) continue;
    const n = bridgeOf.get(l.master);
    const at = l.peer.indexOf('@');
    const ns = n ? netByLabel.get(l.peer.slice(at + 1)) : undefined;
    if (!n || !ns || ns.owner === 'berth') continue;
    const ifname = l.peer.slice(0, at);
    const addrs = ns.links.find((x) => x.name === ifname)?.addresses ?? [];
    const o = addrs.map((a) => n.containers.get(a.split('/')[0])).find(Boolean);
    if (!o) continue;
    l.ownerObject = o;
    nsObject.set(ns, o);
  }
  for (const [ns, o] of nsObject) ns.ownerObject = o;
}

const ENGINES: EngineSource[] = ['docker', 'podman'];
const isEngine = (o: string): o is EngineSource => (ENGINES as string[]).includes(o);

// The whole reading: rules (engine-names.ts), then links and namespaces,
// asking each engine that owns something once; unanswered engines are named in host.errors.
export async function nameEngineObjects(host: HostInspect): Promise<void> {
  const wanted = new Set<string>();
  for (const x of [...host.links, ...host.netns, ...host.rules]) if (isEngine(x.owner)) wanted.add(x.owner);
  const engines = wanted.size ? await readEngineNames(host.errors, wanted) : new Map<EngineSource, EngineNames>();
  // with none, still: a rule kept from the reading before loses the object it named then
  await nameEngineRules(host.rules, host.errors, engines);
  if (engines.size) nameEngineLinks(host, engines);
}
