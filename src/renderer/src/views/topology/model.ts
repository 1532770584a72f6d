// What the topology graph holds: the input, the data of each node kind and
// of the links, the geometry constants the node components share, and node
// ids. join.ts reads the data, geometry.ts places it, flow-objects.ts makes
// the React Flow nodes and edges; layout.ts runs the three.
import type { Edge, Node } from '@xyflow/react';
import type { Container, ForeignSandbox } from '../../../../shared/container';
import type { HostInspectAnswer } from '../../../../shared/inspect';
import type { Network } from '../../../../shared/network';
import type { SystemInfo } from '../../../../shared/system';

export type HostLink = HostInspectAnswer['links'][number];

export interface TopologyInput {
  networks: Network[];
  containers: Container[];
  foreign?: ForeignSandbox[] | null;
  host?: HostInspectAnswer | null;
  hostError?: string | null; // the host reading failed: said so, not "reading…" forever
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
  host: HostInspectAnswer | null;
  hostError: string | null;
}
export interface NetworkData {
  kind: 'network';
  label: string;
  network: Network;
  bridge: string;
  subnet: string; // the first (IPv4 on a dual-stack network)
  gateway: string;
  subnets: string[]; // every one, both families (docs/ipv6.md)
  gateways: string[];
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
  ip6: string; // '' without IPv6
  prefixLen6: number | null;
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

export const nodeIdOf = {
  host: () => 'host',
  network: (n: Pick<Network, 'Id'>) => `net:${n.Id}`,
  container: (c: Pick<Container, 'Id'>) => `ctr:${c.Id}`,
  foreign: (id: string) => `fgn:${id}`,
};
