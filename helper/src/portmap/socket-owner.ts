import { readdir, readFile, readlink } from 'node:fs/promises';
import type { Proto } from '../../../src/shared/ports';
import { hostIpsOverlap, normalizeIp } from '../../../src/shared/ip';

// Which process holds a host port, from /proc/net/{tcp,udp}{,6} (socket
// inode by local address) and /proc/PID/fd (inode -> process). Used only to
// make "port is already allocated" say who has it; any read error just means
// "unknown".

export interface ProcSocket {
  localIp: string;
  localPort: number;
  state: number; // TCP state (0x0A = LISTEN); UDP sockets show 0x07
  inode: number;
}
export interface PortHolder {
  pid: number;
  command: string; // /proc/PID/comm
  localIp: string;
  localPort: number;
}

const TCP_LISTEN = 0x0a;

// One /proc/net/tcp|udp|tcp6|udp6 table. Addresses are hex in the kernel's
// byte order: each 32-bit word little-endian.
export function parseProcNet(text: string): ProcSocket[] {
  const out: ProcSocket[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [addrHex, portHex] = f[1].split(':');
    const localIp = hexToIp(addrHex);
    if (localIp === undefined || portHex === undefined) continue;
    out.push({ localIp, localPort: parseInt(portHex, 16), state: parseInt(f[3], 16), inode: Number(f[9]) });
  }
  return out;
}

function hexToIp(hex: string): string | undefined {
  if (!/^[0-9A-Fa-f]+$/.test(hex) || (hex.length !== 8 && hex.length !== 32)) return undefined;
  const bytes: number[] = [];
  for (let w = 0; w < hex.length; w += 8) {
    const word = hex.slice(w, w + 8);
    for (let b = 6; b >= 0; b -= 2) bytes.push(parseInt(word.slice(b, b + 2), 16));
  }
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  return normalizeIp(groups.join(':'));
}

// The process holding `hostPort` for `proto` in the caller's network
// namespace, preferring a socket whose address overlaps `hostIp` (a dual-stack
// [::] listener also blocks 0.0.0.0, so any socket on the port is the
// fallback). SCTP has no /proc/net table that maps to inodes: undefined.
export async function findPortHolder(
  hostIp: string,
  hostPort: number,
  proto: Proto,
  procRoot = '/proc',
): Promise<PortHolder | undefined> {
  if (proto === 'sctp') return undefined;
  const sockets: ProcSocket[] = [];
  for (const table of [proto, `${proto}6`]) {
    const text = await readFile(`${procRoot}/net/${table}`, 'utf8').catch(() => '');
    sockets.push(...parseProcNet(text).filter((s) => s.localPort === hostPort && s.inode !== 0));
  }
  const rank = (s: ProcSocket) =>
    (proto === 'tcp' && s.state !== TCP_LISTEN ? 2 : 0) + (hostIp && hostIpsOverlap(hostIp, s.localIp) ? 0 : 1);
  sockets.sort((a, b) => rank(a) - rank(b));
  if (sockets.length === 0) return undefined;

  const byInode = new Map(sockets.map((s) => [`socket:[${s.inode}]`, s]));
  const pids = (await readdir(procRoot).catch(() => [] as string[])).filter((d) => /^\d+$/.test(d));
  let best: { holder: PortHolder; rank: number } | undefined;
  for (const pid of pids) {
    const fds = await readdir(`${procRoot}/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`${procRoot}/${pid}/fd/${fd}`).catch(() => '');
      const s = byInode.get(target);
      if (!s) continue;
      const r = rank(s);
      if (best && best.rank <= r) continue;
      const command = (await readFile(`${procRoot}/${pid}/comm`, 'utf8').catch(() => '?')).trim();
      best = { holder: { pid: Number(pid), command, localIp: s.localIp, localPort: s.localPort }, rank: r };
      if (r === 0) return best.holder;
    }
  }
  return best?.holder;
}

export const describeHolder = (h: PortHolder) => `${h.command} (pid ${h.pid})`;
