// The topology as a graph: pure data (networks, containers, foreign
// sandboxes, the host reading) → React Flow nodes and edges with positions.
// Deterministic: the same data always gives the same picture.
//
//   host ─┬─ network ──┬── container
//   ports ┘  (bridge)  └── foreign sandbox
//
// Host (and its published ports) on the left, bridge networks in the middle,
// containers on the right; containers are ordered by the networks they join
// (barycentre), networks centred on their containers, ports beside theirs.
import type { Edge, Node, NodeHandle } from '@xyflow/react';
import type { Container, ForeignSandbox } from '../../../../shared/container';
import type { HostInspect } from '../../../../shared/inspect';
import type { Network } from '../../../../shared/network';
import type { SystemInfo } from '../../../../shared/system';
import { bridgeName, containerName, networkFlags, PREDEFINED } from '../../lib/format';

type HostLink = HostInspect['links'][number];

export interface TopologyInput {
  networks: Network[];
  containers: Container[];
  foreign?: ForeignSandbox[] | null;
  host?: HostInspect | null;
  system?: SystemInfo | null;
}

// Geometry (px). Node components read the same numbers for their handles.
export const G = {
  hostW: 250,
  netW: 270,
  ctrW: 270,
  portW: 250,
  gapHostNet: 170,
  gapNetCtr: 290,
  hostHead: 58,
  hostRow: 22,
  netH: 124,
  ctrHead: 56,
  ctrRow: 26,
  portH: 50,
  gapY: 22,
  netGapY: 40,
  pad: 10,
} as const;
export const X = { host: 0, net: G.hostW + G.gapHostNet, ctr: G.hostW + G.gapHostNet + G.netW + G.gapNetCtr } as const;

export interface HostIface { name: string; kind: string; state: string; addresses: string[] }
export interface HostData {
  kind: 'host';
  label: string;
  interfaces: HostIface[];
  defaultRoute: string | null;
  kernel: string | null;
  firewall: string | null;
  system: SystemInfo | null;
  host: HostInspect | null;
}
export interface NetworkData {
  kind: 'network';
  label: string;
  network: Network;
  bridge: string;
  subnet: string;
  gateway: string;
  internal: boolean;
  icc: boolean;
  masquerade: boolean;
  isDefault: boolean;
  endpoints: number;
  bridgeLink: HostLink | null;
}
export interface EndpointRow {
  network: string; // network name
  networkNode: string;
  ifname: string;
  ip: string; // without prefix
  prefixLen: number | null;
  mac: string;
  endpointId: string;
  veth: string | null;
  active: boolean;
}
export interface ContainerData {
  kind: 'container';
  label: string;
  foreign: false;
  container: Container;
  status: string;
  running: boolean;
  rows: EndpointRow[];
  ports: number;
}
export interface ForeignData {
  kind: 'foreign';
  label: string;
  foreign: true;
  sandbox: ForeignSandbox | null;
  source: string;
  status: string;
  rows: EndpointRow[];
}
export interface PortData {
  kind: 'port';
  label: string;
  hostIps: string[];
  hostPort: number;
  containerPort: number;
  proto: string;
  container: string; // container name
  containerNode: string;
  containerIp: string | null;
}
export type TopoData = HostData | NetworkData | ContainerData | ForeignData | PortData;
export type TopoNode = Node<TopoData & Record<string, unknown>>;

export interface LinkData extends Record<string, unknown> {
  kind: 'uplink' | 'endpoint' | 'port';
  trunkX?: number; // x of the shared vertical (uplink, endpoint)
  laneX1?: number; // port routes: first and second vertical, and the lane between
  laneX2?: number;
  laneY?: number;
  label?: string; // near the target
  sublabel?: string; // near the source (the host veth)
  tone?: 'masq' | 'plain' | 'internal' | 'down';
}
export type TopoEdge = Edge<LinkData>;

export interface Topology {
  nodes: TopoNode[];
  edges: TopoEdge[];
  empty: boolean; // only predefined networks and no containers: the view explains what to do
  counts: { networks: number; containers: number; foreign: number; ports: number; endpoints: number };
}

