import type { FirewallRule } from '../../../src/shared/inspect';
import { flat } from '../kernel/save-lines';

type RuleCore = Pick<FirewallRule, 'matches' | 'target' | 'targetArgs' | 'family'>;

const anyAddr = (family: string) => (family === 'ipv6' ? '[::]' : '0.0.0.0');
const stripHost = (a: string) => a.replace(/\/(32|128)$/, '');
const hostPort = (addr: string, port: string, family: string) =>
  `${family === 'ipv6' && !addr.startsWith('[') ? `[${addr}]` : addr}:${port}`;

// Decode a NAT rule into the mapping a user thinks in:
//   DNAT       "0.0.0.0:8080 -> 172.17.0.2:80/tcp"
//   MASQUERADE "172.17.0.0/16 -> !docker0"  (source subnet -> out interface)
//   SNAT       "172.17.0.0/16 -> 10.0.0.5 via !docker0"
// The mapping in one piece (kernel/save-lines.ts flat): a rule keeps it, and the
// joins it is made of were kept with it, each copied by the collector (~100 bytes
// a DNAT) until the answer's writing flattened it anyway.
export function decodeNat(r: RuleCore): string | null {
  const m = decodeParts(r);
  return m === null ? null : flat(m);
}
function decodeParts(r: RuleCore): string | null {
  const m = r.matches;
  const proto = m.p ?? m.protocol ?? '';
  if (r.target === 'DNAT') {
    const to = r.targetArgs['to-destination'] ?? '';
    const dst = m.d ? stripHost(m.d) : anyAddr(r.family);
    const port = m.dport ?? m.dports ?? '*';
    const target = to.includes(':') || r.family === 'ipv6' ? to : `${to}:${port}`;
    return `${hostPort(dst, port, r.family)} -> ${target}${proto ? `/${proto}` : ''}`;
  }
  if (r.target === 'REDIRECT') {
    const dst = m.d ? stripHost(m.d) : anyAddr(r.family);
    return `${hostPort(dst, m.dport ?? '*', r.family)} -> local:${r.targetArgs['to-ports'] ?? '*'}${proto ? `/${proto}` : ''}`;
  }
  if (r.target === 'MASQUERADE' || r.target === 'SNAT') {
    const src = m.s ?? (m['!s'] ? `!${m['!s']}` : 'any');
    const out = m.o ?? (m['!o'] ? `!${m['!o']}` : '*');
    if (r.target === 'SNAT') return `${src} -> ${r.targetArgs['to-source'] ?? '?'} via ${out}`;
    return `${src} -> ${out}`;
  }
  return null;
}

// The container side of a DNAT, split: { ip, port }.
export function dnatTarget(r: RuleCore): { ip: string; port: string | null } | null {
  const to = r.target === 'DNAT' ? r.targetArgs['to-destination'] : undefined;
  if (!to) return null;
  const v6 = /^\[(.+)\](?::(\S+))?$/.exec(to);
  if (v6) return { ip: v6[1], port: v6[2] ?? null };
  if (r.family === 'ipv6') return { ip: to, port: null };
  const [ip, port] = to.split(':');
  return { ip: ip.split('-')[0], port: port ?? null };
}
