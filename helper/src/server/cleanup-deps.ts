import type { BerthEvent } from '../../../src/shared/events';
import type { BerthOwned } from '../cleanup/berth-owned';
import type { InspectDeps } from '../cleanup/handlers';
import { gatewayEndpoint } from '../engine/endpoints';
import type { Engine } from '../engine/engine';
import { releaseMissing, releaseOrphans } from '../engine/release';
import { modeOf, sandboxOf } from '../engine/sandbox-lifecycle';
import type { HeldPort } from '../portmap/allocator';
import { poolsOf } from '../store/network-pools';

// Events that change nothing a cleanup plan compares (streams of output and progress).
const QUIET: ReadonlySet<string> = new Set<BerthEvent['type']>(['log', 'progress', 'exec.started', 'exec.output']);

// Host inspection and cleanup sit beside the engine and never import it:
// this is what they get of it (what Berth owns, and the ways to let go).
// planAhead: read a plan once the engine has settled after the start (the helper's, not tests').
export function cleanupDeps(engine: Engine, dataRoot: string, storePath: string, opts: { planAhead?: boolean } = {}): InspectDeps {
  // every change the engine announces moves the kept plan's generation (cleanup/kept-plan.ts)
  let changes = 0;
  engine.on((e) => {
    if (!QUIET.has(e.type)) changes++;
  });
  return {
    dataRoot,
    storePath,
    changes: () => changes,
    planAheadAfter: opts.planAhead ? () => engine.settled() : undefined,
    // between operations: a run in flight holds ports its record does not show yet
    berthOwned: () => engine.serial(async () => berthOwned(engine, engine.ports.held())),
    emit: (e) => engine.emit(e),
    releaseMissing: (t) => releaseMissing(engine, t),
    releaseOrphans: (p) => releaseOrphans(engine, p),
  };
}

// What the store says Berth owns, in the shape cleanup's findings compare
// the kernel against; `heldPorts` is what the port service holds in memory.
export function berthOwned(eng: Engine, heldPorts: HeldPort[] = []): BerthOwned {
  const s = eng.state;
  const endpoints: BerthOwned['endpoints'] = [];
  for (const c of Object.values(s.containers)) {
    const sb = sandboxOf(s, c);
    for (const ep of c.endpoints)
      endpoints.push({ id: ep.id, networkId: ep.networkId, sandboxId: c.id, ip: ep.ip, ip6: ep.ip6, hostVeth: ep.hostVeth, netnsPath: sb?.path ?? '' });
  }
  for (const f of Object.values(s.foreign))
    for (const ep of f.endpoints)
      endpoints.push({
        id: ep.id,
        networkId: ep.networkId,
        sandboxId: f.id,
        ip: ep.ip,
        ip6: ep.ip6,
        hostVeth: ep.hostVeth,
        netnsPath: f.kind === 'pid' ? `/proc/${f.pid}/ns/net` : `/run/netns/${f.netnsName}`,
      });
  return {
    networks: Object.values(s.networks)
      .filter((n) => n.driver === 'bridge')
      .map((n) => ({ id: n.id, name: n.name, bridge: n.bridge, subnet: n.subnet, subnets: poolsOf(n).map((p) => p.subnet), gateway: n.gateway, internal: n.internal })),
    endpoints,
    netnsNames: Object.values(s.containers).flatMap((c) => (c.netns && c.state.status !== 'exited' ? [c.netns] : [])),
    ports: storePorts(eng),
    heldPorts,
    leaving: eng.kernel.linksLeaving(),
  };
}

// Mappings as PortService.rules renders them (not-exited containers, on
// their gateway endpoint), errored ones included: such a port is still the
// container's, so nothing of it may be flagged.
function storePorts(eng: Engine): BerthOwned['ports'] {
  const s = eng.state;
  const out: BerthOwned['ports'] = [];
  for (const c of Object.values(s.containers)) {
    if (c.state.status === 'exited' || !c.ports.length || modeOf(c).kind !== 'bridge') continue;
    const gw = gatewayEndpoint(s, c.endpoints);
    if (!gw) continue;
    for (const r of c.ports) {
      // the container address of the host address's family, as PortService.published renders it
      const containerIp = r.hostIp.includes(':') && gw.ip6 ? gw.ip6 : gw.ip;
      if (containerIp) out.push({ endpointId: gw.id, hostIp: r.hostIp, hostPort: r.hostPort, proto: r.proto, containerIp, containerPort: r.containerPort });
    }
  }
  return out;
}

