import { existsSync } from 'node:fs';
import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import { parseConntrackList, type ConntrackEntry } from './conntrack-parse';
import { run, runJson, runStreaming } from './exec';
import { restoreCount } from './iptables';
import { isNetnsName } from './netns';
import { nftApplyCount, nftListRuleset } from './nft';
import type { HostRaw, IpLinkJson, IpNsId, IpRouteJson, RawNetns, RawProcess } from './host-raw-types';

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

// Each reader records what it could not read instead of throwing, so one
// missing program (no nft, no ip6tables) does not hide the rest of the host.
async function attempt<T>(label: string, errors: string[], f: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await f();
  } catch (e) {
    errors.push(`${label}: ${errText(e)}`);
    return fallback;
  }
}

const nsInode = async (path: string): Promise<number> => (await stat(path)).ino;

async function readProcesses(hostInode: number): Promise<RawProcess[]> {
  const out: RawProcess[] = [];
  const seen = new Set<number>();
  const pids = (await readdir('/proc')).filter((d) => /^\d+$/.test(d));
  await Promise.all(
    pids.map(async (p) => {
      try {
        const link = await readlink(`/proc/${p}/ns/net`);
        const inode = Number(/\[(\d+)\]/.exec(link)?.[1] ?? 0);
        if (!inode || inode === hostInode) return;
        const comm = (await readFile(`/proc/${p}/comm`, 'utf8')).trim();
        let cgroup: string | null = null;
        if (!seen.has(inode)) {
          seen.add(inode);
          cgroup = (await readFile(`/proc/${p}/cgroup`, 'utf8').catch(() => '')).trim().split('\n').pop() ?? null;
        }
        out.push({ pid: Number(p), comm, inode, cgroup });
      } catch {
        // the process exited, or a kernel thread without a readable ns link
      }
    }),
  );
  return out.sort((a, b) => a.pid - b.pid);
}

// nsfs bind mounts: named netns and engines' private ones (/run/docker/netns/…).
async function readNsMounts(): Promise<{ path: string; inode: number }[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const out: { path: string; inode: number }[] = [];
  for (const line of text.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!post?.startsWith('nsfs ')) continue;
    const f = pre.split(' ');
    const m = /^net:\[(\d+)\]$/.exec(f[3]);
    if (m) out.push({ path: f[4].replace(/\\040/g, ' '), inode: Number(m[1]) });
  }
  return out;
}

async function readNetnsList(hostInode: number, processes: RawProcess[], errors: string[]) {
  const found = new Map<number, { name: string | null; path: string }>();
  const names = await attempt('ls /run/netns', errors, () => readdir('/run/netns'), [] as string[]);
  for (const name of names) {
    const path = `/run/netns/${name}`;
    const inode = await nsInode(path).catch(() => 0);
    if (inode && inode !== hostInode) found.set(inode, { name, path });
  }
  for (const m of await attempt('/proc/self/mountinfo', errors, readNsMounts, [])) {
    if (m.inode !== hostInode && !found.has(m.inode)) found.set(m.inode, { name: null, path: m.path });
  }
  for (const p of processes) {
    if (!found.has(p.inode)) found.set(p.inode, { name: null, path: `/proc/${p.pid}/ns/net` });
  }
  return found;
}

// `ip -json addr` inside one namespace: by name, or through nsenter for the
// rest (a name `ip` must not be given, kernel/netns.ts isNetnsName, included).
async function readNsLinks(ns: { name: string | null; path: string }): Promise<IpLinkJson[]> {
  if (ns.name && isNetnsName(ns.name)) return runJson<IpLinkJson[]>('ip', ['-n', ns.name, '-json', 'addr'], { timeoutMs: 5000 });
  return runJson<IpLinkJson[]>('nsenter', [`--net=${ns.path}`, 'ip', '-json', 'addr'], { timeoutMs: 5000 });
}

