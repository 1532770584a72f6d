import { run } from './exec';

// The few writes cleanup makes, each one batch: one iptables-restore per
// family (atomic per table), one `ip -batch` per namespace.
export type IpFamily = 'ipv4' | 'ipv6';
const v6 = (f: IpFamily) => f === 'ipv6';

export async function iptablesSaveTable(family: IpFamily, table: string): Promise<string> {
  return (await run(v6(family) ? 'ip6tables-save' : 'iptables-save', ['-t', table])).stdout;
}

// `--noflush`: only the listed -D/-I lines change; no chain is ever flushed.
export async function iptablesRestoreNoflush(family: IpFamily, text: string): Promise<void> {
  await run(v6(family) ? 'ip6tables-restore' : 'iptables-restore', ['--noflush'], { input: text });
}

// `ip -batch -` stops at the first failing line; the caller re-reads to see which went through.
export async function ipBatch(lines: string[], netns?: string): Promise<void> {
  if (lines.length === 0) return;
  const args = netns ? ['-n', netns, '-batch', '-'] : ['-batch', '-'];
  await run('ip', args, { input: `${lines.join('\n')}\n` });
}

export async function netnsDelete(name: string): Promise<void> {
  await run('ip', ['netns', 'delete', name]);
}

export async function netnsAdd(name: string): Promise<void> {
  await run('ip', ['netns', 'add', name]);
}

export async function linkNames(netns?: string): Promise<Set<string>> {
  const args = netns ? ['-n', netns, '-json', 'link', 'show'] : ['-json', 'link', 'show'];
  const out = JSON.parse((await run('ip', args)).stdout || '[]') as { ifname: string }[];
  return new Set(out.map((l) => l.ifname));
}

export async function netnsNames(): Promise<Set<string>> {
  const out = JSON.parse((await run('ip', ['-json', 'netns', 'list'])).stdout.trim() || '[]') as { name: string }[];
  return new Set(out.map((n) => n.name));
}
