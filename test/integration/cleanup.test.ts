// Runs the real kernel code against a realistic mess, inside a throwaway
// network namespace. Enter it with (the file refuses to run otherwise):
//   unshare --net --mount --propagation private sh -c 'mkdir -p /run/netns &&
//     mount -t tmpfs none /run/netns && ip link set lo up &&
//     BERTH_TEST_NETNS=1 npx vitest run --project integration test/integration/cleanup.test.ts'
import { mkdtemp, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../helper/src/kernel/exec';
import { makeInspectHandlers } from '../../helper/src/cleanup/handlers';
import type { BerthOwned } from '../../helper/src/cleanup/berth-owned';
import { messBuilders } from './mess';

const NET = '0a1b2c3d4e5f60718293a4b5';
const berth: BerthOwned = {
  networks: [{ id: NET, name: 'web', bridge: 'berth0', subnet: '172.30.0.0/24', gateway: '172.30.0.1', internal: false }],
  endpoints: [
    { id: 'e1e1e1e1e1e1aa', networkId: NET, sandboxId: 's1', ip: '172.30.0.2', hostVeth: 'vethb0', netnsPath: '/run/netns/berth-aaaaaaaaaaaa' },
    { id: 'e2e2e2e2e2e2bb', networkId: NET, sandboxId: 's2', ip: '172.30.0.3', hostVeth: 'vethb1', netnsPath: '/run/netns/berth-cccccccccccc' },
  ],
  netnsNames: ['berth-aaaaaaaaaaaa', 'berth-cccccccccccc'],
  ports: [{ endpointId: 'e1e1e1e1e1e1aa', hostIp: '0.0.0.0', hostPort: 7000, proto: 'tcp', containerIp: '172.30.0.2', containerPort: 80 }],
  heldPorts: [],
};

const sh = (line: string) => {
  const [f, ...a] = line.split(' ');
  return run(f, a);
};
const { bridge, foreignContainer: container } = messBuilders(sh);

const RULES = `*filter
:DOCKER - [0:0]
:DOCKER-FORWARD - [0:0]
:DOCKER-CT - [0:0]
:DOCKER-BRIDGE - [0:0]
:DOCKER-USER - [0:0]
:NETAVARK_FORWARD - [0:0]
:LIBVIRT_FWO - [0:0]
:KUBE-FORWARD - [0:0]
:ufw-before-input - [0:0]
:BERTH - [0:0]
-A INPUT -j ufw-before-input
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-FORWARD
-A FORWARD -m comment --comment "netavark firewall plugin rules" -j NETAVARK_FORWARD
-A FORWARD -j LIBVIRT_FWO
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A FORWARD -o berth0 -m comment --comment "berth:${NET}" -j BERTH
-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
-A DOCKER -d 172.17.0.3/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
-A DOCKER ! -i docker0 -o docker0 -j DROP
-A DOCKER-BRIDGE -o docker0 -j DOCKER
-A DOCKER-CT -o docker0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A DOCKER-FORWARD -j DOCKER-CT
-A DOCKER-FORWARD -j DOCKER-BRIDGE
-A DOCKER-FORWARD -i docker0 -j ACCEPT
-A NETAVARK_FORWARD -s 10.88.0.0/16 -j ACCEPT
-A LIBVIRT_FWO -s 192.168.122.0/24 -i virbr0 -j ACCEPT
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A ufw-before-input -i lo -j ACCEPT
-A BERTH -d 172.30.0.2/32 ! -i berth0 -o berth0 -p tcp -m tcp --dport 80 -j ACCEPT
COMMIT
*nat
:DOCKER - [0:0]
:CNI-8f3e9a4b2c1d0e5f6a7b8c9d - [0:0]
:CNI-1111aaaa2222bbbb3333cccc - [0:0]
:NETAVARK-1D8721804F16F - [0:0]
:BERTH - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment "berth:${NET}" -j BERTH
-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A POSTROUTING -s 10.22.0.0/16 -m comment --comment "name: \\"cninet\\" id: \\"0d8f3a\\"" -j CNI-8f3e9a4b2c1d0e5f6a7b8c9d
-A POSTROUTING -s 10.23.0.5/32 -m comment --comment "name: \\"cnilive\\" id: \\"77aa\\"" -j CNI-1111aaaa2222bbbb3333cccc
-A POSTROUTING -s 10.88.0.0/16 -j NETAVARK-1D8721804F16F
-A POSTROUTING -s 192.168.122.0/24 ! -d 192.168.122.0/24 -j MASQUERADE
-A POSTROUTING -s 172.30.0.0/24 ! -o berth0 -m comment --comment "berth:${NET}" -j MASQUERADE
-A POSTROUTING -s 172.31.0.0/24 ! -o br-deadbeef0001 -m comment --comment "berth:ffffffffffff" -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8081 -j DNAT --to-destination 172.17.0.3:80
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
-A CNI-8f3e9a4b2c1d0e5f6a7b8c9d ! -d 224.0.0.0/4 -m comment --comment "name: \\"cninet\\" id: \\"0d8f3a\\"" -j MASQUERADE
-A CNI-1111aaaa2222bbbb3333cccc ! -d 224.0.0.0/4 -m comment --comment "name: \\"cnilive\\" id: \\"77aa\\"" -j MASQUERADE
-A NETAVARK-1D8721804F16F ! -d 224.0.0.0/4 -j MASQUERADE
-A BERTH ! -i berth0 -p tcp -m tcp --dport 7000 -j DNAT --to-destination 172.30.0.2:80
COMMIT
`;

// iptables-save without counters and the dated header lines: what must be byte-identical.
const saveRules = async () =>
  (await run('iptables-save', [])).stdout
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.replace(/ \[\d+:\d+\]$/, ''));
const links = async () => new Set((JSON.parse((await run('ip', ['-json', 'link'])).stdout) as { ifname: string }[]).map((l) => l.ifname));
const netns = async () => (await run('ip', ['netns', 'list'])).stdout;

