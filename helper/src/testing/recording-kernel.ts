import type { Kernel } from '../kernel/host-kernel';
import type { IpLink, IpRoute, NsRef } from '../kernel/links';

// A kernel in memory for root-free engine tests: it keeps the links each
// namespace has (from the `ip -batch` lines the engine sends), the sysctls
// and the host's routes, and lists every call in `calls`, so a test reads
// what the engine decided without a kernel:
//   ip: link add name br-… type bridge        (host namespace)
//   ip berth-1234: addr add 10.1.0.2/24 dev eth1
//   sysctl net.bridge.bridge-nf-call-iptables=1
// `fail` makes a batch with a matching line fail, as `ip` does (nothing of
// that batch is kept), to test the engine's rollback.
export interface RecordingKernel extends Kernel {
  calls: string[];
  links: Map<string, Set<string>>; // namespace ('' = the host's) → link names
  sysctls: Map<string, string>;
  routes: IpRoute[]; // the host's routes (a VPN, the LAN)
  netns: string[]; // named namespaces that exist
  fail: { line: RegExp; message: string } | null;
}

const HOST = '';

export function recordingKernel(o: { routes?: IpRoute[]; sysctls?: Record<string, string>; netns?: string[] } = {}): RecordingKernel {
  const linksOf = (ns: NsRef) => {
    const key = ns ?? HOST;
    if (!kernel.links.has(key)) kernel.links.set(key, new Set(['lo']));
    return kernel.links.get(key)!;
  };
  const asLinks = (names: Set<string>) => [...names].map((ifname, i) => ({ ifindex: i + 1, ifname, operstate: 'UP', mtu: 1500, address: '', flags: [], linkinfo: { info_kind: ifname.startsWith('br-') ? 'bridge' : 'veth' } }) as IpLink);

  const kernel: RecordingKernel = {
    calls: [],
    links: new Map([[HOST, new Set(['lo'])]]),
    sysctls: new Map(Object.entries({ 'net.ipv4.ip_forward': '1', 'net.bridge.bridge-nf-call-iptables': '0', 'net.ipv6.conf.all.forwarding': '0', ...o.sysctls })),
    routes: o.routes ?? [],
    netns: o.netns ?? [],
    fail: null,
    async ipBatch(ns, lines) {
      for (const l of lines) kernel.calls.push(`ip${ns ? ` ${ns}` : ''}: ${l}`);
      const bad = kernel.fail && lines.find((l) => kernel.fail!.line.test(l));
      if (bad) throw new Error(`ip -batch: ${kernel.fail!.message}`);
      for (const l of lines) applyLine(ns, l);
    },
    async listLinks(ns) {
      return asLinks(linksOf(ns));
    },
    async listAddrs() {
      return [];
    },
    async listRoutes(ns) {
      return ns === undefined ? kernel.routes : [];
    },
    async linkExists(name, ns) {
      return linksOf(ns).has(name);
    },
    async deleteLinks(names, ns) {
      kernel.calls.push(`ip${ns ? ` ${ns}` : ''}: link del ${names.join(' ')}`);
      const gone = names.filter((n) => !linksOf(ns).has(n));
      for (const n of names) deleteLink(ns, n);
      return gone;
    },
    async readSysctl(key) {
      return kernel.sysctls.get(key) ?? null;
    },
    async ensureSysctl(key, value) {
      if (kernel.sysctls.get(key) === value) return false;
      kernel.calls.push(`sysctl ${key}=${value}`);
      kernel.sysctls.set(key, value);
      return true;
    },
    async setIfSysctl6(ifname, name, value) {
      kernel.calls.push(`sysctl net.ipv6.conf.${ifname}.${name}=${value}`);
    },
    async listNetns() {
      return [...kernel.netns];
    },
    async procStartTime() {
      return null;
    },
    async isAlive() {
      return false;
    },
  };

  // veth peers, to delete both ends as the kernel does
  const peers = new Map<string, { ns: NsRef; name: string }>();
  function applyLine(ns: NsRef, line: string) {
    const add = /^link add name (\S+).*? type (bridge|veth)(?: peer name (\S+).*? netns (\S+))?/.exec(line);
    if (!add) return;
    linksOf(ns).add(add[1]);
    if (add[3]) {
      linksOf(add[4]).add(add[3]);
      peers.set(add[1], { ns: add[4], name: add[3] });
    }
  }
  function deleteLink(ns: NsRef, name: string) {
    linksOf(ns).delete(name);
    const peer = peers.get(name);
    if (peer) linksOf(peer.ns).delete(peer.name);
    peers.delete(name);
  }
  return kernel;
}
