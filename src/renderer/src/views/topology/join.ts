// The data join: the helper's answers (networks, containers, foreign
// sandboxes, the host reading) matched into what the graph shows, before
// any geometry. Deterministic: the same data, the same order.
import type { Container, ForeignSandbox } from '../../../../shared/container';
import type { HostInspectAnswer } from '../../../../shared/inspect';
import { bridgeName, containerName } from '../../lib/format';
import { nodeIdOf, type ContainerData, type EndpointRow, type ForeignData, type HostIface, type HostLink, type PortData, type TopologyInput } from './model';

const cidrIp = (s: string) => s.split('/')[0];
const cidrLen = (s: string) => (s.includes('/') ? Number(s.split('/')[1]) : null);

// The host veth of an endpoint: Berth tags it with the alias berth:<endpoint id>;
// otherwise the veth on the bridge whose peer is <ifname>@<the sandbox's netns>.
function findVeth(links: HostLink[], bridge: string, endpointId: string, ifname: string, netnsHint: string[]): string | null {
  const alias = `berth:${endpointId.slice(0, 12)}`;
  const byAlias = links.find((l) => l.kind === 'veth' && l.alias === alias);
  if (byAlias) return byAlias.name;
  const onBridge = links.filter((l) => l.kind === 'veth' && l.master === bridge && l.peer?.startsWith(`${ifname}@`));
  const hit = onBridge.find((l) => netnsHint.some((h) => h && l.peer!.slice(ifname.length + 1) === h));
  return hit?.name ?? null;
}

const ipKey = (ip: string) => ip.split('.').reduce((a, b) => a * 256 + (Number(b) || 0), 0);

export function hostInterfaces(host: HostInspectAnswer | null | undefined, bridges: Set<string>): HostIface[] {
  if (!host) return [];
  return host.links
    .filter((l) => l.kind !== 'loopback' && l.kind !== 'veth' && l.kind !== 'bridge' && !bridges.has(l.name))
    .filter((l) => l.kind === 'device' || l.addresses.length > 0)
    .map((l) => ({ name: l.name, kind: l.kind, state: l.state, addresses: l.addresses.filter((a) => !a.startsWith('fe80:')) }))
    .sort((a, b) => (b.addresses.length > 0 ? 1 : 0) - (a.addresses.length > 0 ? 1 : 0) || a.name.localeCompare(b.name))
    .slice(0, 6);
}

// The host's default route, as the host node prints it.
export function defaultRouteOf(host: HostInspectAnswer | null | undefined): string | null {
  const def = host?.routes.find((r) => r.dst === 'default' || r.dst === '0.0.0.0/0');
  return def ? `default via ${def.gateway ?? '—'}${def.dev ? ` dev ${def.dev}` : ''}` : null;
}

// Bridge networks, the default one last, with their index by id and name.
export function bridgeNetworks(input: TopologyInput) {
  const nets = input.networks
    .filter((n) => n.Driver === 'bridge')
    .slice()
    .sort((a, b) => {
      const da = a.Name === 'bridge' ? 1 : 0;
      const db = b.Name === 'bridge' ? 1 : 0;
      return da - db || a.Name.localeCompare(b.Name);
    });
  const netIndex = new Map<string, number>();
  nets.forEach((n, i) => {
    netIndex.set(n.Id, i);
    netIndex.set(n.Name, i);
  });
  const netByKey = (key: string, id?: string) => nets[netIndex.get(id ?? '') ?? netIndex.get(key) ?? -1];

  return { nets, netIndex, netByKey };
}
export type Nets = ReturnType<typeof bridgeNetworks>;

// A sandbox (Berth container or foreign one) with its endpoint rows.
export type Sb = { id: string; data: ContainerData | ForeignData; order: number; name: string };

