import { readFileSync } from 'node:fs';
import { BerthError, isBerthError } from '../../../src/shared/errors';
import type { PortMapping } from '../../../src/shared/ports';
import type { PublishedPort } from '../firewall/model';
import { acquireBindings, type ReserveFn } from '../portmap/acquire';
import { type HeldPort, parseEphemeralRange, PortAllocator } from '../portmap/allocator';
import { joinHostPort } from '../../../src/shared/ip';
import { reserveHostPort } from '../portmap/reservation';
import { checkSocketBudget } from '../portmap/socket-budget';
import { defaultHostIps } from '../portmap/spec';
import type { ContainerRecord, PortRecord, State } from '../store/state';
import type { Engine } from './engine';
import { gatewayEndpoint } from './endpoints';
import { shortId } from './naming';
import { bindingKey, type LiveBinding, type LivePorts, pointProxies, probeIpv6, releaseBinding } from './port-bindings';
import { containerFilters, flushAdded, removedFilters, type GwAddrs } from './port-conntrack';
import { containerRequests, type SourcedRequest } from './port-requests';
import { modeOf } from './sandbox-lifecycle';
import type { Undo } from './undo-steps';

// Published ports of running containers (docs/docker-behaviour.md, "Published ports"):
// host ports allocated and bound by the helper before any rule is written,
// a userland proxy per binding to the gateway endpoint's address, the DNAT /
// ACCEPT rules rendered from the store with the rest of the firewall.
//
// The store (ContainerRecord.ports) is the truth for rules; this service
// holds what cannot be stored: the allocator, the bound sockets and proxies.
// Every step that takes something registers its undo in the operation's
// Undo, so a failed run/connect/port add leaves nothing behind.

export const PORT_ERROR_PREFIX = 'published port';

const isLive = (c: ContainerRecord) => c.state.status === 'running' || c.state.status === 'degraded';

export class PortService {
  readonly alloc: PortAllocator;
  private readonly live = new Map<string, LivePorts>();
  private v6: Promise<boolean> | undefined;

  constructor(
    private readonly eng: Engine,
    private readonly reserve: ReserveFn = reserveHostPort,
  ) {
    let text: string | undefined;
    try {
      text = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8');
    } catch {
      text = undefined; // libnetwork's fallback range
    }
    this.alloc = new PortAllocator(parseEphemeralRange(text));
  }

  // Parse errors, foreign host addresses, duplicate host ports: refused
  // before the container's sandbox exists.
  validate(_s: State, c: ContainerRecord): void {
    if (modeOf(c).kind === 'bridge') containerRequests(c);
  }

  // Publishes the container's ports on its gateway endpoint, or — when they
  // are already published (connect/disconnect moved the gateway) — points
  // the proxies at the new gateway address. Rules follow from the store.
  async attach(s: State, c: ContainerRecord, undo: Undo): Promise<void> {
    if (modeOf(c).kind !== 'bridge') return;
    const gw = gatewayEndpoint(s, c.endpoints);
    const cur = this.live.get(c.id);
    if (cur) return this.retarget(cur, gw?.ip ?? null, c, undo);
    // Docker programs bindings only on a gateway endpoint: a container on
    // internal networks only publishes nothing (until a connect gives it one).
    if (!gw) {
      c.ports = [];
      return;
    }
    const reqs = containerRequests(c);
    if (!reqs.length) {
      c.ports = [];
      return;
    }
    const live: LivePorts = { bindings: [], target: null };
    this.live.set(c.id, live);
    undo.push(async () => {
      if (this.live.get(c.id) === live) this.live.delete(c.id);
    });
    await this.publish(s, c, live, reqs, gw.ip, undo);
    c.ports = live.bindings.map((b) => b.rec);
    if (c.ports.some((r) => r.proto === 'udp')) {
      // stale UDP entries must go after the DNAT rules exist
      await this.eng.syncFirewall(s, undo);
      await flushAdded(c.ports);
    }
  }

