import { conflict, invalid, notFound } from '../../../src/shared/errors';
import type { PortMapping } from '../../../src/shared/ports';
import { parsePublish } from '../portmap/spec';
import type { ContainerRecord, State } from '../store/state';
import { findContainer, type Engine } from './engine';
import { gatewayEndpoint } from './endpoints';
import { flushAdded } from './port-conntrack';
import { addRequests, matchRecords, remainingSpecs } from './port-requests';
import { PORT_ERROR_PREFIX } from './ports';
import { modeOf } from './sandbox-lifecycle';

// Changing a running container's published ports in place (what
// moby#22133 asks for). Each edit is one engine transaction: a failed add
// leaves no socket, rule or store entry; a remove takes the rules out first
// and frees the ports only once nothing else can fail.

function liveContainer(s: State, ref: string): ContainerRecord {
  const c = findContainer(s, ref);
  const m = modeOf(c);
  if (m.kind === 'host') throw invalid(`container ${c.name} uses the host network: its ports are the host's, nothing to publish`);
  if (m.kind === 'none') throw invalid('conflicting options: port publishing and the none network mode');
  if (m.kind === 'container') throw invalid('conflicting options: port publishing and the container type network mode');
  if (c.state.status !== 'running' && c.state.status !== 'degraded')
    throw conflict(`Container ${c.name} is not running: start it, or give the ports to \`berth run -p\``);
  return c;
}

// Returns the mappings added.
export async function addPort(eng: Engine, ref: string, spec: string): Promise<PortMapping[]> {
  const r = await eng.tx(async (s, undo) => {
    const c = liveContainer(s, ref);
    const reqs = addRequests(spec, c.ports);
    const gw = gatewayEndpoint(s, c.endpoints);
    if (!gw) throw invalid(`container ${c.name} has no gateway endpoint (only internal networks): ports cannot be published`);
    const added = await eng.ports.add(s, c, reqs, gw.ip, undo);
    c.portSpecs = [...c.portSpecs, spec];
    await eng.syncFirewall(s, undo);
    await flushAdded(added);
    return { c, added: added.map((a) => ({ hostIp: a.hostIp, hostPort: a.hostPort, containerPort: a.containerPort, proto: a.proto, containerIp: gw.ip })) };
  });
  eng.emit({ type: 'ports.changed', container: r.c.id });
  return r.added;
}

// Returns the mappings removed.
export async function removePort(eng: Engine, ref: string, spec: string): Promise<PortMapping[]> {
  const r = await eng.tx(async (s, undo) => {
    const c = liveContainer(s, ref);
    const gone = matchRecords(spec, c.ports);
    if (!gone.length) {
      const [first] = parsePublish(spec);
      throw notFound(`No public port '${first.containerPort}/${first.proto}' published for ${c.name} matching ${spec}`);
    }
    const kept = c.ports.filter((p) => !gone.includes(p));
    c.portSpecs = remainingSpecs(c.portSpecs, kept, gone);
    // Removing one of -P's mappings ends -P for this container: the ones it
    // keeps become explicit, so a restart publishes exactly what is left.
    if (gone.some((g) => g.spec === '')) {
      c.publishAll = false;
      for (const k of kept.filter((r) => r.spec === '')) {
        k.spec = `${k.hostIp.includes(':') ? `[${k.hostIp}]` : k.hostIp}:${k.hostPort}:${k.containerPort}/${k.proto}`;
        c.portSpecs.push(k.spec);
      }
    }
    c.ports = kept;
    // the mappings that could not be bound again at restore are gone: no longer degraded
    if (c.state.status === 'degraded' && c.state.error.startsWith(PORT_ERROR_PREFIX) && !kept.some((k) => k.error))
      c.state = { ...c.state, status: 'running', error: '' };
    await eng.syncFirewall(s, undo);
    await eng.ports.remove(c, gone, gatewayEndpoint(s, c.endpoints) ?? null);
    return { c, gone: gone.map((g) => ({ hostIp: g.hostIp, hostPort: g.hostPort, containerPort: g.containerPort, proto: g.proto })) };
  });
  eng.emit({ type: 'ports.changed', container: r.c.id });
  return r.gone;
}
