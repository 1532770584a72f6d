// The store holds Berth's desired state: what the user asked for and what
// was allocated. The kernel is made to match it (engine/reconcile.ts).
// File: <data-root>/state.json, written atomically; <data-root>/lock keeps
// two helpers apart.
export const STATE_VERSION = 1;

export interface NetworkRecord {
  id: string; // 64 hex
  name: string;
  driver: 'bridge' | 'host' | 'null';
  created: string;
  predefined: boolean; // bridge, host, none
  bridge: string; // Linux bridge name ('' for host/null)
  subnet: string;
  gateway: string;
  ipRange?: string;
  auxAddresses: Record<string, string>;
  userSubnet: boolean;
  userGateway: boolean;
  internal: boolean;
  icc: boolean;
  masquerade: boolean;
  mtu: number; // 0: kernel default
  options: Record<string, string>; // driver options as given (Docker names)
  labels: Record<string, string>;
}

export interface EndpointRecord {
  id: string; // 64 hex
  networkId: string;
  ip: string;
  prefixLen: number;
  mac: string;
  ifname: string; // inside the sandbox (eth0, eth1, …)
  hostVeth: string; // veth<7 hex>
  staticIp: boolean;
}

export interface PortRecord {
  hostIp: string;
  hostPort: number;
  containerPort: number;
  proto: 'tcp' | 'udp' | 'sctp';
  spec: string; // the -p value it came from ('' for -P), so `port rm` can update portSpecs
  // set when the helper could not bind the port again at restore: no rule is
  // written for it and the container is 'degraded' until it binds
  error?: string;
}

export type ContainerStatus = 'created' | 'running' | 'exited' | 'degraded';

export interface ContainerRecord {
  id: string;
  name: string;
  created: string;
  cmd: string[];
  env: string[];
  workdir: string;
  hostname: string;
  uid: number;
  gid: number;
  autoRemove: boolean;
  networkMode: string; // 'bridge' | 'host' | 'none' | 'container:<id>' | network name
  networks: { networkId: string; staticIp?: string }[]; // in connect order
  ports: PortRecord[];
  portSpecs: string[];
  publishAll: boolean;
  expose: string[];
  state: {
    status: ContainerStatus;
    pid: number;
    startTime: string;
    exitCode: number;
    startedAt: string;
    finishedAt: string;
    error: string;
  };
  netns: string | null; // berth-<id12> while running (own sandbox)
  endpoints: EndpointRecord[]; // live only while running
}

// A sandbox Berth did not start (a process's or a named netns) that a Berth
// network was connected to.
export interface ForeignRecord {
  id: string; // 'pid:<pid>:<starttime>' or 'netns:<name>'
  kind: 'pid' | 'netns';
  pid?: number;
  startTime?: string;
  netnsName?: string;
  endpoints: EndpointRecord[];
}

export interface State {
  version: number;
  networks: Record<string, NetworkRecord>;
  containers: Record<string, ContainerRecord>;
  foreign: Record<string, ForeignRecord>;
}

export const emptyState = (): State => ({ version: STATE_VERSION, networks: {}, containers: {}, foreign: {} });
