// The React Flow objects: one node per box with its handles and an
// accessible name, one edge per link, from the joined data (join.ts) and
// the positions (geometry.ts). Nothing here is draggable or deletable.
import type { NodeHandle } from '@xyflow/react';
import type { Network } from '../../../../shared/network';
import { bridgeName, networkFlags, networkGateways, networkSubnets, PREDEFINED } from '../../lib/format';
import { ctrH } from './geometry';
import type { Sb } from './join';
import { G, nodeIdOf, X, type HostData, type HostLink, type LinkData, type NetworkData, type PortData, type TopoEdge, type TopoNode } from './model';

const handle = (id: string, type: 'source' | 'target', position: 'left' | 'right', x: number, hy: number): NodeHandle => ({
  id, type, position: position as NodeHandle['position'], x: x - 4, y: hy - 4, width: 8, height: 8,
});
const sized = (w: number, h: number) => ({ width: w, height: h, measured: { width: w, height: h }, initialWidth: w, initialHeight: h });

export function hostNode(data: HostData, y: number, h: number): TopoNode {
  const ifaces = data.interfaces;
  return {
    id: 'host', type: 'host', position: { x: X.host, y }, data: data as TopoNode['data'], ...sized(G.hostW, h),
    handles: [handle('out', 'source', 'right', G.hostW, G.hostHead / 2)],
    ariaLabel: `Host${ifaces.length ? `, interfaces ${ifaces.map((i) => `${i.name} ${i.addresses.join(' ')}`.trim()).join(', ')}` : ''}`,
    draggable: false, deletable: false,
  };
}

// A network's box and its uplink from the host.
export function networkObjects(n: Network, y: number, sandboxes: Sb[], links: HostLink[]): { node: TopoNode; edge: TopoEdge } {
  const f = networkFlags(n);
  const cfg = n.IPAM.Config[0];
  const bridge = bridgeName(n);
  const eps = sandboxes.reduce((a, s) => a + s.data.rows.filter((r) => r.network === n.Name).length, 0);
  const data: NetworkData = {
    kind: 'network', label: n.Name, network: n, bridge, subnet: cfg?.Subnet ?? '', gateway: cfg?.Gateway ?? '',
    subnets: networkSubnets(n), gateways: networkGateways(n),
    internal: f.internal, icc: f.icc, masquerade: f.masquerade, isDefault: PREDEFINED.has(n.Name), endpoints: eps,
    bridgeLink: links.find((l) => l.name === bridge) ?? null,
  };
  const id = nodeIdOf.network(n);
  const node: TopoNode = {
    id, type: 'network', position: { x: X.net, y }, data: data as TopoNode['data'], ...sized(G.netW, G.netH),
    handles: [handle('in', 'target', 'left', 0, G.netH / 2), handle('out', 'source', 'right', G.netW, G.netH / 2)],
    ariaLabel: `Network ${n.Name}, bridge ${bridge}, subnet ${data.subnet || 'none'}${data.gateway ? `, gateway ${data.gateway}` : ''}${f.internal ? ', internal' : ''}${f.masquerade ? ', masquerade' : ''}, ${eps} endpoint${eps === 1 ? '' : 's'}`,
    draggable: false, deletable: false,
  };
  const tone: LinkData['tone'] = f.internal ? 'internal' : f.masquerade ? 'masq' : 'plain';
  const edge: TopoEdge = {
    id: `uplink:${n.Id}`, source: 'host', sourceHandle: 'out', target: id, targetHandle: 'in', type: 'link',
    className: `topo-edge topo-edge-uplink tone-${tone}`,
    data: { kind: 'uplink', trunkX: X.host + G.hostW + 36, label: f.internal ? 'internal' : f.masquerade ? 'NAT' : 'routed', tone },
    ariaLabel: `Host to network ${n.Name} through bridge ${bridge}${f.internal ? ', internal: no route out' : f.masquerade ? ', masqueraded' : ', not masqueraded'}`,
    focusable: false, deletable: false, selectable: false,
  };
  return { node, edge };
}

// Where a network's endpoint links turn: the first at trunkX, the others
// further right (spreadEndpointTrunks), each on its own vertical.
const trunkX = X.net + G.netW + 30;
const TRUNK_SPAN = 130; // room left of the labels beside the containers

