import { constants as osConstants } from 'node:os';
import type { Kernel } from '../kernel/host-kernel';
import type { IpLink, IpRoute, NsRef } from '../kernel/links';
import type { ExitRecord } from '../kernel/shim';

// A kernel in memory for root-free engine tests: it keeps the links each
// namespace has (from the `ip -batch` lines the engine sends), the named
// network namespaces, the hostname (UTS) files, the sysctls, the host's
// routes and the containers' processes, and lists every call in `calls`, so a
// test reads what the engine decided without a kernel:
//   ip: link add name br-… type bridge        (host namespace)
//   ip berth-1234: addr add 10.1.0.2/24 dev eth1
//   netns add berth-1234
//   uts /data/uts/1234 hostname web
//   start sleep infinity (uid 1000, netns /run/netns/berth-1234)
//   kill -SIGTERM -5000000
//   sysctl net.bridge.bridge-nf-call-iptables=1
// `fail` makes a batch (or a netns, uts or shim step) with a matching line
// fail, as the program does (nothing of that step is kept), to test the
// engine's rollback. Processes get pids above the kernel's largest pid_max
// (2^22), so one that reached a real kill(2) by mistake signals nobody.
export interface RecordingKernel extends Kernel {
  // the two halves of createSandboxNs, for tests that leave strays behind
  addNetns(name: string): Promise<void>;
  createUts(file: string, hostname: string): Promise<void>;
  calls: string[];
  links: Map<string, Set<string>>; // namespace ('' = the host's) → link names
  sysctls: Map<string, string>;
  routes: IpRoute[]; // the host's routes (a VPN, the LAN)
  netns: string[]; // named namespaces that exist
  uts: Map<string, string>; // UTS namespace file → its hostname
  procs: Map<number, FakeProcess>; // containers' processes, by pid, ended ones too
  programs: Set<string>; // the commands found on PATH
  fail: { line: RegExp; message: string } | null;
  // the process ends with `code`, as if its command exited; its shim records it
  exit(pid: number, code: number): void;
}

export interface FakeProcess {
  pid: number;
  shimPid: number;
  argv: string[];
  uid: number;
  netnsPath: string | null;
  utsPath: string | null;
  dir: string; // the container's directory, where its shim keeps the exit record
  alive: boolean;
  ignores: Set<NodeJS.Signals>; // signals the command handles without ending (a shell's SIGTERM trap)
  record: ExitRecord | null;
  end: (code: number) => void;
}

const HOST = '';
const FIRST_PID = 5_000_000;
// signals whose default action does not end a process
const HARMLESS = new Set<string>(['SIGCHLD', 'SIGCONT', 'SIGURG', 'SIGWINCH']);

