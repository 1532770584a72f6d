import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FirewallRule } from '../../src/shared/inspect';
import { connectHelper } from '../../helper/src/client/unix-client';
import { TestHost } from './harness';
import { FIXED_WIDTHS, measuredWidths, rawLine, tableText } from '../../helper/src/inspect/nat-text';

// nat.query and `berth nat ls` against the real kernel holding a large
// planted ruleset: paged or streamed, they return exactly the rules
// iptables-save and `nft -j list ruleset` hold, in the order they print them.
const N = 6000;

function plantedRules(n: number): string {
  // Docker's hairpin MASQUERADE for the DNAT to 10.0.0.3:80 (i = 3 below): its owner is that DNAT's,
  // which iptables-save prints further on; the rule after it waits for it in a streamed listing
  const nat = ['*nat', ':POSTROUTING ACCEPT [0:0]', ':DOCKER - [0:0]', ':KUBE-SERVICES - [0:0]',
    '[0:0] -A POSTROUTING -s 10.0.0.3/32 -d 10.0.0.3/32 -p tcp -m tcp --dport 80 -j MASQUERADE', '[0:0] -A POSTROUTING -o docker0 -j ACCEPT'];
  const filter = ['*filter', ':DOCKER - [0:0]', ':KUBE-FORWARD - [0:0]'];
  for (let i = 0; i < n; i++) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i & 255) || 1}`;
    if (i % 3 === 0) nat.push(`[${i}:${i * 60}] -A DOCKER ! -i docker0 -p tcp -m tcp --dport ${1024 + (i % 60000)} -j DNAT --to-destination ${ip}:80`);
    else if (i % 3 === 1) nat.push(`[0:0] -A KUBE-SERVICES -d ${ip}/32 -p tcp -m comment --comment "default/svc-${i}:http cluster IP" -m tcp --dport 80 -j RETURN`);
    else filter.push(`[0:0] -A KUBE-FORWARD -d ${ip}/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  }
  // the valid empty rule: counts packets, matches and does nothing else
  filter.push('[0:0] -A DOCKER');
  return [...nat, 'COMMIT', ...filter, 'COMMIT', ''].join('\n');
}

const NFT = `table inet mine {
  chain input {
    type filter hook input priority 0; policy accept;
${Array.from({ length: 40 }, (_, i) => `    tcp dport ${7000 + i} counter accept comment "svc ${i}"`).join('\n')}
  }
}
`;

