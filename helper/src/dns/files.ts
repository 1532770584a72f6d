import { lstat, mkdir, open, readFile, rm, stat, type FileHandle } from 'node:fs/promises';
import { constants, type Stats } from 'node:fs';
import { BerthError } from '../../../src/shared/errors';

// Each container's own /etc/resolv.conf and /etc/hosts (docs/dns.md): files
// the helper writes under its data root and the container's private mount
// namespace binds over /etc; the host's files are only ever read.

// The host's nameservers, as the helper (in the host's network namespace)
// reaches them: 127.0.0.53 (systemd-resolved) works from here, not from a container.
export async function hostNameservers(path = '/etc/resolv.conf'): Promise<string[]> {
  try {
    return parseNameservers(await readFile(path, 'utf8'));
  } catch {
    return [];
  }
}

export function parseNameservers(text: string): string[] {
  const out: string[] = [];
  for (const l of text.split('\n')) {
    const m = /^\s*nameserver\s+(\d+\.\d+\.\d+\.\d+)\s*$/.exec(l);
    if (m) out.push(m[1]);
  }
  return out;
}

export function hostSearch(text: string): string[] {
  const l = text.split('\n').reverse().find((x) => /^\s*(search|domain)\s/.test(x));
  return l ? l.trim().split(/\s+/).slice(1) : [];
}

export interface ContainerDns {
  nameserver: string | null; // the network's DNS server (gateway), null: the upstreams directly
  upstreams: string[]; // --dns, else the host's (used when nameserver is null)
  search: string[];
  hostname: string;
  ip: string | null;
  extraHosts: { name: string; ip: string }[];
}

export function resolvConf(d: ContainerDns): string {
  const lines = ['# Written by Berth for this container (docs/dns.md)'];
  if (d.nameserver) lines.push(`nameserver ${d.nameserver}`);
  else for (const n of d.upstreams.filter((x) => !x.startsWith('127.'))) lines.push(`nameserver ${n}`);
  if (d.search.length) lines.push(`search ${d.search.join(' ')}`);
  lines.push('options ndots:0');
  return lines.join('\n') + '\n';
}

// Docker's layout: localhost lines, --add-host entries, then the container's own address and hostname.
export function hostsFile(d: ContainerDns): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    ...d.extraHosts.map((h) => `${h.ip}\t${h.name}`),
  ];
  if (d.ip) lines.push(`${d.ip}\t${d.hostname}`);
  return lines.join('\n') + '\n';
}

export const etcPaths = (dir: string, id: string) => ({ resolvConf: `${dir}/${id}/resolv.conf`, hosts: `${dir}/${id}/hosts` });

// Writes in place (no rename): a bind mount holds the inode, so a running
// container sees the new text; hence O_NOFOLLOW but not O_EXCL. Each name
// must hold a file of the helper's own, so root never writes into another
// one through it (docs/decisions.md, "Root boundary"): a regular file (a
// FIFO would block, a device act on open), with one link (a hard link
// planted there is another file's inode), the helper's uid and the
// directory's filesystem. Both names are checked (lstat) before either is
// opened, and each file opened is checked again (fstat: the same inode),
// so a refusal writes nothing.
export async function writeEtc(dir: string, id: string, d: ContainerDns): Promise<{ resolvConf: string; hosts: string }> {
  const p = etcPaths(dir, id);
  await mkdir(`${dir}/${id}`, { recursive: true, mode: 0o755 });
  const dev = (await stat(`${dir}/${id}`)).dev;
  const files = [
    { path: p.resolvConf, text: resolvConf(d) },
    { path: p.hosts, text: hostsFile(d) },
  ];
  const before = await Promise.all(files.map(async (f) => checkOwn(f.path, await lstat(f.path).catch(orMissing), dev)));
  const opened: FileHandle[] = [];
  try {
    for (const [i, f] of files.entries()) {
      const fh = await open(f.path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK, 0o644).catch((e: NodeJS.ErrnoException) =>
        Promise.reject(['ELOOP', 'ENXIO', 'EISDIR'].includes(e.code ?? '') ? refusal(f.path, 'it is not a regular file') : e),
      );
      opened.push(fh);
      const st = checkOwn(f.path, await fh.stat(), dev);
      if (before[i] && before[i].ino !== st?.ino) throw refusal(f.path, 'it was replaced while the helper opened it');
    }
    for (const [i, fh] of opened.entries()) {
      await fh.truncate(0);
      await fh.write(files[i].text, 0);
    }
  } finally {
    for (const fh of opened) await fh.close();
  }
  return p;
}

const orMissing = (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e));
const refusal = (path: string, why: string) => new BerthError('conflict', `refusing to write ${path}: ${why}; the helper runs as root and rewrites only a file of its own`);

function checkOwn(path: string, st: Stats | null, dev: number): Stats | null {
  if (!st) return null;
  const uid = process.geteuid?.() ?? 0;
  const why = st.isSymbolicLink()
    ? 'it is a symbolic link'
    : !st.isFile()
      ? 'it is not a regular file'
      : st.nlink !== 1
        ? `it has ${st.nlink} links (a hard link to another file)`
        : st.uid !== uid
          ? `it belongs to uid ${st.uid}`
          : st.dev !== dev
            ? 'it is on another filesystem than its directory'
            : null;
  if (why) throw refusal(path, why);
  return st;
}

export const removeEtc = (dir: string, id: string) => rm(`${dir}/${id}`, { recursive: true, force: true });