// A sandbox's box and an edge from each network it joins to its row.
export function sandboxObjects(s: Sb, y: number): { node: TopoNode; edges: TopoEdge[] } {
  const h = ctrH(s);
  const d = s.data;
  const rows = d.rows;
  const handles = [handle('pub', 'target', 'left', 0, G.ctrHead / 2 - 12), ...rows.map((_, k) => handle(`ep-${k}`, 'target', 'left', 0, G.ctrHead + k * G.ctrRow + G.ctrRow / 2))];
  const on = rows.map((r) => `${r.network} ${r.ip}`.trim()).join(', ');
  const node: TopoNode = {
    id: s.id, type: d.kind, position: { x: X.ctr, y }, data: d as TopoNode['data'], ...sized(G.ctrW, h), handles,
    ariaLabel: d.kind === 'container'
      ? `Container ${d.label}, ${d.status}${on ? `, on ${on}` : ', no network'}`
      : `Foreign sandbox ${d.label} (${d.source})${on ? `, on ${on}` : ''}`,
    draggable: false, deletable: false,
  };
  const edges = rows.map((r, k): TopoEdge => ({
    id: `ep:${s.id}:${r.network}`, source: r.networkNode, sourceHandle: 'out', target: s.id, targetHandle: `ep-${k}`, type: 'link',
    className: `topo-edge topo-edge-endpoint${r.active ? '' : ' is-down'}`,
    data: { kind: 'endpoint', trunkX, label: `${r.ifname}${r.ip ? ` ${r.ip}` : ''}`, sublabel: r.veth ?? undefined, tone: r.active ? 'plain' : 'down' },
    ariaLabel: `${d.label} ${r.ifname}${r.ip ? ` ${r.ip}` : ''} on ${r.network}${r.veth ? `, host veth ${r.veth}` : ''}`,
    focusable: false, deletable: false, selectable: false,
  }));
  return { node, edges };
}

// A published port's box under the host and its route into the
// container's header, along lane y `laneY` (geometry.ts portLanes).
export function portObjects(p: { id: string; data: PortData; target: string }, i: number, py: number, laneY: number): { node: TopoNode; edge: TopoEdge } {
  const node: TopoNode = {
    id: p.id, type: 'port', position: { x: X.host, y: py }, data: p.data as TopoNode['data'], ...sized(G.portW, G.portH),
    handles: [handle('out', 'source', 'right', G.portW, G.portH / 2)],
    ariaLabel: `Published port ${p.data.hostIps.join(' and ')} port ${p.data.hostPort}/${p.data.proto} to ${p.data.container}:${p.data.containerPort}`,
    draggable: false, deletable: false,
  };
  const edge: TopoEdge = {
    id: `pub:${p.id}`, source: p.id, sourceHandle: 'out', target: p.target, targetHandle: 'pub', type: 'link',
    className: 'topo-edge topo-edge-port',
    data: { kind: 'port', laneX1: X.host + G.portW + 16 + (i % 4) * 6, laneX2: X.ctr - 14 - (i % 4) * 5, laneY, label: `:${p.data.containerPort}` },
    ariaLabel: `Port ${p.data.hostPort}/${p.data.proto} forwarded to ${p.data.container}:${p.data.containerPort}`,
    focusable: false, deletable: false, selectable: false,
  };
  return { node, edge };
}

// The endpoint links leaving one network would share one vertical (a bus,
// where one cannot tell which line goes where): each gets its own, the
// farthest-reaching turning first, so that no two cross or overlap.
export function spreadEndpointTrunks(nodes: TopoNode[], edges: TopoEdge[]): void {
  const mid = new Map(nodes.map((n) => [n.id, n]));
  const yOf = (e: TopoEdge) => {
    const t = mid.get(e.target);
    const h = t?.handles?.find((x) => x.id === e.targetHandle);
    return (t?.position.y ?? 0) + (h ? h.y + (h.height ?? 0) / 2 : 0);
  };
  const bySource = new Map<string, TopoEdge[]>();
  for (const e of edges) if (e.data?.kind === 'endpoint') bySource.set(e.source, [...(bySource.get(e.source) ?? []), e]);
  for (const [src, list] of bySource) {
    const s = mid.get(src);
    const sy = (s?.position.y ?? 0) + G.netH / 2;
    const step = list.length > 1 ? Math.min(14, TRUNK_SPAN / (list.length - 1)) : 0;
    list
      .sort((a, b) => Math.abs(yOf(b) - sy) - Math.abs(yOf(a) - sy))
      .forEach((e, k) => {
        e.data = { ...e.data!, trunkX: trunkX + k * step };
      });
  }
}
