// host.inspect-equivalent work on a generated 10,000-rule ruleset across
// owners: parse iptables-save, classify, build HostInspect, its answer's JSON
// as the helper writes it (server/json-pieces.ts), plan cleanup.
// Pure: nothing is read from or written to the host. Run: node bench/inspect.bench.mjs
// (env RULES, ROUNDS; RULESET=foreign: the scale bench's ruleset (bench/lib/host.mjs), whose
// rules quote comments, instead of this one's; the unit suite runs it with a few hundred rules as a smoke test)
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = `
import { buildHostInspect } from './helper/src/inspect/build';
import { planStale } from './helper/src/cleanup/findings';
import { jsonPieces } from './helper/src/server/json-pieces';
import { RuleMemo } from './helper/src/inspect/rule-memo';
export { buildHostInspect, jsonPieces, planStale, RuleMemo };
`;
const out = await build({
  stdin: { contents: entry, resolveDir: root, loader: 'ts' },
  bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'warning',
});
const mod = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);

const N = Number(process.env.RULES ?? 10000);
const owners = ['DOCKER', 'BERTH', 'CNI-', 'NETAVARK', 'KUBE-SVC-', 'LIBVIRT_', 'ufw-'];
const nat = ['*nat', ':PREROUTING ACCEPT [0:0]', ':POSTROUTING ACCEPT [0:0]'];
const filter = ['*filter', ':FORWARD ACCEPT [0:0]'];
for (let i = 0; i < N; i++) {
  const o = owners[i % owners.length];
  const chain = o.endsWith('-') || o.endsWith('_') ? `${o}${(i % 50).toString(16).toUpperCase()}` : o;
  const net = i % 200;
  const ip = `10.${net}.${(i >> 8) & 255}.${(i & 255) || 1}`;
  const tag = o === 'BERTH' ? ` -m comment --comment "berth:${(net % 7).toString(16).padStart(12, '0')}"` : '';
  switch (i % 4) {
    case 0: nat.push(`[${i}:${i * 60}] -A ${chain} ! -i br${net} -p tcp -m tcp --dport ${1024 + (i % 30000)}${tag} -j DNAT --to-destination ${ip}:80`); break;
    case 1: nat.push(`[0:0] -A POSTROUTING -s 10.${net}.0.0/16 ! -o br${net}${tag} -j MASQUERADE`); break;
    case 2: filter.push(`[0:0] -A ${chain} -d ${ip}/32 ! -i br${net} -o br${net} -p tcp -m tcp --dport 80${tag} -j ACCEPT`); break;
    default: filter.push(`[0:0] -A ${chain} -o br${net} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  }
}
// iptables-save prints a chain's rules together: so are the foreign ruleset's here
function chainsTogether(save) {
  const out = [];
  let chains = new Map();
  const flush = () => {
    for (const rules of chains.values()) out.push(...rules);
    chains = new Map();
  };
  for (const l of save.split('\n')) {
    const chain = / -A (\S+)/.exec(l)?.[1];
    if (chain === undefined) {
      flush();
      out.push(l);
    } else if (chains.has(chain)) chains.get(chain).push(l);
    else chains.set(chain, [l]);
  }
  flush();
  return out.join('\n');
}
const text = process.env.RULESET === 'foreign'
  ? chainsTogether((await import('./lib/host.mjs')).foreignRules(N))
  : [...nat, 'COMMIT', ...filter, 'COMMIT', ''].join('\n');
// a host with half the networks alive: 100 bridges each with 20 container namespaces
const links = [], netns = [];
for (let n = 0; n < 100; n++) {
  links.push({ ifindex: n + 2, ifname: `br${n}`, linkinfo: { info_kind: 'bridge' }, operstate: 'UP' });
  for (let c = 0; c < 20; c++) {
    const idx = 1000 + n * 20 + c;
    links.push({ ifindex: idx, ifname: `veth${idx}`, master: `br${n}`, link_index: 2, link_netnsid: idx, linkinfo: { info_kind: 'veth' } });
    netns.push({ name: `ns${idx}`, path: `/run/netns/ns${idx}`, inode: idx, error: null, links: [{ ifindex: 2, ifname: 'eth0', link_index: idx, addr_info: [{ family: 'inet', local: `10.${n}.0.${c + 2}`, prefixlen: 16 }] }] });
  }
}
const addrs = links.map((l) => (l.ifname.startsWith('br') ? { ...l, addr_info: [{ family: 'inet', local: `10.${l.ifindex - 2}.0.1`, prefixlen: 16 }] } : l));
const raw = { takenAt: new Date().toISOString(), hostInode: 1, links, addrs, routes: [], nsids: [], netns, processes: [], ss: '', iptables: { ipv4: text, ipv6: null }, nft: null, errors: [] };
const berth = { networks: [], endpoints: [], netnsNames: [], ports: [], heldPorts: [] };

// wall and CPU time (all of the process's threads: GC helpers included); on a shared machine the
// CPU time is the steadier of the two, the wall time what a user waits
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const time = (f) => { const t = performance.now(); const c = cpuMs(); const r = f(); return [r, performance.now() - t, cpuMs() - c]; };
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const cpu = { inspect: [], json: [], plan: [] };
// the answer's text, piece by piece as the helper sends it (its length, so nothing is kept)
const answer = (host) => {
  let n = 0;
  for (const piece of mod.jsonPieces({ jsonrpc: '2.0', id: 1, result: host })) n += piece.length;
  return n;
};
// One reading as the helper makes it: parse + classify (from the memo of the readings before, when
// given: inspect/rule-memo.ts) and the memo settled, the answer's JSON, then the cleanup plan.
const reading = (rawNow, memo) => {
  const [host, tInspect, cInspect] = time(() => {
    const h = mod.buildHostInspect(rawNow, {}, memo);
    memo?.settle(h.rules);
    return h;
  });
  const [chars, , cJson] = time(() => answer(host));
  const [plan, tPlan, cPlan] = time(() => mod.planStale(host, berth));
  return { host, chars, plan, tInspect, cInspect, cJson, tPlan, cPlan };
};
const show = (label, r) => console.log(`${label}: ${r.host.rules.length} rules, ${r.host.links.length} links, ${r.host.netns.length} netns | ` +
  `host.inspect parse+classify ${r.tInspect.toFixed(1)} ms (CPU ${r.cInspect.toFixed(0)}), answer JSON CPU ${r.cJson.toFixed(0)} ms (${(r.chars / 1e6).toFixed(1)} MB) | cleanup plan ${r.tPlan.toFixed(1)} ms (CPU ${r.cPlan.toFixed(0)}, ${r.plan.length} findings) | ` +
  `total ${(r.tInspect + r.tPlan).toFixed(1)} ms, CPU ${(r.cInspect + r.cPlan).toFixed(0)} ms`);
// the first round pays for compiling; the median of the later ones is what an A/B compares
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = (label, c) => console.log(`${label}: median CPU of rounds 2-${ROUNDS}: host.inspect ${median(c.inspect.slice(1)).toFixed(0)} ms + its JSON ${median(c.json.slice(1)).toFixed(0)} ms, cleanup plan ${median(c.plan.slice(1)).toFixed(0)} ms`);

// cold: no reading before (the helper's first, or one after every line changed)
for (let round = 0; round < ROUNDS; round++) {
  const r = reading(raw);
  cpu.inspect.push(r.cInspect);
  cpu.json.push(r.cJson);
  cpu.plan.push(r.cPlan);
  show(`cold round ${round + 1}`, r);
}
if (ROUNDS > 2) summary('cold', cpu);

// warm: each reading after one of the same host, with the memo the one before left (a first
// reading fills it). Unchanged; ~1 % of rule lines changed (a port each time); every counter changed.
const withCounters = (t, k) => t.replace(/^\[(\d+):(\d+)\]/gm, (_, p, b) => `[${Number(p) + k}:${Number(b) + 64 * k}]`);
const withLinesChanged = (t, k) => {
  let i = 0;
  return t.replace(/--dport (\d+)/g, (m, p) => (i++ % 100 === 0 ? `--dport ${Number(p) + k + 1}` : m));
};
const scenarios = {
  'warm, unchanged': () => text,
  'warm, ~1 % of lines changed': (k) => withLinesChanged(text, k),
  'warm, every counter changed': (k) => withCounters(text, k + 1),
};
for (const [label, textOf] of Object.entries(scenarios)) {
  const memo = new mod.RuleMemo();
  reading(raw, memo);
  const c = { inspect: [], json: [], plan: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const r = reading({ ...raw, iptables: { ipv4: textOf(round), ipv6: null } }, memo);
    c.inspect.push(r.cInspect);
    c.json.push(r.cJson);
    c.plan.push(r.cPlan);
    if (round === 0) show(`${label}, round 1`, r);
  }
  if (ROUNDS > 2) summary(label, c);
  memo.clear();
}
