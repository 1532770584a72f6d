import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { constants } from 'node:fs';

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
// container sees the new text. Created root-owned 0644 without following links.
export async function writeEtc(dir: string, id: string, d: ContainerDns): Promise<{ resolvConf: string; hosts: string }> {
  const p = etcPaths(dir, id);
  await mkdir(`${dir}/${id}`, { recursive: true, mode: 0o755 });
  for (const [path, text] of [[p.resolvConf, resolvConf(d)], [p.hosts, hostsFile(d)]] as const) {
    const fh = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
    try {
      await fh.truncate(0);
      await fh.write(text, 0);
    } finally {
      await fh.close();
    }
  }
  return p;
}

export const removeEtc = (dir: string, id: string) => rm(`${dir}/${id}`, { recursive: true, force: true });
