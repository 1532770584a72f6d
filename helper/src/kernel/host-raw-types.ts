// The shapes `ip -json` prints (only the fields Berth reads) and the raw
// reading of the whole host that inspect/ turns into a HostInspect.
export interface IpAddrInfo {
  family: 'inet' | 'inet6' | string;
  local: string;
  prefixlen: number;
  scope?: string;
}
export interface IpLinkJson {
  ifindex: number;
  ifname: string;
  link?: string; // peer name when the peer is in the same namespace
  link_index?: number; // peer ifindex (in link_netnsid's namespace when that is set)
  link_netnsid?: number;
  flags?: string[];
  mtu?: number;
  operstate?: string;
  master?: string;
  address?: string;
  ifalias?: string;
  linkinfo?: { info_kind?: string; info_slave_kind?: string };
  addr_info?: IpAddrInfo[];
}
export interface IpRouteJson {
  dst: string;
  gateway?: string;
  dev?: string;
  scope?: string;
  protocol?: string;
  type?: string;
  table?: string;
}
export interface IpNsId {
  nsid: number;
  name?: string;
}

// A namespace other than the host's: a name under /run/netns, another nsfs
// mount (e.g. /run/docker/netns/…), or only a process.
export interface RawNetns {
  name: string | null;
  path: string; // what to enter it by: /run/netns/NAME, a mount point, or /proc/PID/ns/net
  inode: number;
  links: IpLinkJson[]; // `ip -json addr` inside it (links with addr_info)
  error: string | null;
}
export interface RawProcess {
  pid: number;
  comm: string;
  inode: number;
  cgroup: string | null; // read for one process per namespace only
}
export interface HostRaw {
  takenAt: string;
  hostInode: number;
  links: IpLinkJson[];
  addrs: IpLinkJson[];
  routes: IpRouteJson[];
  nsids: IpNsId[];
  netns: RawNetns[];
  processes: RawProcess[]; // those outside the host namespace
  ss: string | null; // `ss -Htulnp`
  iptables: { ipv4: string | null; ipv6: string | null }; // `iptables-save -c`
  nft: unknown; // `nft -j list ruleset`, null when unreadable
  errors: string[];
}
