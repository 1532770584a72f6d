import { BerthError } from '../../../src/shared/errors';
import { kernelError, run, runJson } from './exec';
import { hostIp } from './ip-session';
import { checkNetnsName } from './netns';

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
export type { IpRouteJson as IpRoute } from './host-raw-types';
import type { IpRouteJson as IpRoute } from './host-raw-types';

function ipArgv(ns: NsRef, args: string[]): [string, string[]] {
  if (ns === undefined) return ['ip', args];
  if (ns.startsWith('/')) return ['nsenter', [`--net=${ns}`, '--', 'ip', ...args]];
  checkNetnsName(ns); // never an option to ip (kernel/netns.ts)
  return ['ip', ['-n', ns, ...args]];
}

export async function ip(ns: NsRef, args: string[]): Promise<string> {
  const [f, a] = ipArgv(ns, args);
  return (await run(f, a)).stdout;
}

// One `ip -batch -` per namespace per operation: a process per command costs
// more than the commands themselves; in the helper's own namespace the lines
// go to its long-lived ip (ip-session.ts) and start no process at all. The
// first failing line stops the batch and the caller rolls back.
export async function ipBatch(ns: NsRef, lines: string[]): Promise<void> {
  if (!lines.length) return;
  if (ns === undefined) {
    const results = await hostIp.run(lines, { stopOnError: true });
    const i = results.findIndex((r) => !r.ok);
    if (i >= 0) throw kernelError('ip', lines[i].split(' '), 1, results[i].error);
    return;
  }
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

// Idempotent like CNI's DEL: a link that is already gone counts as deleted.
// Links vanish on their own (a veth goes with its peer's namespace, which the
// kernel tears down asynchronously), so "list, then delete what is there"
// races. Instead one `ip -force -batch` runs every line (no listing first):
// "Cannot find device" means done, any other error fails the call and says
// which names are still there. Returns the names that were already gone, so
// a caller that records what it removed (cleanup's undo) skips them.
export async function deleteLinks(names: string[], ns?: NsRef): Promise<string[]> {
  if (!names.length) return [];
  if (ns === undefined) return deleteHostLinks(names);
  const [f, a] = ipArgv(ns, ['-force', '-batch', '-']);
  const r = await run(f, a, { input: names.map((n) => `link del dev ${n}\n`).join(''), okCodes: [1] });
  if (r.exitCode === 0) return [];
  const errors = r.stderr.split('\n').filter((l) => l && !l.startsWith('Cannot find device "') && !l.startsWith('Command failed -:'));
  if (errors.length || !r.stderr.trim()) {
    const err = kernelError(f, a, r.exitCode, r.stderr || r.stdout);
    const wanted = new Set(names);
    const left = (await listLinks(ns).catch(() => null))?.map((l) => l.ifname).filter((n) => wanted.has(n)) ?? names;
    throw new BerthError('kernel', err.message, { ...(err.details as object), left });
  }
  const absent = new Set([...r.stderr.matchAll(/Cannot find device "([^"]+)"/g)].map((m) => m[1]));
  return names.filter((n) => absent.has(n));
}

// deleteLinks in the helper's own namespace, through its long-lived ip: each
// line's answer is its own, so "already gone" is known per name.
async function deleteHostLinks(names: string[]): Promise<string[]> {
  const lines = names.map((n) => `link del dev ${n}`);
  const results = await hostIp.run(lines);
  const absent = names.filter((n, i) => results[i].error.startsWith(`Cannot find device "${n}"`));
  const failed = results.flatMap((r, i) => (r.ok || absent.includes(names[i]) ? [] : [`${lines[i]}: ${r.error}`]));
  if (!failed.length) return absent;
  const wanted = new Set(names);
  const left = (await listLinks().catch(() => null))?.map((l) => l.ifname).filter((n) => wanted.has(n)) ?? names;
  throw new BerthError('kernel', `ip ${failed.join(' / ')}`, { argv: ['ip', '-force', '-batch', '-'], exitCode: 1, stderr: failed.join('\n'), left });
}
