import type { PortMapping, Proto } from '../../../../shared/ports';
import { isIp, isV6 } from '../nat/packet-match';

// The inline "add a mapping" row: its fields checked as the user types, and
// checked against every mapping already in the table (of every container),
// the way the helper will: same proto, overlapping host address (0.0.0.0
// holds every IPv4 address, :: every IPv6 one, an empty host IP both), and
// the same host port. An empty host port is ephemeral and never conflicts; a
// host range conflicts only when every port in it is taken.

export interface Draft {
  hostIp: string;
  hostPort: string; // '', '8080' or '8000-8010'
  containerPort: string; // '80' or '80-81'
  proto: Proto;
}

export interface Owned {
  container: string;
  mapping: PortMapping;
}

export interface DraftCheck {
  errors: Partial<Record<keyof Draft, string>>;
  conflicts: Owned[]; // mappings the new one collides with
  spec: string | null; // Docker's -p text, when the draft is valid
}

const range = (s: string): [number, number] | null => {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(s.trim());
  if (!m) return null;
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  return a >= 1 && b <= 65535 && a <= b ? [a, b] : null;
};

const unbracket = (ip: string) => ip.trim().replace(/^\[(.*)\]$/, '$1');
const isAny = (ip: string) => ip === '0.0.0.0' || ip === '::' || /^[0:]+$/.test(ip);

// Do two host addresses overlap? '' = both wildcards.
export function hostIpsOverlap(a: string, b: string): boolean {
  if (a === '' || b === '') return true;
  if (isV6(a) !== isV6(b)) return false;
  return a === b || isAny(a) || isAny(b);
}

export const hostIpForSpec = (ip: string) => (ip && isV6(ip) ? `[${ip}]` : ip);

// Docker's -p text of an existing mapping (what port.remove and an undo take).
export const mappingSpec = (m: PortMapping) => `${hostIpForSpec(m.hostIp)}:${m.hostPort}:${m.containerPort}/${m.proto}`;

export function checkDraft(d: Draft, existing: Owned[]): DraftCheck {
  const errors: DraftCheck['errors'] = {};
  const ip = unbracket(d.hostIp);
  if (ip && !isIp(ip)) errors.hostIp = 'Not an IPv4 or IPv6 address';
  const host = d.hostPort.trim() === '' ? null : range(d.hostPort);
  if (d.hostPort.trim() !== '' && !host) errors.hostPort = 'A port 1–65535, a range like 8000-8010, or empty for any free port';
  const ctr = range(d.containerPort);
  if (d.containerPort.trim() === '') errors.containerPort = 'Required';
  else if (!ctr) errors.containerPort = 'A port 1–65535 (or a range like 80-81)';
  if (host && ctr && ctr[1] > ctr[0] && host[1] - host[0] !== ctr[1] - ctr[0])
    errors.hostPort = `A container range needs a host range of the same length (${ctr[1] - ctr[0] + 1} ports)`;

  const conflicts: Owned[] = [];
  if (host && !errors.hostIp) {
    const hits = (p: number) => existing.filter((e) => e.mapping.proto === d.proto && e.mapping.hostPort === p && hostIpsOverlap(ip, e.mapping.hostIp));
    const oneToOne = !ctr || ctr[1] > ctr[0] || host[0] === host[1];
    if (oneToOne) {
      for (let p = host[0]; p <= host[1]; p++) conflicts.push(...hits(p));
    } else {
      // `8000-8010:80`: the first free port of the range; a conflict only when none is free
      const taken: Owned[] = [];
      let free = false;
      for (let p = host[0]; p <= host[1]; p++) {
        const h = hits(p);
        if (!h.length) free = true;
        taken.push(...h);
      }
      if (!free) conflicts.push(...taken);
    }
    if (conflicts.length) {
      const c = conflicts[0];
      errors.hostPort = `${hostIpForSpec(c.mapping.hostIp)}:${c.mapping.hostPort}/${c.mapping.proto} is already published by ${c.container}${conflicts.length > 1 ? ` (and ${conflicts.length - 1} more)` : ''}`;
    }
  }
  const ok = Object.keys(errors).length === 0;
  const hp = host ? d.hostPort.trim() : '';
  const ctrText = `${d.containerPort.trim()}/${d.proto}`;
  const spec = !ok ? null : ip ? `${hostIpForSpec(ip)}:${hp}:${ctrText}` : hp ? `${hp}:${ctrText}` : ctrText;
  return { errors, conflicts, spec };
}