async function mapLimited<T, R>(items: T[], limit: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

const text = async (file: string, args: string[]) => (await run(file, args)).stdout;

// A firewall reading already running is joined, not started again, when no write of
// Berth's to that firewall (iptables-restore, nft -f) started since it began. The app
// asks for the Cleanup plan as it connects (docs/decisions.md, "Cleanup"): a NAT view
// opened then would otherwise run a second iptables-save of tens of thousands of rules
// beside the first on the same cores, and hold a second copy of its text. The joined
// text is at most one program run older than the request. Cleanup's apply never joins:
// its liveness is read after it was asked for.
const running = new Map<string, { gen: number; text: Promise<string>; joiners: number }>();
function joined(key: string, gen: number, read: () => Promise<string>): Promise<string> {
  const r = running.get(key);
  if (r && r.gen === gen) {
    r.joiners++;
    return r.text;
  }
  const text = read();
  const entry = { gen, text, joiners: 0 };
  running.set(key, entry);
  const done = () => {
    if (running.get(key) === entry) running.delete(key);
  };
  text.then(done, done);
  return text;
}
// `onChunk`: the text is given to it as it comes (a joined reading's whole text
// at once), for a reader that parses it meanwhile (inspect/host.ts); the reading
// then resolves to '' (it was read) and keeps no whole text of its own: kept as
// strings for the reading's length and joined, it was ~2 MB at 10,000 rules
// that outlived the young generation in every host.inspect and cleanup.plan,
// a full collection every second warm reading (docs/architecture.md, "Reading iptables-save").
const iptablesSaveText = (tool: 'iptables-save' | 'ip6tables-save', join: boolean, onChunk?: (text: string) => void) => {
  if (onChunk) return streamIptablesSave(tool, onChunk, undefined, join, false);
  const read = () => text(tool, ['-c']);
  return join ? joined(tool, restoreCount(tool === 'iptables-save' ? 'ipv4' : 'ipv6'), read) : read();
};
// iptables-save's text as it comes, for a reader that works on it meanwhile
// (`berth nat ls`, host.inspect); resolves to the whole text. A reading already
// running is joined (its whole text in one chunk); this one is joined by later
// readers in turn. `join` false (cleanup's apply): neither.
// `signal` (`berth nat ls`, whose client may go away): the program is killed
// when it aborts, and its run is not joined by later readers (they run their
// own), so nothing of it is kept for one: a listing's copy of the save, kept as
// bytes for a reader that might join, was ~1.1 MB of ArrayBuffers per listing
// that only a full collection frees (scale bench: 1.1 -> 5.5 MB over five raw
// listings; docs/architecture.md, "Helper memory").
// `wantText` false (it has each chunk in onChunk): resolves to '' unless a
// later reader joined; the chunks kept for such a reader are bytes outside
// V8's heap meanwhile, joined only for one. As strings they outlived the young
// generation (~1 MB at 10,000 rules copied by it, then left in the old one).
export function streamIptablesSave(tool: 'iptables-save' | 'ip6tables-save', onChunk: (text: string) => void, signal?: AbortSignal, join = true, wantText = true): Promise<string> {
  const chunks: string[] = [];
  const bytes: Buffer[] = [];
  const own = () =>
    runStreaming(tool, ['-c'], (c) => {
      if (wantText) chunks.push(c);
      onChunk(c);
    }, { signal }).then(() => chunks.join(''));
  if (!join) return own();
  const gen = restoreCount(tool === 'iptables-save' ? 'ipv4' : 'ipv6');
  const r = running.get(tool);
  if (r && r.gen === gen) return joined(tool, gen, () => r.text).then((t) => (onChunk(t), t));
  if (signal) return own();
  let entry: { joiners: number } | undefined;
  const text = joined(tool, gen, async () => {
    await runStreaming(tool, ['-c'], (c) => {
      if (wantText) chunks.push(c);
      else bytes.push(Buffer.from(c));
      onChunk(c);
    });
    return wantText ? chunks.join('') : entry?.joiners ? Buffer.concat(bytes).toString() : '';
  });
  entry = running.get(tool);
  return text;
}
const nftRuleset = (join: boolean) => {
  if (!join) return nftListRuleset();
  // joined as its JSON text: the one value both readers get is never changed by either
  return joined('nft', nftApplyCount(), async () => JSON.stringify(await nftListRuleset())).then((t) => JSON.parse(t) as { nftables: unknown[] });
};

// One save's whole text, read again: for a reader whose parse of the pieces failed (inspect/host.ts).
export const readSaveText = (family: 'ipv4' | 'ipv6'): Promise<string> => text(family === 'ipv4' ? 'iptables-save' : 'ip6tables-save', ['-c']);

// Read everything host.inspect shows, in parallel where the sources are independent.
// `join`: firewall readings already running are shared (see `joined`).
// `onSave`: each iptables-save's text as it comes; the answer then has '' for a save
// that was read (null: not read), not its text (see iptablesSaveText).
export async function readHostRaw({ join = false, onSave }: { join?: boolean; onSave?: (family: 'ipv4' | 'ipv6', text: string) => void } = {}): Promise<HostRaw> {
  const errors: string[] = [];
  const takenAt = new Date().toISOString();
  // The saves first: on a host with many rules iptables-save is the longest of these
  // programs, and the spawner starts them one after another in the order asked (a
  // fork and exec each); the host's namespace inode is waited for by readProcesses only.
  const hostInodeRead = attempt('/proc/self/ns/net', errors, () => nsInode('/proc/self/ns/net'), 0);
  const [v4, v6, nft, links, addrs, routes, nsids, processes, ss] = await Promise.all([
    attempt('iptables-save', errors, () => iptablesSaveText('iptables-save', join, onSave && ((t) => onSave('ipv4', t))), null),
    attempt('ip6tables-save', errors, () => iptablesSaveText('ip6tables-save', join, onSave && ((t) => onSave('ipv6', t))), null),
    attempt('nft', errors, () => nftRuleset(join), null),
    attempt('ip link', errors, () => runJson<IpLinkJson[]>('ip', ['-json', '-details', 'link', 'show']), []),
    attempt('ip addr', errors, () => runJson<IpLinkJson[]>('ip', ['-json', 'addr']), []),
    attempt('ip route', errors, () => runJson<IpRouteJson[]>('ip', ['-json', 'route', 'show', 'table', 'all']), []),
    attempt('ip netns list-id', errors, () => runJson<IpNsId[]>('ip', ['-json', 'netns', 'list-id']), []),
    attempt('/proc/*/ns/net', errors, async () => readProcesses(await hostInodeRead), []),
    attempt('ss', errors, () => text('ss', ['-Htulnp']), null),
  ]);
  const hostInode = await hostInodeRead;
  const list = await readNetnsList(hostInode, processes, errors);
  const read = await mapLimited([...list.entries()], 8, async ([inode, ns]): Promise<RawNetns | null> => {
    try {
      return { ...ns, inode, links: await readNsLinks(ns), error: null };
    } catch (e) {
      // a namespace known only through a process that has since exited is simply gone
      if (!ns.name && !existsSync(ns.path)) return null;
      errors.push(`netns ${ns.name ?? ns.path}: ${errText(e)}`);
      return { ...ns, inode, links: [], error: errText(e) };
    }
  });
  const netns = read.filter((n): n is RawNetns => n !== null);
  return { takenAt, hostInode, links, addrs, routes, nsids, netns, processes, ss, iptables: { ipv4: v4, ipv6: v6 }, nft, errors };
}

// Which sources a firewall reading takes; the counters of a few rows need
// only the programs those rows came from (no links: nothing is classified).
export interface FirewallSources {
  links: boolean;
  ipv4: boolean;
  ipv6: boolean;
  nft: boolean;
}
const EVERY_SOURCE: FirewallSources = { links: true, ipv4: true, ipv6: true, nft: true };
const skipped = async <T>(v: T) => v;

// Only the firewall, for the NAT views: cheaper than the whole host; readings already running are joined.
export async function readFirewallRaw(from: FirewallSources = EVERY_SOURCE): Promise<Pick<HostRaw, 'iptables' | 'nft' | 'errors' | 'links'>> {
  const errors: string[] = [];
  // the saves first, as readHostRaw asks for them
  const [v4, v6, nft, links] = await Promise.all([
    from.ipv4 ? attempt('iptables-save', errors, () => iptablesSaveText('iptables-save', true), null) : skipped(null),
    from.ipv6 ? attempt('ip6tables-save', errors, () => iptablesSaveText('ip6tables-save', true), null) : skipped(null),
    from.nft ? attempt('nft', errors, () => nftRuleset(true), null) : skipped(null),
    from.links ? attempt('ip link', errors, () => runJson<IpLinkJson[]>('ip', ['-json', '-details', 'link', 'show']), []) : skipped([]),
  ]);
  return { links, iptables: { ipv4: v4, ipv6: v6 }, nft, errors };
}

// The flows conntrack tracks to one address and port (validated by the
// contract: an IP address, a port number, a protocol name), for the tracer.
export async function readConntrackTo(dst: string, port: number, proto: 'tcp' | 'udp' | 'sctp', errors: string[]): Promise<ConntrackEntry[]> {
  const family = dst.includes(':') ? 'ipv6' : 'ipv4';
  return attempt('conntrack', errors, async () => parseConntrackList(await text('conntrack', ['-L', '-f', family, '-p', proto, '-d', dst, '--dport', String(port), '-o', 'extended'])), []);
}

// The kernel's tracked IPv4 flows (Berth publishes IPv4 only), for the
// stale-conntrack finding; unreadable (no conntrack program) is named in errors.
export async function readConntrack(errors: string[]): Promise<ConntrackEntry[]> {
  return attempt('conntrack', errors, async () => parseConntrackList(await text('conntrack', ['-L', '-f', 'ipv4', '-o', 'extended'])), []);
}