// Sandboxes with their endpoint rows, ordered by the mean index of their
// networks (none: last), then Berth before foreign, running before stopped,
// first address, name.
export function joinSandboxes(input: TopologyInput, { nets, netIndex, netByKey }: Nets): Sb[] {
  const links = input.host?.links ?? [];
  const berthIds = new Set(input.containers.map((c: Container) => c.Id));
  const sandboxes: Sb[] = [];
  for (const c of input.containers) {
    const name = containerName(c);
    const rows: EndpointRow[] = [];
    for (const [netName, v] of Object.entries(c.NetworkSettings.Networks)) {
      const n = netByKey(netName, v.NetworkID);
      if (!n) continue;
      const live = n.Containers[c.Id];
      const ip = live ? cidrIp(live.IPv4Address) : v.IPAddress;
      rows.push({
        network: n.Name,
        networkNode: nodeIdOf.network(n),
        ifname: v.InterfaceName || 'eth?',
        ip,
        prefixLen: live ? cidrLen(live.IPv4Address) : v.IPPrefixLen || null,
        ip6: live ? cidrIp(live.IPv6Address) : v.GlobalIPv6Address ?? '',
        prefixLen6: live ? cidrLen(live.IPv6Address) : v.GlobalIPv6PrefixLen || null,
        mac: live?.MacAddress || v.MacAddress,
        endpointId: v.EndpointID || live?.EndpointID || '',
        veth: findVeth(links, bridgeName(n), v.EndpointID || live?.EndpointID || '', v.InterfaceName, [`berth-${c.Id.slice(0, 12)}`, `pid:${c.State.Pid}`]),
        active: c.State.Running,
      });
    }
    rows.sort((a, b) => a.ifname.localeCompare(b.ifname, undefined, { numeric: true }));
    const ports = Object.values(c.NetworkSettings.Ports ?? {}).reduce((s, b) => s + (b?.length ?? 0), 0);
    sandboxes.push({
      id: nodeIdOf.container(c),
      name,
      order: 0,
      data: { kind: 'container', label: name, foreign: false, container: c, status: c.State.Status, running: c.State.Running, rows, ports },
    });
  }
  // Foreign sandboxes: endpoints on Berth networks that are not Berth containers.
  const foreignRows = new Map<string, { sb: ForeignSandbox | null; name: string; rows: EndpointRow[] }>();
  const foreignList = input.foreign ?? [];
  for (const n of nets)
    for (const [key, ep] of Object.entries(n.Containers)) {
      if (berthIds.has(key)) continue;
      const sb = foreignList.find((f) => f.id === key || f.name === ep.Name) ?? null;
      const fid = sb?.id ?? key;
      const entry = foreignRows.get(fid) ?? { sb, name: sb?.name ?? ep.Name ?? key.slice(0, 12), rows: [] };
      const ifname = links.find((l) => l.kind === 'veth' && l.alias === `berth:${ep.EndpointID.slice(0, 12)}`)?.peer?.split('@')[0] ?? 'eth?';
      entry.rows.push({
        network: n.Name,
        networkNode: nodeIdOf.network(n),
        ifname,
        ip: cidrIp(ep.IPv4Address),
        prefixLen: cidrLen(ep.IPv4Address),
        ip6: cidrIp(ep.IPv6Address),
        prefixLen6: cidrLen(ep.IPv6Address),
        mac: ep.MacAddress,
        endpointId: ep.EndpointID,
        veth: findVeth(links, bridgeName(n), ep.EndpointID, ifname, [sb?.name ?? '', sb?.pid ? `pid:${sb.pid}` : '']),
        active: true,
      });
      foreignRows.set(fid, entry);
    }
  for (const f of foreignList) {
    // attached by name only (no endpoint view): still draw the link
    for (const netName of f.attachedNetworks) {
      const n = netByKey(netName);
      if (!n) continue;
      const entry = foreignRows.get(f.id) ?? { sb: f, name: f.name, rows: [] };
      if (entry.rows.some((r) => r.network === n.Name)) continue;
      entry.rows.push({ network: n.Name, networkNode: nodeIdOf.network(n), ifname: 'eth?', ip: '', prefixLen: null, ip6: '', prefixLen6: null, mac: '', endpointId: '', veth: null, active: true });
      foreignRows.set(f.id, entry);
    }
  }
  for (const [fid, e] of [...foreignRows.entries()].sort((a, b) => a[1].name.localeCompare(b[1].name))) {
    e.rows.sort((a, b) => (netIndex.get(a.network) ?? 0) - (netIndex.get(b.network) ?? 0));
    sandboxes.push({
      id: nodeIdOf.foreign(fid),
      name: e.name,
      order: 1,
      data: { kind: 'foreign', label: e.name, foreign: true, sandbox: e.sb, source: e.sb?.source ?? 'foreign', status: e.sb?.status ?? 'attached', rows: e.rows },
    });
  }

  const bary = (s: Sb) => (s.data.rows.length ? s.data.rows.reduce((a, r) => a + (netIndex.get(r.network) ?? 0), 0) / s.data.rows.length : Infinity);
  const firstIp = (s: Sb) => (s.data.rows[0]?.ip ? ipKey(s.data.rows[0].ip) : Infinity);
  sandboxes.sort((a, b) => {
    const ba = bary(a);
    const bb = bary(b);
    if (ba !== bb) return ba === Infinity ? 1 : bb === Infinity ? -1 : ba - bb;
    const ra = a.data.kind === 'container' && a.data.running ? 0 : 1;
    const rb = b.data.kind === 'container' && b.data.running ? 0 : 1;
    return a.order - b.order || ra - rb || firstIp(a) - firstIp(b) || a.name.localeCompare(b.name);
  });
  return sandboxes;
}

// Published ports, one per container port and host port (IPv4 and IPv6
// bindings merged), in sandbox order; `target` is the container's node.
export function publishedPorts(sandboxes: Sb[]): { id: string; data: PortData; target: string }[] {
  const portNodes: { id: string; data: PortData; target: string }[] = [];
  for (const s of sandboxes) {
    if (s.data.kind !== 'container') continue;
    const c = s.data.container;
    const name = containerName(c);
    const gwIp = s.data.rows.find((r) => r.ip)?.ip ?? null;
    for (const [key, binds] of Object.entries(c.NetworkSettings.Ports ?? {})) {
      if (!binds?.length) continue;
      const [cp, proto = 'tcp'] = key.split('/');
      const byPort = new Map<string, string[]>();
      for (const b of binds) byPort.set(b.HostPort, [...(byPort.get(b.HostPort) ?? []), b.HostIp || '0.0.0.0']);
      for (const [hp, ips] of byPort) {
        const hostIps = [...new Set(ips)].sort((a, b) => Number(a.includes(':')) - Number(b.includes(':')) || a.localeCompare(b));
        portNodes.push({
          id: `port:${c.Id.slice(0, 12)}:${hp}:${key}`,
          target: s.id,
          data: {
            kind: 'port', label: `${hp}/${proto}`, hostIps, hostPort: Number(hp), containerPort: Number(cp), proto,
            container: name, containerNode: s.id, containerIp: gwIp,
          },
        });
      }
    }
  }
  return portNodes;
}
