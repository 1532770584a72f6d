import { isIPv4, isIPv6 } from 'node:net';
import { BerthError } from '../../../src/shared/errors';
import { normalizeIp } from '../../../src/shared/ip';
import type { Proto } from '../../../src/shared/ports';
import { run } from './exec';

// Conntrack entries of a port mapping outlive its rules: a UDP client that
// keeps sending to host:port keeps hitting the OLD container through the
// existing entry even after the DNAT rule changed. Deleting the entries makes
// the next packet go through the new rules (libnetwork clearConntrackEntries).

export interface ConntrackFilter {
  proto: Proto;
  hostPort?: number; // original destination port (the published host port)
  containerIp?: string; // reply source: flows DNAT'd to (or opened to) the container
  origDst?: string; // original destination address (the host address)
  family?: 4 | 6; // when no address says it (default: IPv4)
}

// Delete matching entries in the caller's network namespace; returns how
// many were deleted. conntrack exits 1 with "0 flow entries have been
// deleted" when nothing matched: that is an answer, not a failure.
export async function flushConntrack(f: ConntrackFilter): Promise<number> {
  return deleteConntrack(conntrackFilterArgs(f));
}

// Of many filters (a `port rm` of a range: one a port), those that name an
// entry now: one listing per family (`conntrack -L`) instead of a
// `conntrack -D` a filter, ~10 ms each (a range of 1,000 ports held the
// container's next operation ~18 s). Exact when called after the rules
// changed, as the flushes are (engine/port-conntrack.ts): an entry made since
// was made under the new rules, and is not one to flush.
export async function filtersWithEntries(filters: ConntrackFilter[]): Promise<ConntrackFilter[]> {
  const args = filters.map(conntrackFilterArgs); // validated first, as each -D would be
  const families = [...new Set(args.map((a) => a[1]))];
  const listed = await Promise.all(families.map(async (fam) => (await run('conntrack', ['-L', '-f', fam], { okCodes: [1] })).stdout));
  // by protocol and original destination port: a busy host lists thousands of entries
  const byPort = new Map<string, Entry[]>();
  for (const l of listed.join('\n').split('\n')) {
    const e = parseEntry(l);
    if (!e) continue;
    const k = `${e.proto} ${e.origDport}`;
    (byPort.get(k) ?? byPort.set(k, []).get(k)!).push(e);
  }
  const all = [...byPort.values()].flat();
  return filters.filter((f) => {
    const ip = (x: string | undefined) => (x === undefined ? undefined : (normalizeIp(x) ?? x));
    const [origDst, replySrc] = [ip(f.origDst), ip(f.containerIp)];
    const candidates = f.hostPort === undefined ? all : (byPort.get(`${f.proto} ${f.hostPort}`) ?? []);
    return candidates.some((e) => e.proto === f.proto && (origDst === undefined || e.origDst === origDst) && (replySrc === undefined || e.replySrc === replySrc));
  });
}

interface Entry {
  proto: string;
  origDst: string;
  origDport: number;
  replySrc: string;
}
// `udp 17 29 src=A dst=B sport=P dport=Q [UNREPLIED] src=B' dst=A' sport=Q' dport=P' ...`:
// the first tuple is the original direction, the second the reply
function parseEntry(line: string): Entry | null {
  const proto = /^(\S+)\s/.exec(line)?.[1];
  const dst = /\bdst=(\S+)/.exec(line)?.[1];
  const dport = /\bdport=(\d+)/.exec(line)?.[1];
  const replySrc = /\bsrc=\S+.*?\bsrc=(\S+)/.exec(line)?.[1];
  if (!proto || !dst || !replySrc) return null;
  return { proto, origDst: normalizeIp(dst) ?? dst, origDport: dport ? Number(dport) : 0, replySrc: normalizeIp(replySrc) ?? replySrc };
}

// `conntrack -D <selector>`: the number of entries deleted. Cleanup passes
// the exact selectors its plan showed.
export async function deleteConntrack(selector: string[]): Promise<number> {
  const args = ['-D', ...selector];
  const r = await run('conntrack', args, { okCodes: [1] });
  const m = /(\d+) flow entries have been deleted/.exec(`${r.stderr}\n${r.stdout}`);
  if (r.exitCode === 1 && !(m && m[1] === '0')) {
    throw new BerthError('kernel', `conntrack ${args.join(' ')}: exit 1: ${r.stderr.trim() || r.stdout.trim()}`, {
      argv: ['conntrack', ...args],
      exitCode: 1,
      stderr: r.stderr,
    });
  }
  return m ? Number(m[1]) : 0;
}

// The selector arguments, exported for the cleanup planner's "exact commands".
export function conntrackFilterArgs(f: ConntrackFilter): string[] {
  const ips = [f.containerIp, f.origDst].filter((x): x is string => x !== undefined);
  for (const ip of ips) {
    if (!isIPv4(ip) && !isIPv6(ip)) throw new BerthError('invalid_argument', `invalid IP address: ${ip}`);
  }
  const v6 = ips.length ? ips.some((ip) => isIPv6(ip)) : f.family === 6;
  if (v6 && ips.some((ip) => isIPv4(ip))) {
    throw new BerthError('invalid_argument', 'conntrack filter mixes IPv4 and IPv6 addresses');
  }
  if (f.hostPort !== undefined && (!Number.isInteger(f.hostPort) || f.hostPort < 1 || f.hostPort > 65535)) {
    throw new BerthError('invalid_argument', `invalid port: ${f.hostPort} (ports are 1-65535)`);
  }
  const args = ['-f', v6 ? 'ipv6' : 'ipv4', '-p', f.proto];
  if (f.origDst !== undefined) args.push('--orig-dst', f.origDst);
  if (f.hostPort !== undefined) args.push('--orig-port-dst', String(f.hostPort));
  if (f.containerIp !== undefined) args.push('--reply-src', f.containerIp);
  return args;
}
