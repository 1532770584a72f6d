import { conflict, invalid } from '../../../src/shared/errors';
import type { ContainerRecord, State } from '../store/state';
import type { Engine } from './engine';
import { attachEndpoint, detachEndpoint } from './endpoints';
import { sandboxNetns, shortId } from './naming';
import { namedSandbox, type SandboxRef } from './sandbox-ref';
import type { Undo } from './undo-steps';

export type Mode = { kind: 'bridge' } | { kind: 'host' } | { kind: 'none' } | { kind: 'container'; donorId: string };

export function modeOf(c: ContainerRecord): Mode {
  if (c.networkMode === 'host') return { kind: 'host' };
  if (c.networkMode === 'none') return { kind: 'none' };
  if (c.networkMode.startsWith('container:')) return { kind: 'container', donorId: c.networkMode.slice(10) };
  return { kind: 'bridge' };
}

export const utsPathOf = (eng: Engine, id: string) => `${eng.opts.utsDir}/${shortId(id)}`;

// A container's hostname namespace: its own, its donor's, or the host's.
export function utsOf(eng: Engine, s: State, c: ContainerRecord): string | null {
  const m = modeOf(c);
  if (m.kind === 'host') return null;
  const owner = m.kind === 'container' ? s.containers[m.donorId] : c;
  return owner?.netns ? utsPathOf(eng, owner.id) : null;
}

// The sandbox of a running container: its own netns, or its donor's.
export function sandboxOf(s: State, c: ContainerRecord): SandboxRef | null {
  const m = modeOf(c);
  if (m.kind === 'container') {
    const d = s.containers[m.donorId];
    return d?.netns ? namedSandbox(d.id, d.name, d.netns) : null;
  }
  return c.netns ? namedSandbox(c.id, c.name, c.netns) : null;
}

// Creates the netns and joins every configured network (Docker removes the
// sandbox on stop and makes it anew on start; addresses may change unless static).
export async function createSandbox(eng: Engine, s: State, c: ContainerRecord, undo: Undo): Promise<void> {
  const m = modeOf(c);
  if (m.kind === 'host') return;
  if (m.kind === 'container') {
    const d = s.containers[m.donorId];
    if (!d || (d.state.status !== 'running' && d.state.status !== 'degraded') || !d.netns)
      throw conflict(`cannot join network namespace of a non running container: container ${d?.name ?? m.donorId} is ${d?.state.status ?? 'removed'}`);
    return;
  }
  const ns = sandboxNetns(c.id);
  const k = eng.kernel;
  const uts = utsPathOf(eng, c.id);
  // both namespaces in one program; a failure leaves neither (kernel/sandbox-ns.ts)
  await k.createSandboxNs(ns, { file: uts, hostname: c.hostname });
  undo.push(() => k.deleteSandboxNs(ns, uts));
  c.netns = ns;
  const sb = namedSandbox(c.id, c.name, ns);
  // lo comes up with the first endpoint, in its ip process; alone without one
  let lo = ['link set dev lo up'];
  // Each attach points the default route at the gateway chosen so far, in
  // its own ip process; with no gateway at all (internal networks only) the
  // fresh netns has no default route to remove.
  for (const want of m.kind === 'none' ? [] : c.networks) {
    const net = s.networks[want.networkId];
    if (!net) throw invalid(`network ${want.networkId.slice(0, 12)} of container ${c.name} no longer exists`);
    if (net.driver !== 'bridge') continue;
    const r = await attachEndpoint(eng, net, sb, undo, { staticIp: want.staticIp, staticIp6: want.staticIp6, known: c.endpoints, others: c.endpoints, state: s, sandboxLines: lo });
    c.endpoints.push(r.ep);
    lo = [];
  }
  if (lo.length) await k.ipBatch(ns, lo);
}

export async function destroySandbox(eng: Engine, s: State, c: ContainerRecord): Promise<void> {
  // null: the sandbox goes with its namespace, so a veth still being deleted
  // holds no ethN name a later join looks for (a start makes a new namespace)
  for (const ep of c.endpoints) await detachEndpoint(eng, s, ep, null);
  c.endpoints = [];
  if (c.netns) await eng.kernel.deleteSandboxNs(c.netns, utsPathOf(eng, c.id));
  c.netns = null;
}
