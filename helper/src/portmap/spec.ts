import { BerthError } from '../../../src/shared/errors';
import type { Proto } from '../../../src/shared/ports';
import { IPV4_ANY, IPV6_ANY, normalizeIp } from '../../../src/shared/ip';

// Docker's -p / --expose / -P syntax turned into port requests. The parsing
// follows go-connections `nat.ParsePortSpec` (what the docker CLI uses), and
// the error messages keep its wording so Docker users recognise them.

export interface PortRequest {
  hostIp: string; // '' means the default host address(es), see defaultHostIps
  hostPortStart: number; // 0 = ephemeral
  hostPortEnd: number; // == hostPortStart for one port; > start: first free port of the range
  containerPort: number;
  proto: Proto;
}

export interface ExposedPort {
  port: number;
  proto: Proto;
}

export interface PortOptions {
  publish?: string[]; // -p values
  expose?: string[]; // --expose values
  publishAll?: boolean; // -P
}

const PROTOS: readonly Proto[] = ['tcp', 'udp', 'sctp'];
const PROTO_ORDER: Record<Proto, number> = { tcp: 0, udp: 1, sctp: 2 };

const invalid = (message: string, spec: string) => new BerthError('invalid_argument', message, { spec });

// `[HOST_IP:][HOST_PORT[-END]:]CONTAINER_PORT[-END][/PROTO]`, one -p value.
// `8000-8010:80` stays one request (first free host port of the range);
// `8000-8010:8000-8010` becomes one request per port, paired one to one.
export function parsePublish(spec: string): PortRequest[] {
  const raw = spec.trim();
  if (raw === '') throw invalid('no port specified: <empty>', spec);
  const [ipPart, hostPart, ctrPartWithProto] = splitParts(raw);
  const [ctrPart, protoRaw] = splitProto(ctrPartWithProto);

  let hostIp = '';
  if (ipPart !== '') {
    // `[::1]` (Docker's form) or a bare IPv6 like `::1` (Docker accepts it
    // too: everything before the last two colons is the address).
    const ip = normalizeIp(ipPart);
    if (ip === undefined) throw invalid(`invalid IP address: ${ipPart}`, spec);
    hostIp = ip;
  }
  if (ctrPart === '') throw invalid(`no port specified: ${raw}<empty>`, spec);

  const proto = parseProto(protoRaw, spec);
  const [cStart, cEnd] = parseRange(ctrPart, 'containerPort', spec, 1);
  let hStart = 0;
  let hEnd = 0;
  if (hostPart !== '') [hStart, hEnd] = parseRange(hostPart, 'hostPort', spec, 0);
  if (hStart === 0 && hEnd !== 0) throw invalid(`invalid hostPort: ${hostPart} (a range starts at 1 or above)`, spec);

  const cLen = cEnd - cStart;
  const hLen = hEnd - hStart;
  if (hostPart !== '' && cLen !== hLen && cLen !== 0) {
    throw invalid(
      `invalid ranges specified for container and host Ports: ${ctrPart} and ${hostPart}` +
        ' (both ranges must have the same length)',
      spec,
    );
  }

  const out: PortRequest[] = [];
  for (let i = 0; i <= cLen; i++) {
    // A single container port with a host range keeps the whole range; equal
    // ranges pair up port by port.
    const oneToOne = cLen > 0 && hStart !== 0;
    const start = oneToOne ? hStart + i : hStart;
    const end = oneToOne ? hStart + i : hEnd;
    out.push({ hostIp, hostPortStart: start, hostPortEnd: end, containerPort: cStart + i, proto });
  }
  return out;
}

// `--expose PORT[-END][/PROTO]`.
export function parseExpose(spec: string): ExposedPort[] {
  const raw = spec.trim();
  const [portPart, protoRaw] = splitProto(raw);
  if (portPart === '' || portPart.includes(':')) {
    throw invalid(`invalid range format for --expose: ${raw || '<empty>'}`, spec);
  }
  const proto = parseProto(protoRaw, spec);
  const [start, end] = parseRange(portPart, 'port', spec, 1);
  const out: ExposedPort[] = [];
  for (let p = start; p <= end; p++) out.push({ port: p, proto });
  return out;
}

// All -p, --expose and -P options of one container as port requests, sorted
// the way Docker 27+ sorts bindings and without duplicates. -P gives every
// exposed port that has no explicit -p binding one ephemeral binding on the
// default host address (daemon `buildPortMapInfo` does the same).
export function portRequests(o: PortOptions): PortRequest[] {
  const reqs = (o.publish ?? []).flatMap(parsePublish);
  if (o.publishAll) {
    const bound = new Set(reqs.map((r) => `${r.containerPort}/${r.proto}`));
    for (const e of exposedPorts(o)) {
      if (bound.has(`${e.port}/${e.proto}`)) continue;
      reqs.push({ hostIp: '', hostPortStart: 0, hostPortEnd: 0, containerPort: e.port, proto: e.proto });
    }
  } else {
    for (const e of o.expose ?? []) parseExpose(e); // validate even when not published
  }
  return dedupeAndSort(reqs);
}

