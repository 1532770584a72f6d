import type { Container } from '../../../src/shared/container';
import type { Network } from '../../../src/shared/network';
import type { PortMapping, Proto } from '../../../src/shared/ports';
import { formatPortsColumn } from '../portmap/format';
import { goTime, since, type ListFormat } from './format';
import { truncate } from './text';

// What `--format` templates see for each row of `ps` and `network ls`: the
// fields of docker/cli's ContainerContext and NetworkContext, with Docker's
// column titles. Berth containers have no image; they add `.Networks`
// (also Docker's) to the default table, networks add `.Subnet`.

const labelText = (l: Record<string, string>) => Object.entries(l).map(([k, v]) => `${k}=${v}`).join(',');

export function containerStatus(c: Container, now = Date.now()): string {
  const s = c.State;
  if (s.Status === 'running') return `Up ${since(s.StartedAt, now)}`;
  if (s.Status === 'degraded') return `Up ${since(s.StartedAt, now)} (degraded)`;
  if (s.Status === 'exited') return `Exited (${s.ExitCode}) ${since(s.FinishedAt, now)} ago`;
  if (s.Status === 'removing') return 'Removal In Progress';
  return 'Created';
}

// docker ps's PORTS: consecutive same-number mappings grouped into ranges.
export function portsColumn(c: Container): string {
  const mappings: PortMapping[] = [];
  const exposed: { port: number; proto: Proto }[] = [];
  for (const [k, v] of Object.entries(c.NetworkSettings.Ports)) {
    const [port, proto] = k.split('/') as [string, Proto];
    if (!v) exposed.push({ port: Number(port), proto });
    else for (const b of v) mappings.push({ hostIp: b.HostIp, hostPort: Number(b.HostPort), containerPort: Number(port), proto });
  }
  return formatPortsColumn(mappings, exposed);
}

export function containerFormat(opts: { trunc: boolean; now?: number }): ListFormat<Container> {
  return {
    defaultTable: 'table {{.ID}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Networks}}\t{{.Names}}',
    headers: {
      ID: 'CONTAINER ID', Command: 'COMMAND', CreatedAt: 'CREATED AT', RunningFor: 'CREATED', Ports: 'PORTS',
      State: 'STATE', Status: 'STATUS', Names: 'NAMES', Labels: 'LABELS', Label: 'LABEL', Networks: 'NETWORKS',
      Hostname: 'HOSTNAME', IPAddress: 'IP ADDRESS',
    },
    context: (c) => {
      const cmd = c.Config.Cmd.join(' ');
      const labels = c.Config.Labels ?? {};
      return {
        ID: opts.trunc ? c.Id.slice(0, 12) : c.Id,
        Command: JSON.stringify(opts.trunc ? truncate(cmd, 20) : cmd),
        CreatedAt: goTime(c.Created),
        RunningFor: `${since(c.Created, opts.now)} ago`,
        Ports: portsColumn(c),
        State: c.State.Status,
        Status: containerStatus(c, opts.now),
        Names: c.Name.replace(/^\//, ''),
        Labels: labelText(labels),
        Label: (k: string) => labels[k] ?? '',
        Networks: Object.keys(c.NetworkSettings.Networks).join(','),
        Hostname: c.Config.Hostname,
        IPAddress: Object.values(c.NetworkSettings.Networks).map((n) => n.IPAddress).filter(Boolean).join(','),
      };
    },
  };
}

export function networkFormat(opts: { trunc: boolean }): ListFormat<Network> {
  return {
    defaultTable: 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}\t{{.Subnet}}',
    headers: {
      ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv4: 'IPV4', IPv6: 'IPV6', Internal: 'INTERNAL',
      Labels: 'LABELS', Label: 'LABEL', CreatedAt: 'CREATED AT', Subnet: 'SUBNET', Gateway: 'GATEWAY',
    },
    context: (n) => ({
      CreatedAt: goTime(n.Created),
      Driver: n.Driver,
      ID: opts.trunc ? n.Id.slice(0, 12) : n.Id,
      IPv4: String(n.EnableIPv4),
      IPv6: String(n.EnableIPv6),
      Internal: String(n.Internal),
      Labels: labelText(n.Labels),
      Label: (k: string) => n.Labels[k] ?? '',
      Name: n.Name,
      Scope: n.Scope,
      Subnet: n.IPAM.Config[0]?.Subnet ?? '',
      Gateway: n.IPAM.Config[0]?.Gateway ?? '',
    }),
  };
}

// `berth port --format`: one row per binding, fields as Docker's API Port.
export function portFormat(): ListFormat<PortMapping> {
  return {
    defaultTable: 'table {{.PrivatePort}}\t{{.Type}}\t{{.IP}}\t{{.PublicPort}}',
    headers: { IP: 'IP', PrivatePort: 'PRIVATE PORT', PublicPort: 'PUBLIC PORT', Type: 'TYPE' },
    context: (m) => ({ IP: m.hostIp, PrivatePort: m.containerPort, PublicPort: m.hostPort, Type: m.proto }),
  };
}
