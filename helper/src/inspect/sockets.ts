import type { HostInspect } from '../../../src/shared/inspect';

type HostSocket = HostInspect['sockets'][number];

// `ss -Htulnp` lines: "tcp LISTEN 0 4096 127.0.0.1:8080 0.0.0.0:* users:(("berth",pid=12,fd=7))".
export function parseSs(text: string): HostSocket[] {
  const out: HostSocket[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6 || (f[0] !== 'tcp' && f[0] !== 'udp')) continue;
    const local = f[4];
    const colon = local.lastIndexOf(':');
    let address = local.slice(0, colon).replace(/^\[|\]$/g, '').replace(/%.*$/, '');
    if (address === '*') address = '0.0.0.0';
    const port = Number(local.slice(colon + 1));
    if (!Number.isFinite(port)) continue;
    const users = /\("([^"]*)",pid=(\d+)/.exec(f.slice(6).join(' '));
    const v6 = address.includes(':');
    out.push({
      proto: `${f[0]}${v6 ? '6' : ''}` as HostSocket['proto'],
      address,
      port,
      pid: users ? Number(users[2]) : null,
      process: users ? users[1] : null,
    });
  }
  return out;
}
