import type { OrphanPort } from '../cleanup/apply';
import type { Proto } from '../../../src/shared/ports';
import type { BerthOwned, HeldPort } from '../cleanup/berth-owned';
import { gatewayEndpoint } from './endpoints';
import { signalGroup } from '../kernel/process';
import { finalizeExit } from './containers';
import type { Engine } from './engine';
import { checkDrift } from './restore';
import { modeOf, sandboxOf } from './sandboxes';

// What the store says Berth owns, in the shape cleanup's findings compare
// the kernel against; `heldPorts` is what the port service holds in memory.
export function berthOwned(eng: Engine, heldPorts: HeldPort[] = []): BerthOwned {
  const s = eng.state;
  const endpoints: BerthOwned['endpoints'] = [];
  for (const c of Object.values(s.containers)) {
    const sb = sandboxOf(s, c);
    for (const ep of c.endpoints)
      endpoints.push({ id: ep.id, networkId: ep.networkId, sandboxId: c.id, ip: ep.ip, hostVeth: ep.hostVeth, netnsPath: sb?.path ?? '' });
  }
  for (const f of Object.values(s.foreign))
    for (const ep of f.endpoints)
      endpoints.push({
        id: ep.id,
        networkId: ep.networkId,
        sandboxId: f.id,
        ip: ep.ip,
        hostVeth: ep.hostVeth,
        netnsPath: f.kind === 'pid' ? `/proc/${f.pid}/ns/net` : `/run/netns/${f.netnsName}`,
      });
  return {
    networks: Object.values(s.networks)
      .filter((n) => n.driver === 'bridge')
      .map((n) => ({ id: n.id, name: n.name, bridge: n.bridge, subnet: n.subnet, gateway: n.gateway, internal: n.internal })),
    endpoints,
    netnsNames: Object.values(s.containers).flatMap((c) => (c.netns && c.state.status !== 'exited' ? [c.netns] : [])),
    ports: storePorts(eng),
    heldPorts,
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
    for (const r of c.ports)
      out.push({ endpointId: gw.id, hostIp: r.hostIp, hostPort: r.hostPort, proto: r.proto, containerIp: gw.ip, containerPort: r.containerPort });
  }
  return out;
}

// Host ports Berth holds with no mapping: the service frees them (under the
// engine's queue, so no run or port add interleaves), then the firewall is
// rewritten from the store, which drops port rules no mapping renders.
export async function releaseOrphans(eng: Engine, ports: OrphanPort[]): Promise<void> {
  const held = ports.filter((p): p is OrphanPort & { hostPort: number } => p.hostPort !== null);
  await eng.serial(() => eng.ports.releaseOrphans(eng.state, held.map((p) => ({ ...p, proto: p.proto as Proto }))));
  await checkDrift(eng, true);
}

// Store entries whose kernel objects vanished behind Berth's back: a
// container whose namespace was deleted has exited; bridges and veths of
// live sandboxes are put back.
export async function releaseMissing(eng: Engine, targets: { what: 'network' | 'endpoint' | 'netns'; id: string }[]): Promise<void> {
  for (const t of targets.filter((x) => x.what === 'netns')) {
    const c = Object.values(eng.state.containers).find((x) => x.netns === t.id && x.state.status !== 'exited');
    if (c) signalGroup(c.state.pid, 'SIGKILL'); // its network is gone; Docker would not leave it running either
    if (c) await finalizeExit(eng, c.id, c.state.pid, 255, `network namespace ${t.id} was deleted outside Berth`);
  }
  await checkDrift(eng, true);
}