// Ports the container exposes: --expose plus every -p container port (the
// docker CLI adds published ports to ExposedPorts), sorted, unique.
export function exposedPorts(o: PortOptions): ExposedPort[] {
  const all = [
    ...(o.expose ?? []).flatMap(parseExpose),
    ...(o.publish ?? []).flatMap(parsePublish).map((r) => ({ port: r.containerPort, proto: r.proto })),
  ];
  const seen = new Map<string, ExposedPort>();
  for (const e of all) seen.set(`${e.port}/${e.proto}`, e);
  return [...seen.values()].sort((a, b) => a.port - b.port || PROTO_ORDER[a.proto] - PROTO_ORDER[b.proto]);
}

// What '' (no host address) binds. Docker binds 0.0.0.0 and [::] when the host
// can listen on IPv6. Berth does the same but lets the caller say whether
// IPv6 is usable (e.g. `/proc/net/if_inet6` exists and `::` binds): with
// ipv6=false only 0.0.0.0 is bound, so a host without IPv6 never fails a -p.
export const defaultHostIps = (ipv6: boolean): string[] => (ipv6 ? [IPV4_ANY, IPV6_ANY] : [IPV4_ANY]);

// Requests grouped by "must get the same host port": a request with the
// default address becomes one request per default address, and they share a
// port (Docker 27+ `needSamePort`), so `-p 80` gives 0.0.0.0:N and [::]:N.
export function bindingGroups(reqs: PortRequest[], opts: { ipv6: boolean }): PortRequest[][] {
  return reqs.map((r) => (r.hostIp === '' ? defaultHostIps(opts.ipv6).map((hostIp) => ({ ...r, hostIp })) : [r]));
}

// Docker 27+ order: exact host ports before ranges/ephemeral, then container
// port, proto (tcp < udp < sctp), host port, host address.
export function comparePortRequests(a: PortRequest, b: PortRequest): number {
  const aRange = a.hostPortStart === 0 || a.hostPortEnd !== a.hostPortStart ? 1 : 0;
  const bRange = b.hostPortStart === 0 || b.hostPortEnd !== b.hostPortStart ? 1 : 0;
  return (
    aRange - bRange ||
    a.containerPort - b.containerPort ||
    PROTO_ORDER[a.proto] - PROTO_ORDER[b.proto] ||
    a.hostPortStart - b.hostPortStart ||
    a.hostPortEnd - b.hostPortEnd ||
    (a.hostIp < b.hostIp ? -1 : a.hostIp > b.hostIp ? 1 : 0)
  );
}

function dedupeAndSort(reqs: PortRequest[]): PortRequest[] {
  const seen = new Map<string, PortRequest>();
  for (const r of reqs) seen.set(`${r.hostIp}|${r.hostPortStart}|${r.hostPortEnd}|${r.containerPort}|${r.proto}`, r);
  return [...seen.values()].sort(comparePortRequests);
}

// go-connections splitParts: the container port is after the last colon, the
// host port after the one before, and the rest (which may hold colons) is the
// address.
function splitParts(raw: string): [string, string, string] {
  const parts = raw.split(':');
  const n = parts.length;
  if (n === 1) return ['', '', parts[0]];
  if (n === 2) return ['', parts[0], parts[1]];
  return [parts.slice(0, n - 2).join(':'), parts[n - 2], parts[n - 1]];
}

function splitProto(s: string): [string, string] {
  const i = s.indexOf('/');
  return i < 0 ? [s, 'tcp'] : [s.slice(0, i), s.slice(i + 1)];
}

function parseProto(raw: string, spec: string): Proto {
  const p = raw.toLowerCase();
  const found = PROTOS.find((x) => x === p);
  if (!found) throw invalid(`invalid proto: ${raw || '<empty>'} (must be tcp, udp or sctp)`, spec);
  return found;
}

// `N` or `N-M`. `min` is 1 for container ports and 0 for host ports (Docker
// reads host port 0 as "any").
function parseRange(s: string, what: string, spec: string, min: number): [number, number] {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(s);
  if (!m) throw invalid(`invalid ${what}: ${s} (must be a port or a range like 8000-8010)`, spec);
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  for (const p of [start, end]) {
    if (p < min || p > 65535) throw invalid(`invalid ${what}: ${s} (ports are ${min}-65535)`, spec);
  }
  if (end < start) throw invalid(`invalid range specified for port: ${s} (start is above end)`, spec);
  return [start, end];
}
