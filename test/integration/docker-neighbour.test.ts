import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerPeer, dockerMissing, IMAGE } from './docker-peer';
import { httpGet, TestHost, waitFor } from './harness';

// Berth beside a real Docker on one host (one kernel, one iptables): dockerd
// and Berth's helper in the same throwaway network and mount namespace. Every
// Berth operation, its drift repair and its cleanup leave Docker's rules,
// links and routes byte-identical, and Docker's published ports answer;
// Docker restarting (which rewrites its chains) or pruning its networks
// leaves Berth's own alone. Berth's lines are told apart by their name: every
// rule outside Berth's own chains carries `berth:<id12>` (docs/decisions.md,
// Behaviour), so any line without it that changed is a foreign one.
const HOST = '198.51.100.1';
const missing = dockerMissing();
// CI installs docker.io (.ci/run): there a missing program is a failure, not a skip
if (missing.length && process.env.CI) throw new Error(`Docker programs missing: ${missing.join(', ')} (.ci/run installs docker.io, containerd, runc, busybox-static)`);
if (missing.length) console.warn(`docker-neighbour: skipped, not installed: ${missing.join(', ')}`);

const isBerth = (l: string) => /berth/i.test(l);

// The iptables lines that are not Berth's, counters dropped: per table, in
// order; a table with nothing but built-in chains says nothing.
async function foreignRules(h: TestHost): Promise<string[]> {
  return (await h.shOk(['iptables-save']))
    .split('*')
    .map((t) => t.split('\n').filter((l) => l && !l.startsWith('#') && !isBerth(l)).map((l) => l.replace(/ \[\d+:\d+\]$/, '')))
    .filter((t) => t.some((l) => l.startsWith('-A ') || / -$/.test(l)))
    .flatMap((t) => [`*${t[0]}`, ...t.slice(1)]);
}

// Berth's own rules: its iptables lines (a set: Berth's order is Berth's
// business) and, with the nftables backend, its table
async function berthRules(h: TestHost, fw: Backend): Promise<string[]> {
  const lines = (await h.shOk(['iptables-save'])).split('\n').filter(isBerth).map((l) => l.replace(/ \[\d+:\d+\]$/, '')).sort();
  return fw === 'nftables' ? [...lines, ...(await h.sh(['nft', 'list', 'table', 'ip', 'berth'])).stdout.split('\n')] : lines;
}
type Backend = 'iptables' | 'nftables';

// `ip -d link` of the named links and the routes through them; a bridge's
// running timers are not state anyone set
async function linksAndRoutes(h: TestHost, names: string[]): Promise<{ links: string[]; routes: string[] }> {
  const links: string[] = [];
  for (const n of names) links.push((await h.shOk(['ip', '-d', 'link', 'show', 'dev', n])).replace(/\b\w+_timer +[\d.]+/g, ''));
  // IPv6 link-local and multicast routes: the kernel's own, made when a link's address passes DAD
  const routes = (await h.shOk(['ip', 'route', 'show', 'table', 'all'])).split('\n')
    .filter((r) => names.some((n) => r.includes(` dev ${n} `) || r.endsWith(` dev ${n}`)) && !/ fe80::| ff00::\/8 /.test(r));
  return { links, routes };
}