  // The container stopped: free its ports, flush what NAT remembered (once
  // the rules are gone: port-conntrack.ts). What it reads of `c` is read
  // before its first wait, so the sandbox may be torn down beside it
  // (finishRemoval). The sockets close side by side (one event-loop turn
  // for all, not one each).
  async detach(s: State, c: ContainerRecord): Promise<void> {
    const live = this.live.get(c.id);
    this.live.delete(c.id);
    this.eng.flushAfterRules(containerFilters(c.ports, gatewayEndpoint(s, c.endpoints)));
    c.ports = [];
    await Promise.all((live?.bindings ?? []).map((b) => this.free(b)));
    this.alloc.releaseOwner(c.id);
  }

  // Every container's mappings on its gateway endpoint, for the firewall. Not
  // keyed on 'running': a container being started is still 'created' when
  // its rules go in, and an exited one has no ports or endpoints left.
  published(s: State): PublishedPort[] {
    const out: PublishedPort[] = [];
    for (const c of Object.values(s.containers)) {
      if (c.state.status === 'exited' || !c.ports.length || modeOf(c).kind !== 'bridge') continue;
      const gw = gatewayEndpoint(s, c.endpoints);
      if (!gw) continue;
      const bridge = s.networks[gw.networkId].bridge;
      for (const r of c.ports) {
        if (r.error) continue; // not bound: a rule would shadow whoever holds the port
        // an IPv6 host address goes to the container's IPv6 address when it has one
        const containerIp = r.hostIp.includes(':') && gw.ip6 ? gw.ip6 : gw.ip;
        if (!containerIp) continue; // an IPv4 host address to an IPv6-only container: nothing to DNAT to
        out.push({ endpointId: shortId(gw.id), bridge, containerIp, hostIp: r.hostIp, hostPort: r.hostPort, containerPort: r.containerPort, proto: r.proto });
      }
    }
    return out;
  }

  // The container's mappings as the API shows them (bound ones only).
  list(s: State, id: string): PortMapping[] {
    const c = s.containers[id];
    if (!c || !isLive(c)) return [];
    const ip = gatewayEndpoint(s, c.endpoints)?.ip;
    return c.ports.filter((r) => !r.error).map((r) => toMapping(r, ip));
  }

  // Live `port add`: bind `reqs` for a running container (caller checked it
  // has a gateway endpoint) and add them to its records.
  async add(s: State, c: ContainerRecord, reqs: SourcedRequest[], gwIp: string, undo: Undo): Promise<PortRecord[]> {
    let live = this.live.get(c.id);
    if (!live) {
      const fresh: LivePorts = { bindings: [], target: gwIp };
      this.live.set(c.id, fresh);
      undo.push(async () => {
        if (this.live.get(c.id) === fresh) this.live.delete(c.id);
      });
      live = fresh;
    }
    const before = live.bindings.length;
    await this.publish(s, c, live, reqs, gwIp, undo);
    const added = live.bindings.slice(before).map((b) => b.rec);
    c.ports = [...c.ports, ...added];
    return added;
  }

  // Live `port rm`, once the rules are gone: close sockets and proxies,
  // give the ports back, flush the mappings' conntrack entries.
  async remove(c: ContainerRecord, recs: PortRecord[], addrs: GwAddrs | null): Promise<void> {
    const live = this.live.get(c.id);
    const gone = new Set(recs.map(bindingKey));
    if (live) {
      for (const b of live.bindings.filter((x) => gone.has(bindingKey(x.rec)))) await this.free(b);
      live.bindings = live.bindings.filter((x) => !gone.has(bindingKey(x.rec)));
    } else for (const r of recs) this.alloc.release(r.hostIp, r.hostPort, r.proto);
    this.eng.flushAfterRules(removedFilters(recs, addrs));
  }