export function recordingKernel(o: { routes?: IpRoute[]; sysctls?: Record<string, string>; netns?: string[] } = {}): RecordingKernel {
  const linksOf = (ns: NsRef) => {
    const key = ns ?? HOST;
    if (!kernel.links.has(key)) kernel.links.set(key, new Set(['lo']));
    return kernel.links.get(key)!;
  };
  const asLinks = (names: Set<string>) => [...names].map((ifname, i) => ({ ifindex: i + 1, ifname, operstate: 'UP', mtu: 1500, address: '', flags: [], linkinfo: { info_kind: ifname.startsWith('br-') ? 'bridge' : 'veth' } }) as IpLink);
  // records the call; throws as the program would when `fail` matches it
  const step = (line: string) => {
    kernel.calls.push(line);
    if (kernel.fail?.line.test(line)) throw new Error(kernel.fail.message);
  };
  const live = (pid: number) => [...kernel.procs.values()].find((p) => (p.pid === pid || p.shimPid === pid) && p.alive);
  let nextPid = FIRST_PID;

  const kernel: RecordingKernel = {
    calls: [],
    links: new Map([[HOST, new Set(['lo'])]]),
    sysctls: new Map(Object.entries({ 'net.ipv4.ip_forward': '1', 'net.bridge.bridge-nf-call-iptables': '0', 'net.ipv6.conf.all.forwarding': '0', ...o.sysctls })),
    routes: o.routes ?? [],
    netns: o.netns ?? [],
    uts: new Map(),
    procs: new Map(),
    programs: new Set(['sh', 'sleep', 'cat', 'echo', 'true', 'false']),
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
    // A link reaped with a sandbox scope (a veth whose peer stays behind in
    // it) is kept until a wait covers it, as the real deletion runs later:
    // a join that does not wait meets its peer's name. Others go at once.
    async reapLinks(names, scope) {
      kernel.calls.push(`ip: link del ${names.join(' ')}`);
      for (const n of names) if (scope === undefined) deleteLink(undefined, n);
      else reaping.set(n, scope);
    },
    async linksReaped(which = {}) {
      const all = which.names === undefined && which.scope === undefined;
      for (const [n, scope] of reaping)
        if (all || which.names?.includes(n) || scope === which.scope) {
          reaping.delete(n);
          deleteLink(undefined, n);
        }
    },
    linksLeaving: () => [...reaping.keys()],
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
    async addNetns(name) {
      step(`netns add ${name}`);
      if (kernel.netns.includes(name)) throw new Error(`Cannot create namespace file "/run/netns/${name}": File exists`);
      kernel.netns.push(name);
      linksOf(name);
    },
    async deleteNetns(name) {
      step(`netns delete ${name}`);
      if (!kernel.netns.includes(name)) return false;
      kernel.netns = kernel.netns.filter((n) => n !== name);
      // the namespace's veths go with it, and so do their host ends
      for (const [host, peer] of peers) if (peer.ns === name) deleteLink(undefined, host);
      kernel.links.delete(name);
      return true;
    },
    async createUts(file, hostname) {
      step(`uts ${file} hostname ${hostname}`);
      kernel.uts.set(file, hostname);
    },
    async deleteUts(file) {
      step(`uts delete ${file}`);
      kernel.uts.delete(file);
    },
    async createSandboxNs(netns, uts) {
      await kernel.addNetns(netns);
      if (uts) await kernel.createUts(uts.file, uts.hostname);
    },
    async deleteSandboxNs(netns, file) {
      await kernel.deleteNetns(netns);
      await kernel.deleteUts(file);
    },
    async listUts(dir) {
      return [...kernel.uts.keys()].filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1));
    },
    async releaseUtsDir() {
      return 'not mounted' as const;
    },
    async startShim(s) {
      step(`start ${s.argv.join(' ')} (uid ${s.uid}${s.netnsPath ? `, netns ${s.netnsPath}` : ''})`);
      const pid = nextPid;
      nextPid += 2;
      let end!: (code: number) => void;
      const exited = new Promise<number>((resolve) => (end = resolve));
      const p: FakeProcess = {
        pid, shimPid: pid + 1, argv: s.argv, uid: s.uid, netnsPath: s.netnsPath, utsPath: s.utsPath, dir: s.dir, alive: true, ignores: new Set(), record: null,
        end: (code) => {
          if (!p.alive) return;
          p.alive = false;
          p.record = { pid, exitCode: code, finishedAt: new Date().toISOString(), error: '' };
          end(code);
        },
      };
      kernel.procs.set(pid, p);
      return { pid, startTime: String(pid), shimPid: pid + 1, shimStartTime: String(pid + 1), exited };
    },
    async readExit(dir, pid) {
      const p = kernel.procs.get(pid);
      return p && p.dir === dir ? p.record : null;
    },
    prepareShim() {},
    async connectAttach() {
      throw new Error('a root-free test has no shim to attach to');
    },
    async procStartTime(pid) {
      return live(pid) ? String(pid) : null;
    },
    async isAlive(pid, startTime) {
      return live(pid) !== undefined && (!startTime || startTime === String(pid));
    },
    async childrenOf() {
      return [];
    },
    signalGroup(pid, sig) {
      kernel.calls.push(`kill -${sig} -${pid}`);
      signal(pid, sig);
    },
    signalProcess(pid, sig) {
      kernel.calls.push(`kill -${sig} ${pid}`);
      signal(pid, sig);
    },
    async userOf(uid) {
      return { name: `user${uid}`, gid: uid, home: `/home/user${uid}`, known: true };
    },
    async commandLineView() {
      return () => true;
    },
    async resolveExecutable(cmd) {
      const name = cmd.slice(cmd.lastIndexOf('/') + 1);
      if (kernel.programs.has(name)) return cmd.includes('/') ? cmd : `/usr/bin/${cmd}`;
      throw new Error(cmd.includes('/') ? `exec: "${cmd}": no such file or executable` : `exec: "${cmd}": executable file not found in $PATH`);
    },
    async nftTableNames() {
      return [];
    },
    exit(pid, code) {
      kernel.procs.get(pid)?.end(code);
    },
  };

  function signal(pid: number, sig: NodeJS.Signals) {
    const p = live(pid);
    if (!p || p.pid !== pid || HARMLESS.has(sig) || (sig !== 'SIGKILL' && p.ignores.has(sig))) return;
    p.end(128 + (osConstants.signals as Record<string, number>)[sig]);
  }

  // veth peers, to delete both ends as the kernel does
  const peers = new Map<string, { ns: NsRef; name: string }>();
  const reaping = new Map<string, string>(); // link → sandbox scope, deleted when waited for
  function applyLine(ns: NsRef, line: string) {
    const add = /^link add name (\S+).*? type (bridge|veth)(?: peer name (\S+).*? netns (\S+))?/.exec(line);
    if (!add) return;
    if (add[3] && linksOf(add[4]).has(add[3])) throw new Error('ip -batch: RTNETLINK answers: File exists');
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