describe.skipIf(missing.length > 0).each(['iptables', 'nftables'] as const)('Berth (%s backend) beside a real Docker', (fw) => {
  let h: TestHost;
  let docker: DockerPeer;
  let dockerLinks: string[] = [];
  let before: { rules: string[]; links: string[]; routes: string[] };
  const outside = (argv: string[]) => h.sh(['ip', 'netns', 'exec', 'outside', ...argv]);
  const answers = async (port: number) => (await outside(httpGet(`http://${HOST}:${port}/`, 2))).code === 0;
  const loopback = async (port: number) => (await h.sh(httpGet(`http://127.0.0.1:${port}/`, 2))).code === 0;
  const dockerState = async () => ({ rules: await foreignRules(h), ...(await linksAndRoutes(h, dockerLinks)) });
  const hostLinks = async () => (JSON.parse(await h.shOk(['ip', '-j', 'link', 'show'])) as { ifname: string }[]).map((l) => l.ifname);
  // Docker's published ports answer from a namespace (through its DNAT) and on loopback (its proxy)
  const dockerServes = async () => {
    for (const p of [18080, 18082]) {
      expect(await waitFor(() => answers(p), 60_000, `Docker's port ${p} from the outside namespace`)).toBe(true);
      expect(await waitFor(() => loopback(p), 60_000, `Docker's port ${p} on loopback`)).toBe(true);
    }
  };
  const dockerUnchanged = async () => {
    expect(await dockerState()).toEqual(before);
    await dockerServes();
  };
  const doctorClean = async () => {
    const d = JSON.parse(await h.berthOk(['doctor', '--format', 'json'])) as { missing: string[]; extra: string[] };
    expect({ missing: d.missing, extra: d.extra }).toEqual({ missing: [], extra: [] });
  };
  const noFindings = async () => {
    const plan = JSON.parse(await h.berthOk(['cleanup', '--format', 'json']));
    expect(JSON.stringify(plan)).not.toMatch(/docker|172\.(17|30|31)\./i);
    return plan;
  };

  beforeAll(async () => {
    h = await TestHost.create({ privateRun: true });
    await h.addOutside();
    docker = new DockerPeer(h);
    await docker.start();
    await docker.ok(['network', 'create', '--subnet', '172.30.0.0/24', 'dnet']);
    // one on Docker's own network, one on docker0; both come back when dockerd restarts
    const httpd = [IMAGE, '/bin/busybox', 'httpd', '-f', '-p', '80', '-h', '/www'];
    await docker.ok(['run', '-d', '--restart', 'always', '--name', 'dweb', '--network', 'dnet', '-p', '18080:80', ...httpd]);
    await docker.ok(['run', '-d', '--restart', 'always', '--name', 'dweb0', '-p', '18082:80', ...httpd]);
    await dockerServes();
    dockerLinks = await dockerOwned(h, docker);
    before = await dockerState();
    // what this test relies on Docker to have made
    for (const c of ['DOCKER', 'DOCKER-USER', 'DOCKER-ISOLATION-STAGE-1']) expect(before.rules).toContain(`:${c} -`);
    expect(before.rules.some((l) => l.includes('-j MASQUERADE') && l.includes('172.30.0.0/24'))).toBe(true);
    expect(before.rules.some((l) => l.includes('--dport 18080') && l.includes('-j DNAT'))).toBe(true);
    expect(dockerLinks).toContain('docker0');
    await h.startHelper(['--firewall', fw]);
  }, 600_000);

  afterAll(async () => {
    await h?.stopHelper().catch(() => {});
    await docker?.stop().catch(() => {});
    await h?.destroy();
  }, 300_000);

  // one scenario, in steps: each builds on what the one before made
  it('network, published port, drift repair, cleanup, Docker restart and prune, removal: neither touches the other', async () => {
    // a Berth network and published port next to Docker: Docker untouched, cleanup proposes nothing of it
    await dockerUnchanged();
    await h.berthOk(['network', 'create', '--subnet', '10.78.0.0/24', 'bnet']);
    await h.berthOk(['run', '-d', '--name', 'bweb', '--network', 'bnet', '-p', '18081:8000', '--', 'python3', '-m', 'http.server', '8000']);
    expect(await waitFor(() => answers(18081), 60_000, "Berth's port 18081 from the outside namespace")).toBe(true);
    await dockerUnchanged();
    expect((await noFindings()).findings ?? []).toEqual([]);
    await h.berthOk(['cleanup', '--apply']);
    await h.berthOk(['cleanup', '--apply', '--include-foreign']);
    await dockerUnchanged();
    expect(await answers(18081)).toBe(true);

    // drift repair and doctor put back only Berth's rules
    let mine = await berthRules(h, fw);
    // Berth's DNAT (its whole table, with nftables) goes: the drift check puts it back and nothing of Docker's moves
    // (each break read back in the same shell: the drift check, every 500 ms, may repair it before a second nsenter)
    if (fw === 'nftables') expect((await h.shThenRead(['nft', 'delete', 'table', 'ip', 'berth'], ['nft', 'list', 'table', 'ip', 'berth'])).code).not.toBe(0);
    else {
      const dnat = (await h.shOk(['iptables-save', '-t', 'nat'])).split('\n').find((l) => isBerth(l) && l.includes('--dport 18081') && l.startsWith('-A '))!;
      expect(dnat).toBeDefined();
      const del = ['iptables', '-t', 'nat', ...dnat.replace(/^-A/, '-D').match(/"[^"]*"|\S+/g)!.map((a) => a.replace(/^"|"$/g, ''))];
      expect((await h.shThenRead(del, ['iptables-save', '-t', 'nat'])).stdout).not.toContain(dnat);
    }
    await waitFor(async () => (await berthRules(h, fw)).join('\n') === mine.join('\n'), 60_000, "the drift check to put Berth's DNAT back");
    await doctorClean();
    await dockerUnchanged();
    expect(await berthRules(h, fw)).toEqual(mine);

    // Docker restarting rewrites its chains: Berth repairs nothing of Docker's and keeps its own
    mine = await berthRules(h, fw);
    await docker.stop();
    await docker.start();
    await dockerServes();
    // Docker's reading after its restart (its veths are new); Berth's drift check and doctor leave it be
    dockerLinks = await dockerOwned(h, docker);
    before = await dockerState();
    await doctorClean();
    expect(await berthRules(h, fw)).toEqual(mine);
    await dockerUnchanged();
    expect(await waitFor(() => answers(18081), 60_000, "Berth's port 18081 after Docker's restart")).toBe(true);
    expect((await noFindings()).findings ?? []).toEqual([]);

    // docker network prune leaves Berth alone; Berth's rm -f and network rm leave Docker alone
    mine = await berthRules(h, fw);
    const berthLinks = (await hostLinks()).filter((n) => !dockerLinks.includes(n) && n !== 'lo' && !n.startsWith('up-'));
    const berthNet = await linksAndRoutes(h, berthLinks);
    await docker.ok(['network', 'create', '--subnet', '172.31.0.0/24', 'dunused']);
    await docker.ok(['network', 'prune', '-f']);
    expect(await docker.ok(['network', 'ls', '--format', '{{.Name}}'])).not.toContain('dunused');
    expect(await berthRules(h, fw)).toEqual(mine);
    expect(await linksAndRoutes(h, berthLinks)).toEqual(berthNet);
    expect(await answers(18081)).toBe(true);
    await dockerUnchanged();

    await h.berthOk(['rm', '-f', 'bweb']);
    await dockerUnchanged();
    await h.berthOk(['network', 'rm', 'bnet']);
    await dockerUnchanged();
    expect((await noFindings()).findings ?? []).toEqual([]);
    await h.berthOk(['cleanup', '--apply']);
    await dockerUnchanged();
  }, 900_000);
});

// Docker's links: its bridges (docker0, br- and its network's ID) and the veths on them
async function dockerOwned(h: TestHost, docker: DockerPeer): Promise<string[]> {
  const ids = (await docker.ok(['network', 'ls', '--no-trunc', '--filter', 'driver=bridge', '--format', '{{.ID}}'])).split('\n').filter(Boolean);
  const links = JSON.parse(await h.shOk(['ip', '-j', 'link', 'show'])) as { ifname: string; master?: string }[];
  const bridges = new Set(['docker0', ...ids.map((id) => `br-${id.slice(0, 12)}`)]);
  return links.filter((l) => bridges.has(l.ifname) || (l.master !== undefined && bridges.has(l.master))).map((l) => l.ifname).sort();
}