const cidrIp = (s: string) => s.split('/')[0];
const cidrLen = (s: string) => (s.includes('/') ? Number(s.split('/')[1]) : null);
export const nodeIdOf = {
  host: () => 'host',
  network: (n: Pick<Network, 'Id'>) => `net:${n.Id}`,
  container: (c: Pick<Container, 'Id'>) => `ctr:${c.Id}`,
  foreign: (id: string) => `fgn:${id}`,
};

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

function hostInterfaces(host: HostInspect | null | undefined, bridges: Set<string>): HostIface[] {
  if (!host) return [];
  return host.links
    .filter((l) => l.kind !== 'loopback' && l.kind !== 'veth' && l.kind !== 'bridge' && !bridges.has(l.name))
    .filter((l) => l.kind === 'device' || l.addresses.length > 0)
    .map((l) => ({ name: l.name, kind: l.kind, state: l.state, addresses: l.addresses.filter((a) => !a.startsWith('fe80:')) }))
    .sort((a, b) => (b.addresses.length > 0 ? 1 : 0) - (a.addresses.length > 0 ? 1 : 0) || a.name.localeCompare(b.name))
    .slice(0, 6);
}

// Rows that collide, pushed apart in order (keeps each as close to its wish as it can).
function pack(items: { want: number; h: number }[], gap: number, min = -Infinity): number[] {
  const out: number[] = [];
  let bottom = min;
  for (const it of items) {
    const y = Math.max(it.want, bottom === -Infinity ? it.want : bottom + gap);
    out.push(y);
    bottom = y + it.h;
  }
  // pull the block back up if it slid down past its wishes on average
  return out;
}

