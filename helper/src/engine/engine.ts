import { BerthError } from '../../../src/shared/errors';
import type { BerthEvent } from '../../../src/shared/events';
import type { FirewallBackend } from '../firewall/backend';
import type { FirewallModel } from '../firewall/model';
import { Ipam } from '../ipam/ipam';
import { DEFAULT_POOLS, ulaPool } from '../ipam/pools';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { poolsOf } from '../store/network-pools';
import type { ContainerRecord, NetworkRecord, State } from '../store/state';
import type { Store } from '../store/store';
import { Undo } from './undo-steps';
import type { HostOriginals } from './host-originals';
import { dropEmptyIptablesTables } from '../firewall/reset';
import { isAlive } from '../kernel/process';
import { readExit, type ExitRecord } from '../kernel/shim';
import type { PortService } from './ports';

export interface EngineOptions {
  store: Store; // FileStore in the helper, MemoryStore in root-free tests
  firewall: FirewallBackend;
  ownerUid: number;
  logDir: string;
  utsDir: string;
  etcDir: string; // containers' own resolv.conf and hosts (docs/dns.md)
  // what the host looked like before Berth changed it; none in root-free tests
  originals?: HostOriginals;
  // Published ports: the service runs its own transactions on this engine,
  // so the engine makes it, once, in its constructor.
  ports: (eng: Engine) => PortService;
  // how to start a container's shim (kernel/shim.ts): this program, `node SCRIPT shim-internal`
  shim: { node: string; script: string };
  // A container's process ended: the status its shim recorded (255 when none did), and when.
  onExit: (eng: Engine, id: string, pid: number, code: number, error?: string, finishedAt?: string) => void;
}

// Holds the committed state and runs every mutation through one queue, so
// operations never interleave. A mutation works on a draft; the draft is
// saved (fsync'd) before the caller hears success.
// Docker's default pools plus a ULA /48 of this host's own for automatic
// IPv6 subnets (Docker 27+), seeded by the machine id so it stays put.
const machineId = () => {
  try {
    return readFileSync('/etc/machine-id', 'utf8').trim() || hostname();
  } catch {
    return hostname();
  }
};
const IPAM_POOLS = [...DEFAULT_POOLS, ulaPool(machineId())];

export class Engine {
  state: State;
  ipam = new Ipam(IPAM_POOLS);
  readonly hostChanges: string[] = [];
  readonly warnings: string[] = [];
  forwardPolicyDrop = false;
  // Berth just turned IPv6 forwarding on: the next apply sets the IPv6 forward policy to drop
  forwardPolicyDrop6 = false;
  // what the host looked like before Berth changed it (berth system reset puts it back)
  readonly originals: HostOriginals | null;
  // exit codes of auto-removed containers, for callers still waiting on them
  readonly lastExit = new Map<string, number>();
  private adopted = new Map<string, NodeJS.Timeout>();
  private queue: Promise<unknown> = Promise.resolve();
  private listeners = new Set<(e: BerthEvent) => void>();
  // published ports: rendered by the firewall backend with the rest, host ports bound per container
  readonly ports: PortService;
  private exits = new Map<string, { pid: number; code: Promise<number> }>();

  constructor(readonly opts: EngineOptions) {
    this.state = opts.store.load();
    this.originals = opts.originals ?? null;
    this.ports = opts.ports(this);
  }

  serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => {});
    return p;
  }

  tx<T>(fn: (draft: State, undo: Undo) => Promise<T>): Promise<T> {
    return this.serial(async () => {
      const draft = structuredClone(this.state);
      const undo = new Undo();
      try {
        const r = await fn(draft, undo);
        this.opts.store.save(draft);
        this.state = draft;
        return r;
      } catch (e) {
        const errs = await undo.run();
        this.rebuildIpam(this.state);
        if (errs.length && e instanceof Error) e.message += ` (rollback: ${errs.join('; ')})`;
        throw e;
      }
    });
  }

  rebuildIpam(s: State): void {
    this.ipam = new Ipam(IPAM_POOLS);
    for (const n of Object.values(s.networks)) {
      if (n.driver !== 'bridge') continue;
      for (const p of poolsOf(n)) this.ipam.restorePool(n.id, p);
    }
    for (const ep of allEndpoints(s)) if (s.networks[ep.networkId]) for (const ip of [ep.ip, ep.ip6]) if (ip) this.ipam.reserveAddress(ep.networkId, ip);
  }

  // What the firewall must express for `s`; the backend renders it.
  firewallModel(s: State): FirewallModel {
    const networks = Object.values(s.networks).filter((n) => n.driver === 'bridge');
    const endpoints = allEndpoints(s).flatMap((ep) => {
      const n = s.networks[ep.networkId];
      return n ? [{ id: ep.id, bridge: n.bridge, ip: ep.ip, ip6: ep.ip6, internal: n.internal }] : [];
    });
    return { networks, endpoints, ports: this.ports.published(s) };
  }

  // Makes the kernel's Berth rules match `s`; registers the way back.
  async syncFirewall(s: State, undo?: Undo): Promise<void> {
    const m = this.firewallModel(s);
    // what the operation removed is still its own to delete
    const previous = this.firewallModel(this.state);
    await this.opts.firewall.apply(m, { previous, forwardPolicyDrop6: this.forwardPolicyDrop6 });
    this.forwardPolicyDrop6 = false;
    // the last endpoint gone: iptables-nft leaves an empty `table ip raw` that was not there before Berth
    if (this.opts.firewall.name === 'iptables' && previous.endpoints.length && !m.endpoints.length)
      await dropEmptyIptablesTables(this.originals?.get().nftTables, ['raw']).catch(() => []);
    // back to the committed state, deleting what this operation added
    undo?.push(() => this.opts.firewall.apply(this.firewallModel(this.state), { previous: m }));
  }

  // Runs `links` (link and address changes) while the firewall is synced to
  // `s`: the two touch different kernel objects, and on a small machine an
  // operation's wall time is mostly waiting for those programs. `s` must
  // already be the operation's final state. Both are settled before a
  // failure is thrown, so the rollback never races a step still running.
  async alongFirewall<T>(s: State, undo: Undo, links: () => Promise<T>): Promise<T> {
    const [l, f] = await Promise.allSettled([links(), this.syncFirewall(s, undo)]);
    if (l.status === 'rejected') throw l.reason;
    if (f.status === 'rejected') throw f.reason;
    return l.value;
  }

  // Shims we started report when they end; those adopted after a helper
  // restart are polled, and their status read from the record they leave.
  watchExit(id: string, pid: number, code: Promise<number>): void {
    this.exits.set(id, { pid, code });
    void code.then(async (c) => {
      if (this.exits.get(id)?.pid === pid) this.exits.delete(id);
      const r = await this.exitRecord(id, pid);
      this.opts.onExit(this, id, pid, r?.exitCode ?? c, r?.error, r?.finishedAt);
    });
  }
  adopt(id: string, st: { pid: number; startTime: string; shimPid?: number; shimStartTime?: string }): void {
    let goneAt = 0;
    // a tick still awaiting /proc on a loaded machine: the next one skips, so the exit is reported once
    let busy = false;
    const t = setInterval(async () => {
      if (busy) return;
      busy = true;
      try {
        if (await isAlive(st.pid, st.startTime)) return;
        // the shim writes the status after the last output: give it a few seconds
        goneAt ||= Date.now();
        if (st.shimPid && (await isAlive(st.shimPid, st.shimStartTime ?? '')) && Date.now() - goneAt < 10_000) return;
        clearInterval(t);
        this.adopted.delete(id);
        const r = await this.exitRecord(id, st.pid);
        if (r) this.opts.onExit(this, id, st.pid, r.exitCode, r.error, r.finishedAt);
        else this.opts.onExit(this, id, st.pid, 255, 'the process ended and no exit status was recorded');
      } finally {
        busy = false;
      }
    }, 500);
    t.unref();
    this.adopted.set(id, t);
  }

  // What the container's shim recorded for run `pid` (kernel/shim.ts).
  exitRecord(id: string, pid: number): Promise<ExitRecord | null> {
    return readExit(`${this.opts.logDir}/${id}`, pid);
  }
  stopWatching(): void {
    for (const t of this.adopted.values()) clearInterval(t);
    this.adopted.clear();
  }

  // The status of a run that just ended: from our child shim, else (adopted
  // after a restart) from its record, which may take the shim a moment.
  async exitCodeOf(id: string, pid: number): Promise<number | null> {
    const e = this.exits.get(id);
    if (e && e.pid === pid) return Promise.race([e.code, new Promise<null>((r) => setTimeout(() => r(null), 5000))]);
    for (let i = 0; i < 50; i++) {
      const r = await this.exitRecord(id, pid);
      if (r) return r.exitCode;
      await new Promise((res) => setTimeout(res, 100));
    }
    return null;
  }

  on(cb: (e: BerthEvent) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }
  emit(e: BerthEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        /* a listener's failure is its own */
      }
    }
  }
}

export const allEndpoints = (s: State) => [
  ...Object.values(s.containers).flatMap((c) => c.endpoints),
  ...Object.values(s.foreign).flatMap((f) => f.endpoints),
];

export function findNetwork(s: State, ref: string): NetworkRecord {
  const all = Object.values(s.networks);
  const n =
    all.find((x) => x.name === ref) ?? all.find((x) => x.id === ref) ?? uniquePrefix(all, ref, (x) => x.id);
  if (!n) throw new BerthError('not_found', `network ${ref} not found`);
  return n;
}

export function findContainer(s: State, ref: string): ContainerRecord {
  const r = ref.replace(/^\//, '');
  const all = Object.values(s.containers);
  const c = all.find((x) => x.name === r) ?? all.find((x) => x.id === r) ?? uniquePrefix(all, r, (x) => x.id);
  if (!c) throw new BerthError('not_found', `No such container: ${ref}`);
  return c;
}

function uniquePrefix<T>(all: T[], ref: string, id: (x: T) => string): T | undefined {
  if (!/^[0-9a-f]{1,64}$/.test(ref)) return undefined;
  const m = all.filter((x) => id(x).startsWith(ref));
  if (m.length > 1) throw new BerthError('invalid_argument', `${ref} matches more than one object; give more of the id`);
  return m[0];
}
