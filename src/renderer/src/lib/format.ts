import { BRIDGE_OPTS, type Network } from '../../../shared/network';
import type { Container } from '../../../shared/container';

export const containerName = (c: Pick<Container, 'Name'>) => c.Name.replace(/^\//, '');

export function networkFlags(n: Network): { internal: boolean; icc: boolean; masquerade: boolean } {
  return {
    internal: n.Internal,
    icc: n.Options[BRIDGE_OPTS.icc] !== 'false',
    masquerade: n.Options[BRIDGE_OPTS.masquerade] !== 'false' && !n.Internal,
  };
}

export const bridgeName = (n: Network): string =>
  n.Options[BRIDGE_OPTS.name] ?? (n.Driver === 'bridge' ? `br-${n.Id.slice(0, 12)}` : '—');

export const PREDEFINED = new Set(['bridge', 'host', 'none']);

// The host side as the Ports view and `docker ps` write it: 0.0.0.0:8080 and
// [::]:8080 side by side (never :::8080, nor a bare 8080 beside [::]:8080).
export const hostPrefix = (ip: string | undefined) => (!ip ? '' : ip.includes(':') ? `[${ip}]:` : `${ip}:`);

export interface PortLine {
  text: string;
  proto: string;
  hostIp?: string;
  hostPort?: string; // none: exposed, not published
}

export function containerPortLines(c: Container): PortLine[] {
  const out: PortLine[] = [];
  for (const [key, binds] of Object.entries(c.NetworkSettings.Ports ?? {})) {
    const proto = key.split('/')[1] ?? 'tcp';
    if (!binds || !binds.length) out.push({ text: key, proto });
    else for (const b of binds) out.push({ text: `${hostPrefix(b.HostIp)}${b.HostPort}→${key}`, proto, hostIp: b.HostIp, hostPort: b.HostPort });
  }
  return out;
}

export const containerPorts = (c: Container): string[] => containerPortLines(c).map((p) => p.text);

export function containerNetworks(c: Container): { network: string; ip: string; ip6: string }[] {
  return Object.entries(c.NetworkSettings.Networks).map(([network, v]) => ({
    network,
    ip: v.IPAddress ? `${v.IPAddress}/${v.IPPrefixLen}` : '',
    ip6: v.GlobalIPv6Address ? `${v.GlobalIPv6Address}/${v.GlobalIPv6PrefixLen ?? 64}` : '',
  }));
}

// Every subnet and gateway of a network (IPv4 first, then IPv6, as inspect lists them; docs/ipv6.md).
export const networkSubnets = (n: Network) => n.IPAM.Config.map((c) => c.Subnet).filter(Boolean);
export const networkGateways = (n: Network) => n.IPAM.Config.map((c) => c.Gateway ?? '').filter(Boolean);

export function relativeTime(iso: string, now = Date.now()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t) || t <= 0) return '';
  const s = Math.round((now - t) / 1000);
  if (s < 60) return `${Math.max(s, 0)}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

// key=value per line (or comma-separated) into a record; errors name the line.
export function parseLabels(text: string): { labels: Record<string, string>; error?: string } {
  const labels: Record<string, string> = {};
  for (const raw of text.split(/[\n,]/)) {
    const line = raw.trim();
    if (!line) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { labels, error: `label "${line}" is not KEY=VALUE` };
    labels[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return { labels };
}
