import type { PortMapping, Proto } from '../../../src/shared/ports';
import { joinHostPort } from '../../../src/shared/ip';

// Port mappings printed the way the docker CLI prints them, so scripts and
// eyes used to Docker read Berth's output the same way.

// `docker port CTR` line: `80/tcp -> 0.0.0.0:8080`, `80/tcp -> [::]:8080`.
export const formatPort = (m: PortMapping) => `${m.containerPort}/${m.proto} -> ${formatHostAddr(m)}`;

// `docker port CTR 80/tcp` prints only the host side: `0.0.0.0:8080`.
export const formatHostAddr = (m: Pick<PortMapping, 'hostIp' | 'hostPort'>) => joinHostPort(m.hostIp, m.hostPort);

// All `docker port` lines, natural-sorted like docker/cli (sortorder.NaturalLess).
// With `filter` ('80', '80/udp'; proto defaults to tcp) only the host sides of
// that container port, in the same order; an empty result means "No public
// port '80/tcp' published" for the caller to report.
export function formatPortLines(mappings: PortMapping[], filter?: string): string[] {
  if (filter === undefined) return mappings.map(formatPort).sort(naturalCompare);
  const [port, proto = 'tcp'] = filter.split('/');
  return mappings
    .filter((m) => String(m.containerPort) === port && m.proto === proto.toLowerCase())
    .map(formatPort)
    .sort(naturalCompare)
    .map((line) => line.slice(line.indexOf(' -> ') + 4));
}

// Compare with runs of digits taken as numbers: "80/tcp" < "443/tcp" < "8080/tcp".
export function naturalCompare(a: string, b: string): number {
  const re = /(\d+)|(\D+)/g;
  const ca = a.match(re) ?? [];
  const cb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = ca[i];
    const y = cb[i];
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
      return x.length - y.length; // "08" after "8"
    }
    return x < y ? -1 : 1;
  }
  return ca.length - cb.length;
}

export interface ExposedOnly {
  port: number;
  proto: Proto;
}

// The PORTS column of `docker ps` (docker/cli formatter DisplayablePorts):
// mappings whose host port equals the container port are grouped into
// consecutive ranges per address and proto (`0.0.0.0:8000-8002->8000-8002/tcp`),
// exposed-only ports print bare (`80/tcp`), and other mappings follow in
// sorted order (`0.0.0.0:8080->80/tcp`), all joined by ", ".
export function formatPortsColumn(mappings: PortMapping[], exposed: ExposedOnly[] = []): string {
  interface Row {
    ip: string; // '' = exposed only
    publicPort: number;
    privatePort: number;
    proto: Proto;
  }
  const rows: Row[] = [
    ...mappings.map((m) => ({ ip: m.hostIp, publicPort: m.hostPort, privatePort: m.containerPort, proto: m.proto })),
    ...exposed
      .filter((e) => !mappings.some((m) => m.containerPort === e.port && m.proto === e.proto))
      .map((e) => ({ ip: '', publicPort: 0, privatePort: e.port, proto: e.proto })),
  ];
  rows.sort(
    (i, j) =>
      i.privatePort - j.privatePort ||
      (i.ip < j.ip ? -1 : i.ip > j.ip ? 1 : 0) ||
      i.publicPort - j.publicPort ||
      (i.proto < j.proto ? -1 : i.proto > j.proto ? 1 : 0),
  );

  interface Group {
    ip: string;
    proto: Proto;
    first: number;
    last: number;
  }
  const groups = new Map<string, Group>();
  const order: string[] = [];
  const result: string[] = [];
  const hostMappings: string[] = [];
  const form = (g: Group) => {
    const range = g.first === g.last ? `${g.first}` : `${g.first}-${g.last}`;
    return g.ip === '' ? `${range}/${g.proto}` : `${joinHostPort(g.ip, range)}->${range}/${g.proto}`;
  };
  for (const r of rows) {
    if (r.ip !== '' && r.publicPort !== r.privatePort) {
      hostMappings.push(`${joinHostPort(r.ip, r.publicPort)}->${r.privatePort}/${r.proto}`);
      continue;
    }
    const key = `${r.ip}/${r.proto}`;
    const g = groups.get(key);
    if (!g) {
      groups.set(key, { ip: r.ip, proto: r.proto, first: r.privatePort, last: r.privatePort });
      order.push(key);
    } else if (r.privatePort === g.last + 1) {
      g.last = r.privatePort;
    } else {
      // A gap closes the group; like docker/cli the closed group is printed
      // before the groups still open.
      result.push(form(g));
      groups.set(key, { ip: r.ip, proto: r.proto, first: r.privatePort, last: r.privatePort });
    }
  }
  for (const key of order) {
    const g = groups.get(key);
    if (g) result.push(form(g));
  }
  return [...result, ...hostMappings].join(', ');
}
