import { kernelError, run, runJson } from './exec';

// Thin adapter over iproute2. `ns` names where a command runs: undefined is
// the helper's own namespace, a plain name is a named netns (/run/netns/NAME),
// a path is any netns file (/proc/PID/ns/net), entered with nsenter.
export type NsRef = string | undefined;

export interface IpLink {
  ifindex: number;
  ifname: string;
  link?: string; // veth peer name when in the same netns
  link_index?: number;
  link_netnsid?: number;
  master?: string;
  operstate: string;
  mtu: number;
  address: string;
  ifalias?: string;
  flags: string[];
  linkinfo?: { info_kind?: string; info_slave_kind?: string };
}
export interface IpAddr {
  ifname: string;
  addr_info: { family: string; local: string; prefixlen: number }[];
}
export type { IpRouteJson as IpRoute } from './host-raw';
import type { IpRouteJson as IpRoute } from './host-raw';

function ipArgv(ns: NsRef, args: string[]): [string, string[]] {
  if (ns === undefined) return ['ip', args];
  if (ns.startsWith('/')) return ['nsenter', [`--net=${ns}`, '--', 'ip', ...args]];
  return ['ip', ['-n', ns, ...args]];
}

export async function ip(ns: NsRef, args: string[]): Promise<string> {
  const [f, a] = ipArgv(ns, args);
  return (await run(f, a)).stdout;
}

// One `ip -batch -` per namespace per operation: a process per command costs
// more than the commands themselves. `-force` is off, so the first failing
// line stops the batch and the caller rolls back.
export async function ipBatch(ns: NsRef, lines: string[]): Promise<void> {
  if (!lines.length) return;
  const [f, a] = ipArgv(ns, ['-batch', '-']);
  await run(f, a, { input: lines.join('\n') + '\n' });
}

export const listLinks = (ns?: NsRef) => ipJson<IpLink[]>(ns, ['-details', 'link', 'show']);
export const listAddrs = (ns?: NsRef) => ipJson<IpAddr[]>(ns, ['addr', 'show']);
export const listRoutes = (ns?: NsRef) => ipJson<IpRoute[]>(ns, ['route', 'show']);

async function ipJson<T>(ns: NsRef, args: string[]): Promise<T> {
  const [f, a] = ipArgv(ns, ['-json', ...args]);
  return runJson<T>(f, a);
}

export async function linkExists(name: string, ns?: NsRef): Promise<boolean> {
  const [f, a] = ipArgv(ns, ['-json', 'link', 'show', 'dev', name]);
  const r = await run(f, a, { okCodes: [1] });
  return r.exitCode === 0;
}

// Deleting links that may already be gone is a normal part of teardown: one
// `ip -force -batch` for all of them (no listing first), where "Cannot find
// device" means done and any other error fails the call.
export async function deleteLinks(names: string[], ns?: NsRef): Promise<void> {
  if (!names.length) return;
  const [f, a] = ipArgv(ns, ['-force', '-batch', '-']);
  const r = await run(f, a, { input: names.map((n) => `link del dev ${n}\n`).join(''), okCodes: [1] });
  if (r.exitCode === 0) return;
  const errors = r.stderr.split('\n').filter((l) => l && !l.startsWith('Cannot find device "') && !l.startsWith('Command failed -:'));
  if (errors.length || !r.stderr.trim()) throw kernelError(f, a, r.exitCode, r.stderr || r.stdout);
}