  // Helper start: bind every live container's ports again and re-write the
  // rules in one go. A port someone took meanwhile gets no rule, and its
  // container is reported degraded with the reason.
  async restore(): Promise<void> {
    const changed: ContainerRecord[] = [];
    await this.eng.tx(async (s, undo) => {
      for (const c of Object.values(s.containers)) {
        if (!isLive(c) || modeOf(c).kind !== 'bridge' || !c.ports.length) continue;
        const live: LivePorts = { bindings: [], target: null };
        this.live.set(c.id, live);
        undo.push(async () => {
          for (const b of live.bindings) await this.free(b);
          if (this.live.get(c.id) === live) this.live.delete(c.id);
        });
        const failed: string[] = [];
        for (const rec of c.ports) {
          try {
            live.bindings.push(await this.rebind(s, c, rec));
            delete rec.error;
          } catch (e) {
            rec.error = (e as Error).message;
            failed.push(`${PORT_ERROR_PREFIX} ${describeMapping(rec)} is not available: ${rec.error}`);
          }
        }
        await pointProxies(live.bindings, gatewayEndpoint(s, c.endpoints)?.ip ?? null);
        live.target = gatewayEndpoint(s, c.endpoints)?.ip ?? null;
        const wasDegraded = c.state.status === 'degraded';
        if (failed.length) c.state = { ...c.state, status: 'degraded', error: failed.join('; ') };
        else if (wasDegraded && c.state.error.startsWith(PORT_ERROR_PREFIX)) c.state = { ...c.state, status: 'running', error: '' };
        if (wasDegraded !== (c.state.status === 'degraded')) changed.push(c);
      }
      await this.eng.syncFirewall(s, undo);
    });
    for (const c of changed) this.eng.emit({ type: 'container.changed', id: c.id, name: c.name, status: c.state.status });
  }

  // Helper exit: containers keep running, their ports are bound again at the
  // next start (the DNAT rules stay, so outside traffic keeps flowing).
  async shutdown(): Promise<void> {
    const all = [...this.live.values()].flatMap((l) => l.bindings);
    this.live.clear();
    await Promise.all(all.map(releaseBinding));
  }

  // Every host port held right now: allocator entries, and whether a socket
  // is bound for it. Cleanup compares this with the store's mappings.
  held(): HeldPort[] {
    const out = new Map<string, HeldPort>();
    for (const b of this.alloc.list()) out.set(bindingKey(b), { hostIp: b.hostIp, hostPort: b.hostPort, proto: b.proto, owner: b.owner, bound: false });
    for (const [owner, live] of this.live) {
      for (const b of live.bindings) {
        if (b.res.isReleased) continue;
        const k = bindingKey(b.rec);
        out.set(k, { ...(out.get(k) ?? { hostIp: b.rec.hostIp, hostPort: b.rec.hostPort, proto: b.rec.proto, owner }), bound: true });
      }
    }
    return [...out.values()];
  }

  // Cleanup's orphan-port-binding fix: close the sockets and free the
  // allocator entries of these ports, unless a live container of `s` still
  // maps one (checked again here: the plan may be older than the store).
  async releaseOrphans(s: State, ports: Pick<PortRecord, 'hostIp' | 'hostPort' | 'proto'>[]): Promise<void> {
    const mapped = new Set(
      Object.values(s.containers)
        .filter((c) => c.state.status !== 'exited')
        .flatMap((c) => c.ports.map(bindingKey)),
    );
    for (const p of ports) {
      const k = bindingKey(p);
      if (mapped.has(k)) continue;
      for (const live of this.live.values()) {
        const gone = live.bindings.filter((b) => bindingKey(b.rec) === k);
        for (const b of gone) await this.free(b);
        live.bindings = live.bindings.filter((b) => !gone.includes(b));
      }
      this.alloc.release(p.hostIp, p.hostPort, p.proto);
    }
  }

  private async rebind(s: State, c: ContainerRecord, rec: PortRecord): Promise<LiveBinding> {
    try {
      this.alloc.reserve(rec, c.id);
    } catch (e) {
      throw this.named(s, e);
    }
    try {
      return { rec, res: await this.reserve(rec), proxy: null };
    } catch (e) {
      this.alloc.release(rec.hostIp, rec.hostPort, rec.proto);
      throw e;
    }
  }

