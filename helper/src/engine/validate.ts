import { isBerthError } from '../../../src/shared/errors';
import { NetworkCreateParams } from '../../../src/shared/network';
import { RunParams } from '../../../src/shared/container';
import type { NetworkValidate, Problem } from '../../../src/shared/validate';
import { tryParseCidr } from '../../../src/shared/ip';
import { MSG_POOL_OVERLAP } from '../ipam/ipam';
import { describeHolder, findPortHolder } from '../portmap/socket-owner';
import { parsePublish } from '../portmap/spec';
import type { State } from '../store/state';
import type { Engine } from './engine';

const PREDEFINED = ['bridge', 'host', 'none'];
const messageOf = (e: unknown) => (isBerthError(e) ? e.message : String((e as Error)?.message ?? e));
const schemaProblem = (field: string, schema: { safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } } }, v: unknown): Problem | null => {
  const r = schema.safeParse(v);
  const label = field.replace(/6$/, '') === 'ipRange' ? 'ip-range' : field.replace(/6$/, '');
  return r.success ? null : { field, message: `${label} ${JSON.stringify(v)}: ${r.error!.issues[0].message}` };
};
const given = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

// network create's checks that need no kernel call, per field: the same
// schemas as the create's parameters, the same IPAM code as the create's
// pool; an overlap names the network it overlaps. createNetwork runs them
// first, so the dry run and the create cannot disagree.
export function networkProblems(eng: Engine, s: State, p: NetworkValidate): Problem[] {
  const out: Problem[] = [];
  const add = (x: Problem | null) => x && out.push(x);
  const shape = NetworkCreateParams.shape;
  if (p.name !== '') {
    add(schemaProblem('name', shape.name, p.name));
    if (PREDEFINED.includes(p.name)) out.push({ field: 'name', message: `${p.name} is a pre-defined network and cannot be recreated` });
    else if (Object.values(s.networks).some((n) => n.name === p.name)) out.push({ field: 'name', message: `network with name ${p.name} already exists` });
  }
  // one family's subnet, gateway and range (the IPv6 ones only asked with p.ipv6: docs/ipv6.md)
  const family = (v6: boolean, f: { subnet: string; gateway: string; ipRange: string }) => {
    const [subnet, gateway, ipRange] = [p[f.subnet as 'subnet'], p[f.gateway as 'gateway'], p[f.ipRange as 'ipRange']];
    let subnetOk = given(subnet) && !add(schemaProblem(f.subnet, shape.subnet, subnet.trim()));
    if (subnetOk && p.ipv6 !== undefined && tryParseCidr(subnet!.trim())?.v6 !== v6) {
      out.push({ field: f.subnet, message: `${subnet!.trim()} is not an ${v6 ? 'IPv6' : 'IPv4'} subnet` });
      subnetOk = false;
    }
    if (subnetOk && !v6 && p.ipv4 === false) {
      out.push({ field: f.subnet, message: `IPv4 subnet ${subnet!.trim()} given with --ipv4=false` });
      subnetOk = false;
    }
    if (subnetOk) {
      const clash = eng.ipam.checkSubnet(subnet, []).overlaps.filter((o) => o.kind === 'network');
      if (clash.length)
        out.push({ field: f.subnet, message: `${MSG_POOL_OVERLAP}: network ${clash.map((o) => `${s.networks[o.what]?.name ?? o.what} (${o.cidr})`).join(', ')}` });
    }
    const fieldOk = (field: string, v: string | undefined, key: 'gateway' | 'ipRange', label: string) => {
      if (!given(v)) return;
      if (add(schemaProblem(field, shape[key], v.trim()))) return;
      if (!given(subnet)) return void out.push({ field, message: `${label} needs ${v6 ? 'an IPv6' : 'a'} --subnet` });
      if (!subnetOk) return;
      try {
        eng.ipam.checkPool({ subnet, [key]: v.trim() });
      } catch (e) {
        out.push({ field, message: messageOf(e) });
      }
    };
    fieldOk(f.gateway, gateway, 'gateway', 'a gateway');
    fieldOk(f.ipRange, ipRange, 'ipRange', 'an --ip-range');
  };
  family(false, { subnet: 'subnet', gateway: 'gateway', ipRange: 'ipRange' });
  if (p.ipv6) family(true, { subnet: 'subnet6', gateway: 'gateway6', ipRange: 'ipRange6' });
  else if ([p.subnet6, p.gateway6, p.ipRange6].some(given)) out.push({ field: 'subnet6', message: 'IPv6 settings given without --ipv6' });
  if (p.ipv4 === false && !p.ipv6) out.push({ field: 'ipv4', message: 'a network needs IPv4 or IPv6 (--ipv4=false needs --ipv6)' });
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
