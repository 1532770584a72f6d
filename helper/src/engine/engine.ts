import { BerthError } from '../../../src/shared/errors';
import { AsyncLocalStorage } from 'node:async_hooks';
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
import { dropEmptyIptablesTables, readForwardPolicy } from '../firewall/reset';
import type { ExitRecord } from '../kernel/shim';
import type { PortService } from './ports';
import { FlushesAfterRules } from './port-conntrack';
import type { ConntrackFilter } from '../kernel/conntrack';
import type { Kernel } from '../kernel/host-kernel';
import { makeDrivers, type Drivers, type NetworkDriver } from './drivers';

export interface EngineOptions {
  store: Store; // FileStore in the helper, MemoryStore in root-free tests
  kernel: Kernel; // hostKernel in the helper, a recording fake in root-free tests
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
  // how to start a container's shim (kernel/shim.ts): `node SCRIPT shim-internal` (dist/shim.mjs, or the berth bundle)
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
  readonly kernel: Kernel;
  private readonly drivers: Drivers;

  constructor(readonly opts: EngineOptions) {
    this.kernel = opts.kernel;
    this.drivers = makeDrivers(opts.kernel);
    this.state = opts.store.load();
    this.originals = opts.originals ?? null;
    this.ports = opts.ports(this);
  }

  // The network's driver (bridge, host, null) on this engine's kernel.
  driver(net: NetworkRecord): NetworkDriver {
    return this.drivers[net.driver];
  }

  serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => {});
    return p;
  }

  // Group commit (docs/architecture.md): mutations that arrive while others run
  // join one batch. Each still runs alone, in arrival order, on the state
  // the ones before it left; the firewall is applied and the store saved
  // once for the whole batch, and every member hears success only after
  // that. A member that fails is undone alone; a failed commit undoes them all.
  // `overlap`: the member may start while sandbox steps of the members before
  // it still run (sandboxStep); any other member waits for them first.
  tx<T>(fn: (draft: State, undo: Undo) => Promise<T>, opts: { overlap?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ fn: fn as Member['fn'], resolve: resolve as Member['resolve'], reject, overlap: opts.overlap ?? false });
      if (this.waiting.length === 1 && !this.batch) void this.serial(() => this.runBatchThenFlush());
    });
  }

  private waiting: Member[] = [];
  private batch: { members: number; dirty: boolean; base: State } | null = null;
  // the firewall model the kernel was last brought to by this engine
  private applied: FirewallModel | null = null;

  // The batch's firewall writes are all queued once it is over (committed
  // or rolled back): the conntrack flushes of what it unpublished follow them.
  private async runBatchThenFlush(): Promise<void> {
    this.batching = true;
    try {
      await this.runBatch();
    } finally {
      this.batching = false;
      this.conntrack.start();
    }
  }
  private batching = false;

  // Conntrack entries of mappings an operation took away: flushed after the
  // commit that deleted their rules (port-conntrack.ts).
  private readonly conntrack = new FlushesAfterRules(() => this.opts.firewall.settled?.() ?? Promise.resolve());
  flushAfterRules(filters: ConntrackFilter[]): void {
    this.conntrack.add(filters);
    if (!this.batching) this.conntrack.start();
  }

  private async runBatch(): Promise<void> {
    let draft = this.state;
    const done: Done[] = [];
    const batch: { members: number; dirty: boolean; base: State } = (this.batch = { members: 0, dirty: false, base: draft });
    // The sandbox steps members left running are done. When one failed, its
    // member and every member after it (all of them overlapping ones: any
    // other waits here before it starts) are undone in reverse; the failed
    // ones hear their error and the others are queued again, first and one
    // after another, as if they had come now. The members before stay.
    const stepsDone = async (): Promise<boolean> => {
      const failed = new Map<Done, unknown>();
      for (const d of done) {
        if (!d.held.steps?.length) continue;
        const bad = (await Promise.allSettled(d.held.steps)).find((r) => r.status === 'rejected');
        d.held.steps = undefined;
        if (bad) failed.set(d, (bad as PromiseRejectedResult).reason);
      }
      if (!failed.size) return true;
      const from = done.findIndex((d) => failed.has(d));
      const gone = done.splice(from);
      const undone = draft;
      draft = gone[0].base;
      batch.base = draft;
      for (const d of gone) d.held.open = false;
      const errs: string[] = [];
      for (const d of [...gone].reverse()) errs.push(...(await d.undo.run()));
      await this.applyFirewall(this.firewallModel(draft), this.firewallModel(undone)).catch((x: Error) => errs.push(x.message));
      this.rebuildIpam(draft);
      for (const [d, e] of failed) {
        if (errs.length && e instanceof Error) e.message += ` (rollback: ${errs.join('; ')})`;
        d.m.reject(e);
      }
      this.waiting.unshift(...gone.filter((d) => !failed.has(d)).map((d) => ({ ...d.m, overlap: false })));
      return false;
    };
    try {
      while (this.waiting.length && batch.members < MAX_BATCH) {
        if (!this.waiting[0].overlap && !(await stepsDone())) break;
        const m = this.waiting.shift()!;
        batch.members++;
        batch.base = draft;
        const work = structuredClone(draft);
        const undo = new Undo();
        // (code this member leaves running, a container's exit watch, emits at once once the batch is over)
        const held: Held = { open: true, events: [], steps: m.overlap ? [] : undefined };
        const base = draft;
        try {
          done.push({ m, undo, held, value: await this.held.run(held, () => m.fn(work, undo)), base });
          draft = work;
        } catch (e) {
          held.open = false;
          if (held.steps) await Promise.allSettled(held.steps); // its own steps end before it is undone
          const errs = await undo.run();
          this.rebuildIpam(draft);
          if (errs.length && e instanceof Error) e.message += ` (rollback: ${errs.join('; ')})`;
          m.reject(e);
        }
      }
      await stepsDone();
    } finally {
      this.batch = null;
      // members that came after the batch was full make the next one
      if (this.waiting.length) void this.serial(() => this.runBatchThenFlush());
    }
    if (!done.length) return;
    try {
      if (batch.dirty) await this.applyFirewall(this.firewallModel(draft));
      this.opts.store.save(draft);
      this.state = draft;
    } catch (e) {
      for (const d of done) d.held.open = false;
      const errs: string[] = [];
      for (const d of done.reverse()) errs.push(...(await d.undo.run()));
      await this.applyFirewall(this.firewallModel(this.state), this.firewallModel(draft)).catch((x: Error) => errs.push(x.message));
      this.rebuildIpam(this.state);
      if (errs.length && e instanceof Error) e.message += ` (rollback: ${errs.join('; ')})`;
      for (const d of done) d.m.reject(e);
      return;
    }
    for (const d of done) {
      d.held.open = false;
      for (const send of d.held.events) send();
      d.m.resolve(d.value);
    }
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
    await this.applyFirewall(m);
    // back to the state before this operation, deleting what it added
    const base = this.batch?.base ?? this.state;
    undo?.push(() => this.applyFirewall(this.firewallModel(base), m));
    if (this.batch) this.batch.dirty = false;
  }

  // Brings the kernel's Berth rules to `m`. Whatever the committed state,
  // the last model applied or `also` owned is still ours to delete (e.g. a
  // network this operation removes).
  private async applyFirewall(m: FirewallModel, also?: FirewallModel): Promise<void> {
    const previous = [this.applied, also].reduce<FirewallModel>(
      (a, b) => (b ? { networks: [...a.networks, ...b.networks], endpoints: [...a.endpoints, ...b.endpoints], ports: a.ports } : a),
      this.firewallModel(this.state),
    );
    this.applied = null; // unknown until the apply went through
    await this.recordForwardPolicy6();
    await this.opts.firewall.apply(m, { previous, forwardPolicyDrop6: this.forwardPolicyDrop6 });
    if (this.opts.firewall.pending?.()) for (const ip of addresses(previous)) if (!addresses(m).has(ip)) this.fading.add(ip);
    this.applied = m;
    this.forwardPolicyDrop6 = false;
    if (previous.endpoints.length && !m.endpoints.length) this.dropRawWhenIdle();
  }

  // Addresses whose rules a deletion committing in the background still
  // removes (firewall/write-queue.ts). IPAM hands a freed address out again
  // at once: an endpoint plugged in under one waits for that commit first,
  // so no old port rule reaches a new container (docs/decisions.md).
  private readonly fading = new Set<string>();
  // The same for the conntrack flush of flows to such an address: run late,
  // it would cut the new container's flows.
  async addressesSettled(ips: (string | undefined)[]): Promise<void> {
    await this.conntrack.settled(ips);
    if (!this.opts.firewall.pending?.()) return this.fading.clear();
    if (ips.some((ip) => ip && this.fading.has(ip))) await this.opts.firewall.settled?.();
  }

  // Every kernel write of Berth's that runs off an operation's path (links
  // being deleted, firewall deletions committing) is done: whatever reads
  // the host (inspection, NAT views, cleanup, reset) waits for this first.
  async settled(): Promise<void> {
    await Promise.all([this.kernel.linksReaped(), this.opts.firewall.settled?.(), this.conntrack.settled()]);
  }

  // The last endpoint gone: iptables-nft leaves an empty `table ip raw` that
  // was not there before Berth (its raw DROP rules made it). Dropping it
  // costs two nft runs, and the next endpoint makes it again: so it goes once
  // no endpoint came back for RAW_IDLE_MS, in the queue, never beside a
  // restore that puts rules in it. A helper that ends first drops it when it
  // stops, or at its next start (restore.ts).
  private rawIdle: NodeJS.Timeout | null = null;
  private dropRawWhenIdle(): void {
    if (this.opts.firewall.name !== 'iptables') return;
    if (this.rawIdle) clearTimeout(this.rawIdle);
    this.rawIdle = setTimeout(() => void this.serial(() => this.dropEmptyRaw()), RAW_IDLE_MS);
    this.rawIdle.unref();
  }
  async dropEmptyRaw(): Promise<void> {
    if (this.rawIdle) clearTimeout(this.rawIdle);
    this.rawIdle = null;
    if (this.opts.firewall.name !== 'iptables' || allEndpoints(this.state).length || !this.applied || this.applied.endpoints.length) return;
    await this.opts.firewall.settled?.(); // the raw rules' deletion may still be committing
    await dropEmptyIptablesTables(this.originals?.get().nftTables, ['raw']).catch(() => []);
  }
  // the helper is stopping: an empty raw table waiting to be dropped goes
  // now, and links and firewall rules still being deleted in the background are gone first
  async settle(): Promise<void> {
    await this.serial(() => this.settled());
    if (this.rawIdle) await this.serial(() => this.dropEmptyRaw());
  }

  // Berth turned IPv6 forwarding on and the next apply sets the ip6tables
  // FORWARD policy to DROP: what it was goes to host-originals.json first,
  // for system reset to put back (docs/ipv6.md).
  async recordForwardPolicy6(): Promise<void> {
    if (this.forwardPolicyDrop6 && this.opts.firewall.name === 'iptables') this.originals?.recordForwardPolicy6(await readForwardPolicy('ipv6'));
  }

  // Runs `links` (link and address changes) while the firewall is synced to
  // `s`: the two touch different kernel objects, and on a small machine an
  // operation's wall time is mostly waiting for those programs. `s` must
  // already be the operation's final state. Both are settled before a
  // failure is thrown, so the rollback never races a step still running.
  // When more mutations wait to join this batch, the firewall is left to the
  // batch's commit, which applies it once for all of them.
  async alongFirewall<T>(s: State, undo: Undo, links: () => Promise<T>): Promise<T> {
    if (this.batch && this.waiting.length && this.batch.members < MAX_BATCH) {
      this.batch.dirty = true;
      return links();
    }
    const work = Promise.allSettled([links(), this.syncFirewall(s, undo)]);
    // while those programs run, the store writes `s` aside (its slow fsync); the commit then only switches files
    await new Promise((r) => setImmediate(r));
    try {
      this.opts.store.stage?.(s);
    } catch {
      /* the commit's save writes it again and reports */
    }
    const [l, f] = await work;
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
        if (await this.kernel.isAlive(st.pid, st.startTime)) return;
        // the shim writes the status after the last output: give it a few seconds
        goneAt ||= Date.now();
        if (st.shimPid && (await this.kernel.isAlive(st.shimPid, st.shimStartTime ?? '')) && Date.now() - goneAt < 10_000) return;
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
    return this.kernel.readExit(`${this.opts.logDir}/${id}`, pid);
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
  // An event a mutation emits is held until its batch is committed and then
  // sent in the caller's context (who did it, server/actor.ts); a mutation
  // that fails or is rolled back emits nothing. Listeners (the GUI's event
  // stream, the DNS server, waiters) read the state the event speaks of.
  emit(e: BerthEvent): void {
    const held = this.held.getStore();
    if (held?.open) {
      const inCallersContext = AsyncLocalStorage.snapshot();
      held.events.push(() => inCallersContext(() => this.deliver(e)));
    } else this.deliver(e);
  }
  private held = new AsyncLocalStorage<Held>();

  // Kernel changes inside a sandbox (a joined endpoint's address, link and
  // route: a process of their own, the longest part of a connect), run one
  // after another in the order asked. With `defer`, in a member that may
  // overlap (tx), the step is left running and the member goes on, so the
  // next member's work runs beside it; the batch waits for every step before
  // it commits, so nobody hears success before its sandbox is set.
  sandboxStep(step: () => Promise<void>, defer = false): Promise<void> {
    const p = this.stepsTail.then(step);
    this.stepsTail = p.catch(() => {});
    const held = this.held.getStore();
    // alone (nobody waiting to run beside it): awaited here, as any step
    if (!defer || !held?.open || !held.steps || !this.waiting.length) return p;
    held.steps.push(p);
    p.catch(() => {}); // its failure is the batch's to handle (runBatch)
    return Promise.resolve();
  }
  private stepsTail: Promise<unknown> = Promise.resolve();

  private deliver(e: BerthEvent): void {
    for (const l of this.listeners) {
      try {
        l(e);
      } catch {
        /* a listener's failure is its own */
      }
    }
  }
}

interface Member {
  fn: (draft: State, undo: Undo) => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  overlap: boolean; // tx's option
}
// A member's context while it runs: its events held until the commit, the sandbox steps it left running
interface Held {
  open: boolean;
  events: (() => void)[];
  steps?: Promise<void>[];
}
// A member that ran: `base` is the draft it started from
interface Done {
  m: Member;
  undo: Undo;
  held: Held;
  value: unknown;
  base: State;
}
// Members per batch: bounds how long the first one waits for the last.
const MAX_BATCH = 16;
// How long no endpoint must be there before the empty raw table goes (dropRawWhenIdle).
const RAW_IDLE_MS = 2000;

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

// The container addresses a firewall model has rules for.
const addresses = (m: FirewallModel) => new Set([...m.endpoints.flatMap((e) => [e.ip, e.ip6 ?? '']), ...m.ports.map((p) => p.containerIp)].filter(Boolean));