export function buildTopology(input: TopologyInput): Topology {
  const links = input.host?.links ?? [];
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
  const bridges = new Set(nets.map(bridgeName));
  const berthIds = new Set(input.containers.map((c) => c.Id));

  // Sandboxes (Berth containers and foreign ones) with their endpoint rows.
  type Sb = { id: string; data: ContainerData | ForeignData; order: number; name: string };
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
      entry.rows.push({ network: n.Name, networkNode: nodeIdOf.network(n), ifname: 'eth?', ip: '', prefixLen: null, mac: '', endpointId: '', veth: null, active: true });
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

  // Order sandboxes by the mean index of their networks (none: last), then
  // Berth before foreign, running before stopped, name.
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
  const ctrH = (s: Sb) => G.ctrHead + Math.max(1, s.data.rows.length) * G.ctrRow + G.pad;
  const ctrY: number[] = [];
  let y = 0;
  for (const s of sandboxes) {
    ctrY.push(y);
    y += ctrH(s) + G.gapY;
  }
  const ctrTop = new Map(sandboxes.map((s, i) => [s.id, ctrY[i]]));
  const rowY = (sbId: string, i: number) => (ctrTop.get(sbId) ?? 0) + G.ctrHead + i * G.ctrRow + G.ctrRow / 2;

  // Networks centred on the rows that join them, in order, without overlap.
  const wants = nets.map((n, i) => {
    const ys: number[] = [];
    for (const s of sandboxes) s.data.rows.forEach((r, k) => r.network === n.Name && ys.push(rowY(s.id, k)));
    return { want: ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length - G.netH / 2 : NaN, h: G.netH, i };
  });
  // networks without endpoints go after the previous one
  let last = -G.netH - G.netGapY;
  for (const w of wants) {
    if (Number.isNaN(w.want)) w.want = last + G.netH + G.netGapY;
    last = w.want;
  }
  const netY = pack(wants, G.netGapY);
  // if packing pushed the column down, shift it up so its middle matches the wishes
  const drift = netY.reduce((a, v, i) => a + (v - wants[i].want), 0) / Math.max(1, netY.length);
  for (let i = 0; i < netY.length; i++) netY[i] -= drift / 2;
  const netTopById = new Map(nets.map((n, i) => [nodeIdOf.network(n), netY[i]]));

  // Host: centred on the networks column.
  const ifaces = hostInterfaces(input.host, bridges);
  const def = input.host?.routes.find((r) => r.dst === 'default' || r.dst === '0.0.0.0/0');
  const defaultRoute = def ? `default via ${def.gateway ?? '—'}${def.dev ? ` dev ${def.dev}` : ''}` : null;
  const hostH = G.hostHead + Math.max(1, ifaces.length) * G.hostRow + (defaultRoute ? G.hostRow : 0) + G.pad;
  const netsTop = netY.length ? Math.min(...netY) : 0;
  const netsBottom = netY.length ? Math.max(...netY) + G.netH : hostH;
  const hasPorts = sandboxes.some((s) => s.data.kind === 'container' && s.data.ports > 0);
  // its uplink handle level with the middle of the networks, unless ports hang below it
  const hostY = hasPorts ? netsTop : Math.max(netsTop - 40, (netsTop + netsBottom) / 2 - G.hostHead / 2);

  // Published ports, one node per container port (IPv4 and IPv6 bindings merged).
  const portNodes: { id: string; data: PortData; target: string; want: number }[] = [];
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
          want: (ctrTop.get(s.id) ?? 0) + G.ctrHead / 2 - G.portH / 2,
          data: {
            kind: 'port', label: `${hp}/${proto}`, hostIps, hostPort: Number(hp), containerPort: Number(cp), proto,
            container: name, containerNode: s.id, containerIp: gwIp,
          },
        });
      }
    }
  }
  portNodes.sort((a, b) => a.want - b.want || a.data.hostPort - b.data.hostPort);
  const portY = pack(portNodes.map((p) => ({ want: p.want, h: G.portH })), 12, hostY + hostH + 36 - 12);

  // Normalise so the picture starts at y = 0.
  const minY = Math.min(0, hostY, ...netY, ...ctrY, ...portY);
  const dy = -minY;

  const nodes: TopoNode[] = [];
  const edges: TopoEdge[] = [];
  const handle = (id: string, type: 'source' | 'target', position: 'left' | 'right', x: number, hy: number): NodeHandle => ({
    id, type, position: position as NodeHandle['position'], x: x - 4, y: hy - 4, width: 8, height: 8,
  });
  const sized = (w: number, h: number) => ({ width: w, height: h, measured: { width: w, height: h }, initialWidth: w, initialHeight: h });

  const hostData: HostData = {
    kind: 'host', label: 'Host', interfaces: ifaces, defaultRoute,
    kernel: input.system?.kernel ?? null, firewall: input.system?.firewallBackend ?? null,
    system: input.system ?? null, host: input.host ?? null,
  };
  nodes.push({
    id: 'host', type: 'host', position: { x: X.host, y: hostY + dy }, data: hostData as TopoNode['data'], ...sized(G.hostW, hostH),
    handles: [handle('out', 'source', 'right', G.hostW, G.hostHead / 2)],
    ariaLabel: `Host${ifaces.length ? `, interfaces ${ifaces.map((i) => `${i.name} ${i.addresses.join(' ')}`.trim()).join(', ')}` : ''}`,
    draggable: false, deletable: false,
  });

  nets.forEach((n, i) => {
    const f = networkFlags(n);
    const cfg = n.IPAM.Config[0];
    const bridge = bridgeName(n);
    const eps = sandboxes.reduce((a, s) => a + s.data.rows.filter((r) => r.network === n.Name).length, 0);
    const data: NetworkData = {
      kind: 'network', label: n.Name, network: n, bridge, subnet: cfg?.Subnet ?? '', gateway: cfg?.Gateway ?? '',
      internal: f.internal, icc: f.icc, masquerade: f.masquerade, isDefault: PREDEFINED.has(n.Name), endpoints: eps,
      bridgeLink: links.find((l) => l.name === bridge) ?? null,
    };
    const id = nodeIdOf.network(n);
    nodes.push({
      id, type: 'network', position: { x: X.net, y: netY[i] + dy }, data: data as TopoNode['data'], ...sized(G.netW, G.netH),
      handles: [handle('in', 'target', 'left', 0, G.netH / 2), handle('out', 'source', 'right', G.netW, G.netH / 2)],
      ariaLabel: `Network ${n.Name}, bridge ${bridge}, subnet ${data.subnet || 'none'}${data.gateway ? `, gateway ${data.gateway}` : ''}${f.internal ? ', internal' : ''}${f.masquerade ? ', masquerade' : ''}, ${eps} endpoint${eps === 1 ? '' : 's'}`,
      draggable: false, deletable: false,
    });
    const tone: LinkData['tone'] = f.internal ? 'internal' : f.masquerade ? 'masq' : 'plain';
    edges.push({
      id: `uplink:${n.Id}`, source: 'host', sourceHandle: 'out', target: id, targetHandle: 'in', type: 'link',
      className: `topo-edge topo-edge-uplink tone-${tone}`,
      data: { kind: 'uplink', trunkX: X.host + G.hostW + 36, label: f.internal ? 'internal' : f.masquerade ? 'NAT' : 'routed', tone },
      ariaLabel: `Host to network ${n.Name} through bridge ${bridge}${f.internal ? ', internal: no route out' : f.masquerade ? ', masqueraded' : ', not masqueraded'}`,
      focusable: false, deletable: false, selectable: false,
    });
  });

  const trunkOf = new Map(nets.map((n, i) => [nodeIdOf.network(n), X.net + G.netW + 30 + (i % 3) * 0]));
  sandboxes.forEach((s, i) => {
    const h = ctrH(s);
    const d = s.data;
    const rows = d.rows;
    const handles = [handle('pub', 'target', 'left', 0, G.ctrHead / 2 - 12), ...rows.map((_, k) => handle(`ep-${k}`, 'target', 'left', 0, G.ctrHead + k * G.ctrRow + G.ctrRow / 2))];
    const on = rows.map((r) => `${r.network} ${r.ip}`.trim()).join(', ');
    nodes.push({
      id: s.id, type: d.kind, position: { x: X.ctr, y: ctrY[i] + dy }, data: d as TopoNode['data'], ...sized(G.ctrW, h), handles,
      ariaLabel: d.kind === 'container'
        ? `Container ${d.label}, ${d.status}${on ? `, on ${on}` : ', no network'}`
        : `Foreign sandbox ${d.label} (${d.source})${on ? `, on ${on}` : ''}`,
      draggable: false, deletable: false,
    });
    rows.forEach((r, k) => {
      edges.push({
        id: `ep:${s.id}:${r.network}`, source: r.networkNode, sourceHandle: 'out', target: s.id, targetHandle: `ep-${k}`, type: 'link',
        className: `topo-edge topo-edge-endpoint${r.active ? '' : ' is-down'}`,
        data: { kind: 'endpoint', trunkX: trunkOf.get(r.networkNode), label: `${r.ifname}${r.ip ? ` ${r.ip}` : ''}`, sublabel: r.veth ?? undefined, tone: r.active ? 'plain' : 'down' },
        ariaLabel: `${d.label} ${r.ifname}${r.ip ? ` ${r.ip}` : ''} on ${r.network}${r.veth ? `, host veth ${r.veth}` : ''}`,
        focusable: false, deletable: false, selectable: false,
      });
    });
  });

  // Port routes: right from the port, along a lane clear of the network
  // boxes, down into the container's header.
  const netBoxes = nets.map((n) => ({ top: (netTopById.get(nodeIdOf.network(n)) ?? 0) + dy - 10, bottom: (netTopById.get(nodeIdOf.network(n)) ?? 0) + dy + G.netH + 10 }));
  const free = (ly: number) => !netBoxes.some((b) => ly > b.top && ly < b.bottom);
  const gaps = [
    ...(netBoxes.length ? [netBoxes[0].top - 14] : []),
    ...netBoxes.slice(0, -1).map((b, i) => (b.bottom + netBoxes[i + 1].top) / 2),
    ...(netBoxes.length ? [netBoxes[netBoxes.length - 1].bottom + 14] : []),
  ];
  portNodes.forEach((p, i) => {
    const py = portY[i] + dy;
    nodes.push({
      id: p.id, type: 'port', position: { x: X.host, y: py }, data: p.data as TopoNode['data'], ...sized(G.portW, G.portH),
      handles: [handle('out', 'source', 'right', G.portW, G.portH / 2)],
      ariaLabel: `Published port ${p.data.hostIps.join(' and ')} port ${p.data.hostPort}/${p.data.proto} to ${p.data.container}:${p.data.containerPort}`,
      draggable: false, deletable: false,
    });
    const sy = py + G.portH / 2;
    const ty = (ctrTop.get(p.target) ?? 0) + dy + G.ctrHead / 2 - 12;
    const cands = [sy, ty, ...gaps].filter(free);
    const best = cands.sort((a, b) => Math.abs(a - sy) + Math.abs(a - ty) - (Math.abs(b - sy) + Math.abs(b - ty)))[0];
    // routes sharing a gap between networks run side by side, not on top of each other
    const laneY = best === undefined ? ty : best === sy || best === ty ? best : best + ((i % 4) - 1.5) * 6;
    edges.push({
      id: `pub:${p.id}`, source: p.id, sourceHandle: 'out', target: p.target, targetHandle: 'pub', type: 'link',
      className: 'topo-edge topo-edge-port',
      data: { kind: 'port', laneX1: X.host + G.portW + 16 + (i % 4) * 6, laneX2: X.ctr - 14 - (i % 4) * 5, laneY, label: `:${p.data.containerPort}` },
      ariaLabel: `Port ${p.data.hostPort}/${p.data.proto} forwarded to ${p.data.container}:${p.data.containerPort}`,
      focusable: false, deletable: false, selectable: false,
    });
  });

  const userNets = nets.filter((n) => !PREDEFINED.has(n.Name));
  const foreignCount = sandboxes.filter((s) => s.data.kind === 'foreign').length;
  return {
    nodes,
    edges,
    empty: userNets.length === 0 && input.containers.length === 0 && foreignCount === 0,
    counts: {
      networks: nets.length,
      containers: input.containers.length,
      foreign: foreignCount,
      ports: portNodes.length,
      endpoints: sandboxes.reduce((a, s) => a + s.data.rows.length, 0),
    },
  };
}