describe('cleanup against a realistic mess', () => {
  let handlers: ReturnType<typeof makeInspectHandlers>;
  let dataRoot: string;

  beforeAll(async () => {
    // Never on a real host: the wrapper above sets the flag inside unshare --net.
    // Belt and braces: the flag, a namespace other than init's (when readable), and no real NIC in sight.
    const self = await readlink('/proc/self/ns/net');
    const init = await readlink('/proc/1/ns/net').catch(() => null);
    const devices = (JSON.parse((await run('ip', ['-json', '-details', 'link'])).stdout) as { ifname: string; linkinfo?: unknown }[])
      .filter((l) => l.ifname !== 'lo' && !l.linkinfo);
    if (process.env.BERTH_TEST_NETNS !== '1' || self === init || devices.length > 0)
      throw new Error('cleanup.test.ts must run inside a throwaway network namespace (see the command at the top of the file)');
    dataRoot = await mkdtemp(path.join(tmpdir(), 'berth-cleanup-'));
    handlers = makeInspectHandlers({ dataRoot, berthOwned: async () => berth });

    await bridge('docker0', '172.17.0.1/16');
    await container('dctr', 'vethd0c1a2b', 'docker0', '172.17.0.2/16');
    await bridge('br-0123456789ab', ''); // orphan: no port, no address
    await sh('ip netns add lonely');
    await sh('ip link add vethlone0 type veth peer name eth0 netns lonely'); // veth without master
    await bridge('cni1', '10.23.0.1/24');
    await container('cnictr', 'vethc1', 'cni1', '10.23.0.5/24');
    await bridge('podman1', '10.88.0.1/16');
    await bridge('virbr0', '192.168.122.1/24');
    await bridge('berth0', '172.30.0.1/24');
    await container('berth-aaaaaaaaaaaa', 'vethb0', 'berth0', '172.30.0.2/24');
    await container('berth-cccccccccccc', 'vethb1', 'berth0', '172.30.0.3/24');
    await sh('ip netns delete berth-cccccccccccc'); // deleted behind Berth's back
    await sh('ip netns add berth-bbbbbbbbbbbb'); // a Berth namespace the store does not know
    await run('iptables-restore', ['--noflush'], { input: RULES });
    // the veth of a deleted namespace goes away asynchronously
    for (let i = 0; i < 50 && (await links()).has('vethb1'); i++) await new Promise((r) => setTimeout(r, 100));
  });

  // links, rules and namespaces die with the throwaway namespace; only the snapshot dir is on disk
  afterAll(async () => {
    if (dataRoot) await rm(dataRoot, { recursive: true, force: true });
  });

  const expected = [
    ['dangling-nat-rule', 'docker', '--dport 8081 -j DNAT --to-destination 172.17.0.3:80'],
    ['dangling-filter-rule', 'docker', '-A DOCKER -d 172.17.0.3/32'],
    ['duplicate-rule', 'docker', '--dport 8080 -j DNAT --to-destination 172.17.0.2:80'],
    ['dangling-masquerade', 'cni', '-A POSTROUTING -s 10.22.0.0/16'],
    ['orphan-berth-rule', 'berth', '"berth:ffffffffffff"'],
    ['empty-bridge', 'docker', 'bridge br-0123456789ab'],
    ['veth-no-master', 'unknown', 'veth vethlone0'],
    ['orphan-berth-netns', 'berth', 'netns berth-bbbbbbbbbbbb'],
    ['missing-kernel-object', 'berth', 'endpoint e2e2e2e2e2e2bb'],
    ['missing-kernel-object', 'berth', 'netns berth-cccccccccccc'],
  ];
  let before: string[];

  it('finds every stale item with the right owner and reason, and nothing healthy', async () => {
    const plan = await handlers['cleanup.plan']({});
    const got = plan.findings.map((f) => `${f.kind} ${f.owner} ${f.evidence[0]}`);
    for (const [kind, owner, needle] of expected)
      expect(got.some((g) => g.startsWith(`${kind} ${owner} `) && g.includes(needle)), `${kind} ${owner} ${needle} in\n${got.join('\n')}`).toBe(true);
    expect(got).toHaveLength(expected.length);
  });

  it('shows the whole host and decodes NAT', async () => {
    const host = await handlers['host.inspect']({});
    expect(host.errors.filter((e) => !e.startsWith("ip6tables") && !e.startsWith("nft")), host.errors.join("\n")).toEqual([]);
    expect(host.links.find((l) => l.name === 'vethb0')).toMatchObject({ owner: 'berth', master: 'berth0', peer: 'eth0@berth-aaaaaaaaaaaa' });
    const nat = await handlers['nat.list']({ table: 'nat', owner: 'berth' });
    expect(nat.map((r) => r.mapping).filter(Boolean)).toEqual(expect.arrayContaining(['0.0.0.0:7000 -> 172.30.0.2:80/tcp', '172.30.0.0/24 -> !berth0']));
  });

  it('refuses unknown finding ids and changes nothing', async () => {
    before = await saveRules();
    await expect(handlers['cleanup.apply']({ ids: ['0000000000000000'], includeForeign: false })).rejects.toMatchObject({ kind: 'not_found' });
    expect(await saveRules()).toEqual(before);
  });

  it('applies exactly the chosen fixes; healthy rules stay byte-identical', async () => {
    const plan = await handlers['cleanup.plan']({});
    const res = await handlers['cleanup.apply']({ includeForeign: true });
    const fixable = plan.findings.filter((f) => f.kind !== 'missing-kernel-object');
    expect(res.applied.sort()).toEqual(fixable.map((f) => f.id).sort());
    expect(res.failed.map((f) => f.id).sort()).toEqual(plan.findings.filter((f) => f.kind === 'missing-kernel-object').map((f) => f.id).sort());

    const removed = fixable.filter((f) => f.evidence[0].startsWith('ipv4 ')).map((f) => f.evidence[0].replace(/^ipv4 \w+: /, ''));
    const expectedAfter = [...before];
    for (const text of removed) expectedAfter.splice(expectedAfter.lastIndexOf(text), 1);
    expect(await saveRules()).toEqual(expectedAfter);
    const ls = await links();
    expect(ls.has('br-0123456789ab') || ls.has('vethlone0')).toBe(false);
    for (const healthy of ['docker0', 'vethd0c1a2b', 'cni1', 'vethc1', 'podman1', 'virbr0', 'berth0', 'vethb0']) expect(ls.has(healthy)).toBe(true);
    expect(await netns()).not.toContain('berth-bbbbbbbbbbbb');
    const again = await handlers['cleanup.plan']({});
    // removing vethlone0 took its peer: the namespace "lonely" is now empty, a new (foreign) finding
    expect(again.findings.map((f) => `${f.kind} ${f.evidence[0].split(' (')[0]}`).sort()).toEqual(
      ['missing-kernel-object endpoint e2e2e2e2e2e2bb veth vethb1, netns /run/netns/berth-cccccccccccc', 'missing-kernel-object netns berth-cccccccccccc', 'netns-no-process netns lonely'],
    );
  });

  it('undo brings everything back, once', async () => {
    const res = await handlers['cleanup.undo']({});
    expect(res.restored.length).toBeGreaterThan(0);
    expect(await saveRules()).toEqual(before);
    const ls = await links();
    expect(ls.has('br-0123456789ab') && ls.has('vethlone0')).toBe(true);
    expect(await netns()).toContain('berth-bbbbbbbbbbbb');
    await expect(handlers['cleanup.undo']({})).rejects.toMatchObject({ kind: 'conflict' });
  });

  it('refuses an undo when the host changed since the cleanup', async () => {
    const plan = await handlers['cleanup.plan']({});
    const dup = plan.findings.find((f) => f.kind === 'duplicate-rule')!;
    await handlers['cleanup.apply']({ ids: [dup.id], includeForeign: false });
    await run('iptables', ['-t', 'nat', '-A', 'DOCKER', '-p', 'udp', '--dport', '53', '-j', 'RETURN']);
    const snap = await saveRules();
    await expect(handlers['cleanup.undo']({})).rejects.toMatchObject({ kind: 'conflict', message: expect.stringContaining('chain DOCKER was changed') });
    expect(await saveRules()).toEqual(snap);
  });
});
