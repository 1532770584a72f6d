import type { ForeignSandbox } from '../../../src/shared/container';
import { pidNetnsInode } from '../kernel/netns';
import type { State } from '../store/state';
import { listEngineContainers } from './engines';
import { inspectHost } from './host';

// Sandboxes Berth did not make: other engines' containers, named netns and
// processes in namespaces of their own; each with the Berth networks it is
// attached to (from the store's state `s`).
export async function listForeign(s: State): Promise<ForeignSandbox[]> {
  const netName = (id: string) => s.networks[id]?.name ?? id.slice(0, 12);
  const attachedByPid = new Map<number, string[]>();
  const attachedByNetns = new Map<string, string[]>();
  for (const f of Object.values(s.foreign)) {
    const names = f.endpoints.map((e) => netName(e.networkId));
    if (f.kind === 'pid') attachedByPid.set(f.pid!, names);
    else attachedByNetns.set(f.netnsName!, names);
  }
  const errors: string[] = [];
  const [host, engines, own] = await Promise.all([inspectHost(), listEngineContainers(errors), pidNetnsInode(process.pid)]);
  const berthPids = new Set(Object.values(s.containers).map((c) => c.state.pid));
  const out: ForeignSandbox[] = [];
  const seenInodes = new Set<number>();
  const pidInode = new Map<number, number>();
  for (const ns of host.netns) for (const p of ns.pids) pidInode.set(p, ns.inode);
  for (const c of engines) {
    if (c.pid) seenInodes.add(pidInode.get(c.pid) ?? -1);
    out.push({
      source: c.source,
      id: c.id,
      name: c.name,
      pid: c.pid,
      netnsPath: c.pid ? `/proc/${c.pid}/ns/net` : null,
      status: c.status,
      addresses: c.addresses,
      attachedNetworks: c.pid ? (attachedByPid.get(c.pid) ?? []) : [],
    });
  }
  for (const ns of host.netns) {
    if (ns.inode === own || seenInodes.has(ns.inode) || ns.name?.startsWith('berth-')) continue;
    if (ns.pids.some((p) => berthPids.has(p))) continue;
    const addrs = ns.links.flatMap((l) => l.addresses).filter((a) => !a.startsWith('127.') && a !== '::1/128' && !a.startsWith('fe80'));
    if (ns.name) {
      out.push({ source: 'netns', id: `netns:${ns.name}`, name: ns.name, pid: ns.pids[0] ?? null, netnsPath: ns.path, status: plural(ns.pids.length, 'process', 'processes'), addresses: addrs, attachedNetworks: attachedByNetns.get(ns.name) ?? [] });
    } else if (ns.pids.length && ns.owner !== 'system') {
      const pid = ns.pids[0];
      const comm = ns.processes[0]?.comm ?? '';
      const attached = ns.pids.flatMap((p) => attachedByPid.get(p) ?? []);
      out.push({ source: 'process', id: `pid:${pid}`, name: comm ? `${comm} (${pid})` : String(pid), pid, netnsPath: `/proc/${pid}/ns/net`, status: plural(ns.pids.length, 'process', 'processes'), addresses: addrs, attachedNetworks: attached });
    }
  }
  return out;
}

const plural = (n: number, one: string, many: string) => (n === 0 ? `no ${one}` : `${n} ${n === 1 ? one : many}`);