// An orthogonal path through the given points, corners rounded.
export function roundedPath(points: { x: number; y: number }[], r = 8): string {
  const pts = points.filter((p, i) => i === 0 || p.x !== points[i - 1].x || p.y !== points[i - 1].y);
  // drop middle points on a straight line
  const clean = pts.filter((p, i) => {
    if (i === 0 || i === pts.length - 1) return true;
    const a = pts[i - 1];
    const b = pts[i + 1];
    return !((a.x === p.x && p.x === b.x) || (a.y === p.y && p.y === b.y));
  });
  if (clean.length === 0) return '';
  let d = `M${clean[0].x},${clean[0].y}`;
  for (let i = 1; i < clean.length; i++) {
    const p = clean[i];
    if (i === clean.length - 1) {
      d += ` L${p.x},${p.y}`;
      break;
    }
    const a = clean[i - 1];
    const b = clean[i + 1];
    const la = Math.hypot(p.x - a.x, p.y - a.y);
    const lb = Math.hypot(b.x - p.x, b.y - p.y);
    const k = Math.min(r, la / 2, lb / 2);
    const p1 = { x: p.x - ((p.x - a.x) / (la || 1)) * k, y: p.y - ((p.y - a.y) / (la || 1)) * k };
    const p2 = { x: p.x + ((b.x - p.x) / (lb || 1)) * k, y: p.y + ((b.y - p.y) / (lb || 1)) * k };
    d += ` L${p1.x},${p1.y} Q${p.x},${p.y} ${p2.x},${p2.y}`;
  }
  return d;
}
