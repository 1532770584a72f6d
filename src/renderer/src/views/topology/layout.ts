// The topology as a graph: pure data (networks, containers, foreign
// sandboxes, the host reading) → React Flow nodes and edges with positions,
// in three steps: the data join (join.ts), geometry (geometry.ts) and the
// React Flow objects (flow-objects.ts). Deterministic: the same data always
// gives the same picture.
//
//   host ─┬─ network ──┬── container
//   ports ┘  (bridge)  └── foreign sandbox
//
// Host (and its published ports) on the left, bridge networks in the middle,
// containers on the right; containers are ordered by the networks they join
// (barycentre), networks centred on their containers, ports beside theirs.
import { PREDEFINED, bridgeName } from '../../lib/format';
import { hostNode, networkObjects, portObjects, sandboxObjects, spreadEndpointTrunks } from './flow-objects';
import { placeHost, placeNetworks, placePorts, placeSandboxes, portLanes } from './geometry';
import { bridgeNetworks, defaultRouteOf, hostInterfaces, joinSandboxes, publishedPorts } from './join';
import { G, type HostData, type TopoEdge, type TopoNode, type Topology, type TopologyInput } from './model';

export function buildTopology(input: TopologyInput): Topology {
  // the data join
  const links = input.host?.links ?? [];
  const n = bridgeNetworks(input);
  const nets = n.nets;
  const sandboxes = joinSandboxes(input, n);
  const published = publishedPorts(sandboxes);
  const ifaces = hostInterfaces(input.host, new Set(nets.map(bridgeName)));
  const defaultRoute = defaultRouteOf(input.host);

  // geometry
  const { ctrY, ctrTop, rowY } = placeSandboxes(sandboxes);
  const netY = placeNetworks(nets, sandboxes, rowY);
  const hasPorts = sandboxes.some((s) => s.data.kind === 'container' && s.data.ports > 0);
  const { hostY, hostH } = placeHost(netY, { interfaces: ifaces.length, defaultRoute: defaultRoute !== null }, hasPorts);
  const { ports, portY } = placePorts(published, ctrTop, hostY + hostH);
  // Normalise so the picture starts at y = 0.
  const dy = -Math.min(0, hostY, ...netY, ...ctrY, ...portY);
  const laneYOf = portLanes(nets, netY, dy);

  // the React Flow objects
  const hostData: HostData = {
    kind: 'host', label: 'Host', interfaces: ifaces, defaultRoute,
    kernel: input.system?.kernel ?? null, firewall: input.system?.firewallBackend ?? null,
    system: input.system ?? null, host: input.host ?? null, hostError: input.host ? null : (input.hostError ?? null),
  };
  const nodes: TopoNode[] = [hostNode(hostData, hostY + dy, hostH)];
  const edges: TopoEdge[] = [];
  nets.forEach((net, i) => {
    const o = networkObjects(net, netY[i] + dy, sandboxes, links);
    nodes.push(o.node);
    edges.push(o.edge);
  });
  sandboxes.forEach((s, i) => {
    const o = sandboxObjects(s, ctrY[i] + dy);
    nodes.push(o.node);
    edges.push(...o.edges);
  });
  ports.forEach((p, i) => {
    const py = portY[i] + dy;
    const ty = (ctrTop.get(p.target) ?? 0) + dy + G.ctrHead / 2 - 12;
    const o = portObjects(p, i, py, laneYOf(py + G.portH / 2, ty, i));
    nodes.push(o.node);
    edges.push(o.edge);
  });

  spreadEndpointTrunks(nodes, edges);

  const userNets = nets.filter((x) => !PREDEFINED.has(x.Name));
  const foreignCount = sandboxes.filter((s) => s.data.kind === 'foreign').length;
  return {
    nodes,
    edges,
    empty: userNets.length === 0 && input.containers.length === 0 && foreignCount === 0,
    counts: {
      networks: nets.length,
      containers: input.containers.length,
      foreign: foreignCount,
      ports: ports.length,
      endpoints: sandboxes.reduce((a, s) => a + s.data.rows.length, 0),
    },
  };
}
