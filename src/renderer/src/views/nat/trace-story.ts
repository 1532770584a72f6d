import type { Container } from '../../../../shared/container';
import type { FirewallRule } from '../../../../shared/inspect';
import type { Network } from '../../../../shared/network';
import { bridgeName, containerName } from '../../lib/format';
import { inCidr, isV6, tracePacket, type Packet, type TraceResult } from './packet-match';

// One published port as the tracer needs it: who, where it listens, where it goes.
export interface Published {
  container: string;
  containerIp: string;
  containerPort: number;
  hostIp: string; // '' for every address
  hostPort: number;
  proto: string;
  bridge: string;
}

export function publishedPorts(containers: Container[] = [], networks: Network[] = []): Published[] {
  const out: Published[] = [];
  for (const c of containers) {
    if (!c.State.Running) continue;
    const nets = Object.entries(c.NetworkSettings.Networks).filter(([, v]) => v.IPAddress);
    if (!nets.length) continue;
    const [netName, ep] = nets[0];
    const n = networks.find((x) => x.Name === netName);
    for (const [key, binds] of Object.entries(c.NetworkSettings.Ports ?? {})) {
      const [port, proto = 'tcp'] = key.split('/');
      for (const b of binds ?? [])
        out.push({ container: containerName(c), containerIp: ep.IPAddress, containerPort: Number(port), hostIp: b.HostIp ?? '', hostPort: Number(b.HostPort), proto, bridge: n ? bridgeName(n) : '' });
    }
  }
  return out;
}

const LOOPBACK = (ip: string) => (isV6(ip) ? ip === '::1' : inCidr(ip, '127.0.0.0/8'));
const listensOn = (p: Published, dst: string) => {
  const any = p.hostIp === '' || p.hostIp === '0.0.0.0' || p.hostIp === '::';
  if (any) return p.hostIp === '::' || p.hostIp === '' ? true : !isV6(dst);
  return p.hostIp.replace(/^\[|\]$/g, '') === dst;
};
const hostPort = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
const where = (r: FirewallRule) => `${r.table} ${r.chain} #${r.position}`;

export interface TraceStory {
  // the one line a user acts on
  line: string;
  tone: 'ok' | 'drop' | 'none';
  proxy: Published | null; // carried by the userland proxy
  target: Published | null; // the container the packet reaches (by DNAT or proxy)
  filter: TraceResult | null; // the FORWARD walk after DNAT
}

// What happens to the packet, end to end: the nat walk (done), then either
// the userland proxy (a host process to a published loopback port: nat
// OUTPUT leaves 127.0.0.0/8 alone and the helper's listener takes the
// connection) or, after DNAT, the filter FORWARD walk to the container's
// bridge, whose verdict decides whether it arrives.
export function traceStory(nat: TraceResult, pkt: Packet, published: Published[], rules: FirewallRule[]): TraceStory {
  const ports = published.filter((p) => p.hostPort === pkt.port && p.proto === pkt.proto && listensOn(p, pkt.dst));
  const translated = nat.hit && (nat.verdict === 'DNAT' || nat.verdict === 'REDIRECT') ? nat.hit : null;
  if (!translated && ports.length) {
    const p = ports[0];
    const via = pkt.local && LOOPBACK(pkt.dst) ? 'nat OUTPUT leaves loopback alone' : 'no NAT rule translates it';
    return {
      line: `reaches ${p.container}:${p.containerPort} through the userland proxy: the helper listens on ${hostPort(p.hostIp || (isV6(pkt.dst) ? '::' : '0.0.0.0'), p.hostPort)} and connects to ${hostPort(p.containerIp, p.containerPort)} (${via}); the container sees the connection come from its gateway`,
      tone: 'ok',
      proxy: p,
      target: p,
      filter: null,
    };
  }
  if (!translated) return { line: '', tone: 'none', proxy: null, target: null, filter: null };
  const to = translated.targetArgs['to-destination'] ?? '';
  const m = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(to.split('-')[0]);
  const ip = m?.[1] ?? '';
  const port = Number(m?.[2] ?? pkt.port);
  const target = published.find((p) => p.containerIp === ip && p.containerPort === port) ?? null;
  const name = target ? `${target.container}:${port}` : hostPort(ip, port);
  const natWhere = `DNAT in ${translated.chain}`;
  if (pkt.local)
    return { line: `reaches ${name} via ${natWhere} (sent from this host: filter OUTPUT, not FORWARD, decides)`, tone: 'ok', proxy: null, target, filter: null };
  const filter = tracePacket(rules, { ...pkt, dst: ip, port, outIface: target?.bridge || undefined }, { table: 'filter', start: 'FORWARD' });
  if (filter.hit && filter.verdict === 'ACCEPT')
    return { line: `reaches ${name} via ${natWhere}, accepted by ${filter.hit.chain}`, tone: 'ok', proxy: null, target, filter };
  if (filter.hit && filter.verdict === 'DROP')
    return { line: `is translated to ${name} by ${natWhere}, then dropped by ${where(filter.hit)}`, tone: 'drop', proxy: null, target, filter };
  return { line: `is translated to ${name} by ${natWhere}; no FORWARD rule decides, so the chain's policy does`, tone: 'none', proxy: null, target, filter };
}
