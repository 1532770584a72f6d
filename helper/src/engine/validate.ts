import { isBerthError } from '../../../src/shared/errors';
import { NetworkCreateParams } from '../../../src/shared/network';
import { RunParams } from '../../../src/shared/container';
import type { Problem } from '../../../src/shared/validate';
import { MSG_POOL_OVERLAP } from '../ipam/ipam';
import { describeHolder, findPortHolder } from '../portmap/socket-owner';
import { parsePublish } from '../portmap/spec';
import type { State } from '../store/state';
import type { Engine } from './engine';

const PREDEFINED = ['bridge', 'host', 'none'];
const messageOf = (e: unknown) => (isBerthError(e) ? e.message : String((e as Error)?.message ?? e));
const schemaProblem = (field: string, schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } }, v: unknown): Problem | null => {
  const r = schema.safeParse(v);
  return r.success ? null : { field, message: `${field === 'ipRange' ? 'ip-range' : field} ${JSON.stringify(v)}: ${r.error!.issues[0].message}` };
};
const given = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

// network create's checks that need no kernel call, per field: the same
// schemas as the create's parameters, the same IPAM code as the create's
// pool; an overlap names the network it overlaps. createNetwork runs them
// first, so the dry run and the create cannot disagree.
export function networkProblems(eng: Engine, s: State, p: { name: string; subnet?: string; gateway?: string; ipRange?: string }): Problem[] {
  const out: Problem[] = [];
  const add = (x: Problem | null) => x && out.push(x);
  const shape = NetworkCreateParams.shape;
  if (p.name !== '') {
    add(schemaProblem('name', shape.name, p.name));
    if (PREDEFINED.includes(p.name)) out.push({ field: 'name', message: `${p.name} is a pre-defined network and cannot be recreated` });
    else if (Object.values(s.networks).some((n) => n.name === p.name)) out.push({ field: 'name', message: `network with name ${p.name} already exists` });
  }
  const subnetOk = given(p.subnet) && !add(schemaProblem('subnet', shape.subnet, p.subnet.trim()));
  if (subnetOk) {
    const clash = eng.ipam.checkSubnet(p.subnet, []).overlaps.filter((o) => o.kind === 'network');
    if (clash.length)
      out.push({ field: 'subnet', message: `${MSG_POOL_OVERLAP}: network ${clash.map((o) => `${s.networks[o.what]?.name ?? o.what} (${o.cidr})`).join(', ')}` });
  }
  const fieldOk = (field: 'gateway' | 'ipRange', v: string | undefined, label: string) => {
    if (!given(v)) return;
    if (add(schemaProblem(field, shape[field], v.trim()))) return;
    if (!given(p.subnet)) return void out.push({ field, message: `${label} needs a --subnet` });
    if (!subnetOk) return;
    try {
      eng.ipam.checkPool({ subnet: p.subnet, [field]: v.trim() });
    } catch (e) {
      out.push({ field, message: messageOf(e) });
    }
  };
  fieldOk('gateway', p.gateway, 'a gateway');
  fieldOk('ipRange', p.ipRange, 'an --ip-range');
  return out;
}

// run's checks before anything starts: the name, the network, each -p spec
// as the Ports editor parses it, and each fixed host port against every
// listener on the host (any process, Berth's own proxies included).
export async function runProblems(s: State, p: { name?: string; network?: string; ports: string[] }): Promise<Problem[]> {
  const out: Problem[] = [];
  if (given(p.name)) {
    const bad = schemaProblem('name', RunParams.shape.name, p.name);
    if (bad) out.push(bad);
    else if (Object.values(s.containers).some((c) => c.name === p.name)) out.push({ field: 'name', message: `the container name "${p.name}" is already in use` });
  }
  if (given(p.network) && !['bridge', 'host', 'none'].includes(p.network) && !p.network.startsWith('container:') && !Object.values(s.networks).some((n) => n.name === p.network || n.id === p.network))
    out.push({ field: 'network', message: `network ${p.network} not found` });
  for (const spec of p.ports) {
    if (!spec.trim()) continue;
    let reqs;
    try {
      reqs = parsePublish(spec);
    } catch (e) {
      out.push({ field: 'ports', message: `${spec}: ${messageOf(e)}` });
      continue;
    }
    for (const r of reqs) {
      if (r.hostPortStart === 0 || r.hostPortEnd !== r.hostPortStart) continue; // ephemeral or a range: the first free one is taken
      const holder = await findPortHolder(r.hostIp, r.hostPortStart, r.proto).catch(() => undefined);
      if (holder) out.push({ field: 'ports', message: `${spec}: host port ${r.hostPortStart}/${r.proto} is already held by ${describeHolder(holder)} on ${holder.localIp}` });
    }
  }
  return out;
}