describe('nat.query and nat ls at scale, against iptables-save and nft', () => {
  let h: TestHost;
  beforeAll(async () => {
    h = await TestHost.create();
    const restore = await h.sh(['iptables-restore', '-c'], { input: plantedRules(N), timeoutMs: 120_000 });
    if (restore.code !== 0) throw new Error(`iptables-restore: ${restore.stderr}`);
    const nft = await h.sh(['nft', '-f', '-'], { input: NFT });
    if (nft.code !== 0) throw new Error(`nft: ${nft.stderr}`);
    await h.startHelper(['--drift-interval', '3600000']);
  });
  afterAll(async () => {
    await h?.destroy();
  });

  // iptables-save's rules as "table<TAB>text" in printed order, with counters
  const saved = async () => {
    const out: { key: string; packets: number; bytes: number }[] = [];
    let table = '';
    for (const line of (await h.shOk(['iptables-save', '-c'])).split('\n')) {
      if (line.startsWith('*')) table = line.slice(1);
      const m = /^\[(\d+):(\d+)\] (-A .*)$/.exec(line);
      if (m) out.push({ key: `${table}\t${m[3]}`, packets: Number(m[1]), bytes: Number(m[2]) });
    }
    return out;
  };
  const nftRules = async () => {
    const j = JSON.parse(await h.shOk(['nft', '-j', 'list', 'ruleset'])) as { nftables: { rule?: { family: string; table: string; chain: string; handle: number } }[] };
    return j.nftables.flatMap((o) => (o.rule && !['ip', 'ip6'].includes(o.rule.family) ? [`${o.rule.family} ${o.rule.table}/${o.rule.chain}/${o.rule.handle}`] : []));
  };

  it('pages through one reading and returns every rule exactly once, in order', async () => {
    const c = await connectHelper(h.socket);
    try {
      const got: FirewallRule[] = [];
      let snapshot: string | undefined;
      for (let offset = 0; ; offset += 1000) {
        const page = await c.api['nat.query']({ snapshot, offset, limit: 1000 });
        snapshot ??= page.snapshot;
        expect(page.snapshot).toBe(snapshot);
        got.push(...page.rules);
        if (offset + 1000 >= page.matched) {
          expect(page.total).toBe(got.length);
          break;
        }
      }
      const ipt = got.filter((r) => r.source === 'iptables' && r.family === 'ipv4');
      const want = await saved();
      expect(want.length).toBeGreaterThan(N);
      expect(ipt.map((r) => `${r.table}\t${r.text}`)).toEqual(want.map((w) => w.key));
      expect(ipt.map((r) => [r.packets, r.bytes])).toEqual(want.map((w) => [w.packets, w.bytes]));
      expect(ipt.find((r) => r.text === '-A DOCKER')).toMatchObject({ chain: 'DOCKER', table: 'filter', target: '' });
      const nft = got.filter((r) => r.source === 'nftables');
      expect(nft.map((r) => `${r.table}/${r.chain}/${r.targetArgs.handle}`)).toEqual(await nftRules());
      expect(nft).toHaveLength(40);

      // server-side search and filters; counters for the rows shown, nothing else
      const hit = await c.api['nat.query']({ snapshot, search: 'svc-3001:http', limit: 10 });
      expect(hit.rules.map((r) => r.text)).toEqual([want.find((w) => w.key.includes('svc-3001:http'))!.key.split('\t')[1]]);
      const docker = await c.api['nat.query']({ snapshot, table: 'nat', owner: 'docker', sort: 'packets', desc: true, limit: 3 });
      expect(docker.matched).toBe(N / 3 + 2); // the DNATs, the hairpin and the rule on docker0
      expect(docker.rules.map((r) => r.packets)).toEqual([N - 3, N - 6, N - 9]);
      // only counters that moved since the reading come back: none yet, then the zeroed ones
      const ids = docker.rules.map((r) => r.id);
      expect(await c.api['nat.counters']({ snapshot: snapshot!, ids })).toMatchObject({ counters: [], changed: [] });
      await h.shOk(['iptables', '-t', 'nat', '-Z', 'DOCKER']);
      const counters = await c.api['nat.counters']({ snapshot: snapshot!, ids });
      expect(counters.changed).toEqual([]);
      expect(counters.counters).toEqual(ids.map((id) => ({ id, packets: 0, bytes: 0 })));
    } finally {
      c.close();
    }
  });

  it('berth nat ls streams the same rules (raw, json and table)', async () => {
    const want = await saved();
    const raw = (await h.berthOk(['nat', 'ls', '--format', 'raw'])).split('\n').filter(Boolean);
    const ipt = raw.filter((l) => l.startsWith('*')).map((l) => l.replace(/^\*(\S+) /, '$1\t'));
    expect(ipt).toEqual(want.map((w) => w.key));
    expect(raw.filter((l) => l.startsWith('inet mine: '))).toHaveLength(40);
    // json: one object per line (as `docker ps --format json`)
    const jsonLines = async (args: string[]) => (await h.berthOk(['nat', 'ls', '--format', 'json', ...args])).trimEnd().split('\n').map((l) => JSON.parse(l) as FirewallRule);
    const all = await jsonLines([]);
    const json = await jsonLines(['--table', 'nat']);
    expect(json.map((r) => `${r.table}\t${r.text}`)).toEqual(want.filter((w) => w.key.startsWith('nat\t')).map((w) => w.key));
    // the table, written by the helper page by page: a header and a line per rule
    const table = (await h.berthOk(['nat', 'ls', '--table', 'nat'])).trimEnd().split('\n');
    expect(table[0]).toMatch(/^TABLE\s+CHAIN\s+#\s+OWNER\s+PKTS\s+MAPPING \/ RULE$/);
    expect(table.slice(1).map((l) => l.split(/\s+/).slice(0, 3).join(' '))).toEqual(json.map((r) => `nat ${r.chain} ${r.position}`));
    // the owners are those nat.query gives the same rules: raw --owner (parsed and classified) and json
    const c = await connectHelper(h.socket);
    try {
      // every field of every rule, owners included, as nat.query reads them
      expect(all).toEqual((await c.api['nat.query']({ limit: 50_000 })).rules);
      const q = await c.api['nat.query']({ table: 'nat', limit: 50_000 });
      expect(json).toEqual(q.rules);
      expect(json.find((r) => r.target === 'MASQUERADE' && r.matches.s === '10.0.0.3/32')).toMatchObject({ owner: 'docker', chain: 'POSTROUTING' });
      const docker = q.rules.filter((r) => r.owner === 'docker');
      expect(docker.length).toBeGreaterThanOrEqual(N / 3);
      const rawDocker = (await h.berthOk(['nat', 'ls', '--format', 'raw', '--table', 'nat', '--owner', 'docker'])).trimEnd().split('\n');
      expect(rawDocker).toEqual(docker.map((r) => `*nat ${r.text}`));
    } finally {
      c.close();
    }
  });

  it('a client that goes away mid-stream leaves the helper serving', async () => {
    for (let i = 0; i < 3; i++) {
      const c = await connectHelper(h.socket);
      const first = new Promise<void>((resolve) => c.onBytes((stream) => void (stream === 's' && resolve())));
      const call = c.api['nat.text']({ format: i === 0 ? 'raw' : 'json', stream: 's' }).catch((e: Error) => e);
      await first; // a piece arrived: the helper is mid-stream
      c.close();
      await call;
    }
    const raw = (await h.berthOk(['nat', 'ls', '--format', 'raw', '--table', 'filter'])).trimEnd().split('\n');
    expect(raw).toEqual((await saved()).filter((w) => w.key.startsWith('filter\t')).map((w) => `*${w.key.replace('\t', ' ')}`));
  });
});

// A helper keeps no reading of more than 16,384 rules (inspect/rule-memo.ts MAX_RULES), as
// none 30 s after its last: its table and raw --owner listings read most rules lean
// (inspect/lean-rule.ts). What they print is what the same rules read whole say (json).
describe('berth nat ls on a host with more rules than the helper keeps (read lean)', () => {
  const M = 17_000;
  let h: TestHost;
  beforeAll(async () => {
    h = await TestHost.create();
    const restore = await h.sh(['iptables-restore', '-c'], { input: plantedRules(M), timeoutMs: 120_000 });
    if (restore.code !== 0) throw new Error(`iptables-restore: ${restore.stderr}`);
    await h.startHelper(['--drift-interval', '3600000']);
  });
  afterAll(async () => {
    await h?.destroy();
  });

  it('the table, --no-trunc and raw --owner print what the json listing says of every rule', async () => {
    const json = (await h.berthOk(['nat', 'ls', '--format', 'json'])).trimEnd().split('\n').map((l) => JSON.parse(l) as FirewallRule);
    expect(json.length).toBeGreaterThan(M);
    expect((await h.berthOk(['nat', 'ls'])).trimEnd()).toBe(tableText(json, FIXED_WIDTHS, true));
    expect((await h.berthOk(['nat', 'ls', '--no-trunc'])).trimEnd()).toBe(tableText(json, measuredWidths(json), true));
    for (const owner of ['docker', 'kubernetes', 'unknown'] as const) {
      const raw = (await h.berthOk(['nat', 'ls', '--format', 'raw', '--owner', owner])).trimEnd().split('\n').filter(Boolean);
      expect(raw, owner).toEqual(json.filter((r) => r.owner === owner).map(rawLine));
    }
  });
});