  // Allocates and binds every request (a default address gives 0.0.0.0 and,
  // with IPv6, [::] on the same port), then starts the proxies. Each binding
  // is undone on failure of this or any later step of the operation.
  private async publish(s: State, c: ContainerRecord, live: LivePorts, reqs: SourcedRequest[], gwIp: string, undo: Undo): Promise<void> {
    const v6 = await (this.v6 ??= probeIpv6());
    // one socket a TCP or UDP port and address (SCTP holds none): refused before any is bound
    checkSocketBudget(reqs.reduce((n, r) => n + (r.proto === 'sctp' ? 0 : r.hostIp === '' ? defaultHostIps(v6).length : 1), 0));
    const taken: LiveBinding[] = [];
    undo.push(async () => {
      for (const b of taken) await this.free(b);
      const gone = new Set(taken);
      live.bindings = live.bindings.filter((b) => !gone.has(b));
    });
    // The requests bind side by side (the allocator hands out distinct ports
    // synchronously); all settle before a failure is thrown, so the undo
    // frees every socket that was bound. Records keep the requests' order.
    const results = await Promise.allSettled(
      reqs.map((r) => acquireBindings(this.alloc, r.hostIp === '' ? defaultHostIps(v6).map((hostIp) => ({ ...r, hostIp })) : [r], c.id, this.reserve)),
    );
    let failed: unknown = null;
    results.forEach((res, i) => {
      if (res.status === 'rejected') {
        failed ??= res.reason;
        return;
      }
      const r = reqs[i];
      for (const h of res.value) {
        const rec: PortRecord = { hostIp: h.hostIp, hostPort: h.hostPort, containerPort: r.containerPort, proto: r.proto, spec: r.spec };
        const b: LiveBinding = { rec, res: h, proxy: null };
        taken.push(b);
        live.bindings.push(b);
      }
    });
    if (failed) throw this.named(s, failed);
    await pointProxies(taken, gwIp);
    live.target = gwIp;
  }

  private async retarget(live: LivePorts, ip: string | null, c: ContainerRecord, undo?: Undo): Promise<void> {
    const old = live.target;
    if (old === ip) return;
    await pointProxies(live.bindings, ip);
    live.target = ip;
    undo?.push(() => this.retarget(live, old, c));
    const recs = live.bindings.map((b) => b.rec);
    // An endpoint that is gone takes every flow to its address along: one
    // flush per protocol. One that stays keeps its other flows: per mapping.
    // (IPv4: the target the proxies follow; the old gateway's IPv6 address is not kept)
    // (after the rules moved: port-conntrack.ts)
    if (old !== null && !c.endpoints.some((e) => e.ip === old)) this.eng.flushAfterRules(containerFilters(recs, { ip: old }));
    else this.eng.flushAfterRules(removedFilters(recs, old === null ? null : { ip: old }));
  }

  private async free(b: LiveBinding): Promise<void> {
    await releaseBinding(b);
    this.alloc.release(b.rec.hostIp, b.rec.hostPort, b.rec.proto);
  }

  // The allocator knows only owner ids: say which container holds the port.
  private named(s: State, e: unknown): unknown {
    if (!isBerthError(e) || e.kind !== 'conflict') return e;
    const owner = (e.details as { owner?: string } | undefined)?.owner;
    if (!owner) return e;
    const holder = s.containers[owner] ?? this.eng.state.containers[owner];
    const who = holder ? `container ${holder.name}` : `endpoint ${shortId(owner)}`;
    return new BerthError('conflict', `${e.message} (held by ${who})`, e.details);
  }
}

export const describeMapping = (r: Pick<PortRecord, 'hostIp' | 'hostPort' | 'containerPort' | 'proto'>) =>
  `${joinHostPort(r.hostIp, r.hostPort)}->${r.containerPort}/${r.proto}`;

const toMapping = (r: PortRecord, containerIp?: string): PortMapping => ({
  hostIp: r.hostIp,
  hostPort: r.hostPort,
  containerPort: r.containerPort,
  proto: r.proto,
  ...(containerIp ? { containerIp } : {}),
});
