// Runs the real cleanup code against a realistic mess on the real kernel.
// Every test builds its own mess in its own throwaway host (TestHost: a
// network + mount namespace of its own) and runs the handlers inside it
// (cleanup-driver.ts), so no test depends on another or on the runner's
// namespace.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Finding, FirewallRule, HostInspect } from '../../src/shared/inspect';
import type { DriverRequest, DriverStep } from './cleanup-driver';
import { bundleForHost, TestHost, waitFor } from './harness';
import { messBuilders } from './mess';
import type { BerthOwned } from '../../helper/src/cleanup/berth-owned';

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

interface Plan {
  takenAt: string;
  findings: Finding[];
}
interface Applied {
  snapshotId: string;
  applied: string[];
  failed: { id: string; error: string }[];
}

describe('cleanup against a realistic mess', () => {
  let h: TestHost;
  let driver: string;
  const sh = (line: string) => h.shOk(line.split(' '));
  const { bridge, foreignContainer: container } = messBuilders(sh);

  // one handler call inside the test host; a BerthError comes back as one with its kind
  async function call<T>(method: DriverRequest['method'], params: Record<string, unknown> = {}, meanwhile?: string[][]): Promise<T> {
    const req: DriverRequest = { dataRoot: join(h.dir, 'data'), berth, method, params, meanwhile };
    const r = await h.sh([process.execPath, driver], { input: JSON.stringify(req), timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`cleanup driver ${method}: exit ${r.code}: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { result?: T; error?: { kind: string; message: string } };
    if (out.error) throw Object.assign(new Error(out.error.message), { kind: out.error.kind });
    return out.result as T;
  }
  // one helper's cleanup handlers asked in turn, in the test host: each step's result
  async function steps(list: DriverStep[]): Promise<unknown[]> {
    const req: DriverRequest = { dataRoot: join(h.dir, 'data'), berth, method: 'steps', steps: list };
    const r = await h.sh([process.execPath, driver], { input: JSON.stringify(req), timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`cleanup driver steps: exit ${r.code}: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { result?: unknown[]; error?: { kind: string; message: string } };
    if (out.error) throw Object.assign(new Error(out.error.message), { kind: out.error.kind });
    return out.result!;
  }
  // iptables-save without counters and the dated header lines: what must be byte-identical.
  const saveRules = async () =>
    (await h.shOk(['iptables-save'])).split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.replace(/ \[\d+:\d+\]$/, ''));
  const links = async () => new Set((JSON.parse(await h.shOk(['ip', '-json', 'link'])) as { ifname: string }[]).map((l) => l.ifname));
  const netns = () => h.shOk(['ip', 'netns', 'list']);

  beforeEach(async () => {
    driver = await bundleForHost('test/integration/cleanup-driver.ts');
    h = await TestHost.create();
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
    const restore = await h.sh(['iptables-restore', '--noflush'], { input: RULES });
    expect(restore.code, restore.stderr).toBe(0);
    // the veth of a deleted namespace goes away asynchronously
    await waitFor(async () => !(await links()).has('vethb1'), 60_000, 'vethb1 to go with its deleted namespace');
  });
  // links, rules, namespaces and the snapshot dir all go with the test host
  afterEach(async () => h?.destroy());

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

  it('finds every stale item with the right owner and reason, and nothing healthy', async () => {
    const plan = await call<Plan>('cleanup.plan');
    const got = plan.findings.map((f) => `${f.kind} ${f.owner} ${f.evidence[0]}`);
    for (const [kind, owner, needle] of expected)
      expect(got.some((g) => g.startsWith(`${kind} ${owner} `) && g.includes(needle)), `${kind} ${owner} ${needle} in\n${got.join('\n')}`).toBe(true);
    expect(got).toHaveLength(expected.length);
  });

  it('shows the whole host and decodes NAT', async () => {
    const host = await call<HostInspect>('host.inspect');
    expect(host.errors.filter((e) => !e.startsWith('ip6tables') && !e.startsWith('nft')), host.errors.join('\n')).toEqual([]);
    expect(host.links.find((l) => l.name === 'vethb0')).toMatchObject({ owner: 'berth', master: 'berth0', peer: 'eth0@berth-aaaaaaaaaaaa' });
    const nat = (await call<{ rules: FirewallRule[] }>('nat.query', { table: 'nat', owner: 'berth', limit: 50_000 })).rules;
    expect(nat.map((r) => r.mapping).filter(Boolean)).toEqual(expect.arrayContaining(['0.0.0.0:7000 -> 172.30.0.2:80/tcp', '172.30.0.0/24 -> !berth0']));
  });

  it('refuses unknown finding ids and changes nothing', async () => {
    const before = await saveRules();
    await expect(call('cleanup.apply', { ids: ['0000000000000000'], includeForeign: false })).rejects.toMatchObject({ kind: 'not_found' });
    expect(await saveRules()).toEqual(before);
  });

  // removing vethlone0 took its peer: the namespace "lonely" is then empty, a new (foreign) finding
  const afterApply = ['missing-kernel-object endpoint e2e2e2e2e2e2bb veth vethb1, netns /run/netns/berth-cccccccccccc', 'missing-kernel-object netns berth-cccccccccccc', 'netns-no-process netns lonely'];
  const healthyLinks = ['docker0', 'vethd0c1a2b', 'cni1', 'vethc1', 'podman1', 'virbr0', 'berth0', 'vethb0'];

  it('applies exactly the chosen fixes; healthy rules stay byte-identical', async () => {
    const before = await saveRules();
    const plan = await call<Plan>('cleanup.plan');
    const res = await call<Applied>('cleanup.apply', { includeForeign: true });
    const fixable = plan.findings.filter((f) => f.kind !== 'missing-kernel-object');
    expect(res.applied.sort()).toEqual(fixable.map((f) => f.id).sort());
    expect(res.failed.map((f) => f.id).sort()).toEqual(plan.findings.filter((f) => f.kind === 'missing-kernel-object').map((f) => f.id).sort());

    const removed = fixable.filter((f) => f.evidence[0].startsWith('ipv4 ')).map((f) => f.evidence[0].replace(/^ipv4 \w+: /, ''));
    const expectedAfter = [...before];
    for (const text of removed) expectedAfter.splice(expectedAfter.lastIndexOf(text), 1);
    expect(await saveRules()).toEqual(expectedAfter);
    const ls = await links();
    expect(ls.has('br-0123456789ab') || ls.has('vethlone0')).toBe(false);
    for (const healthy of healthyLinks) expect(ls.has(healthy)).toBe(true);
    expect(await netns()).not.toContain('berth-bbbbbbbbbbbb');
    const again = await call<Plan>('cleanup.plan');
    expect(again.findings.map((f) => `${f.kind} ${f.evidence[0].split(' (')[0]}`).sort()).toEqual(afterApply);
  });

  it('undo brings everything back, once', async () => {
    const before = await saveRules();
    await call<Applied>('cleanup.apply', { includeForeign: true });
    const res = await call<{ restored: string[] }>('cleanup.undo');
    expect(res.restored.length).toBeGreaterThan(0);
    expect(await saveRules()).toEqual(before);
    const ls = await links();
    expect(ls.has('br-0123456789ab') && ls.has('vethlone0')).toBe(true);
    expect(await netns()).toContain('berth-bbbbbbbbbbbb');
    await expect(call('cleanup.undo')).rejects.toMatchObject({ kind: 'conflict', message: expect.stringContaining('already undone') });
  });

  it('refuses an undo when the host changed since the cleanup', async () => {
    const plan = await call<Plan>('cleanup.plan');
    const dup = plan.findings.find((f) => f.kind === 'duplicate-rule')!;
    const res = await call<Applied>('cleanup.apply', { ids: [dup.id], includeForeign: false });
    expect(res.applied).toEqual([dup.id]);
    await sh('iptables -t nat -A DOCKER -p udp --dport 53 -j RETURN');
    const snap = await saveRules();
    await expect(call('cleanup.undo')).rejects.toMatchObject({ kind: 'conflict', message: expect.stringContaining('chain DOCKER was changed') });
    expect(await saveRules()).toEqual(snap);
  });

  // snapshot ids once had whole seconds: two cleanups within one second were ordered by chance
  it('undo after two quick cleanups takes back the latest', async () => {
    const plan = await call<Plan>('cleanup.plan');
    const dup = plan.findings.find((f) => f.kind === 'duplicate-rule')!;
    const masq = plan.findings.find((f) => f.kind === 'dangling-masquerade')!;
    const before = await saveRules();
    await call<Applied>('cleanup.apply', { ids: [dup.id] });
    const afterFirst = await saveRules();
    await call<Applied>('cleanup.apply', { ids: [masq.id] });
    await call('cleanup.undo');
    expect(await saveRules()).toEqual(afterFirst);
    expect(afterFirst).not.toEqual(before);
  });

  it('apply succeeds when findings vanished meanwhile: gone counts as done, and undo does not bring them back', async () => {
    const before = await saveRules();
    // read the plan, then the links go on their own before the apply reaches them
    const res = await call<Applied>('apply-after', { includeForeign: true }, [
      ['ip', 'link', 'delete', 'vethlone0'],
      ['ip', 'link', 'delete', 'br-0123456789ab'],
      ['ip', 'netns', 'delete', 'berth-bbbbbbbbbbbb'],
    ]);
    expect(res.failed.map((f) => f.error).filter((e) => !e.includes('the engine releases this state'))).toEqual([]);
    const plan = await call<Plan>('cleanup.plan');
    expect(plan.findings.map((f) => `${f.kind} ${f.evidence[0].split(' (')[0]}`).sort()).toEqual(afterApply);
    const ls = await links();
    for (const healthy of healthyLinks) expect(ls.has(healthy)).toBe(true);

    const undo = await call<{ restored: string[] }>('cleanup.undo');
    expect(undo.restored.join('\n')).not.toMatch(/vethlone0|br-0123456789ab|berth-bbbbbbbbbbbb/);
    expect(await saveRules()).toEqual(before);
    expect((await links()).has('vethlone0') || (await links()).has('br-0123456789ab')).toBe(false);
    expect(await netns()).not.toContain('berth-bbbbbbbbbbbb');
  });

  it('apply succeeds when a rule it planned to delete went on its own meanwhile, and undo does not bring it back', async () => {
    const deadMasq = ['-s', '172.31.0.0/24', '!', '-o', 'br-deadbeef0001', '-m', 'comment', '--comment', 'berth:ffffffffffff', '-j', 'MASQUERADE'];
    const plan = await call<Plan>('cleanup.plan');
    expect(plan.findings.some((f) => f.evidence.join(' ').includes('172.31.0.0/24') || JSON.stringify(f).includes('172.31.0.0/24'))).toBe(true);
    const res = await call<Applied>('apply-after', {}, [['iptables', '-t', 'nat', '-D', 'POSTROUTING', ...deadMasq]]);
    expect(res.failed.map((f) => f.error).filter((e) => !e.includes('the engine releases this state'))).toEqual([]);
    expect((await saveRules()).join('\n')).not.toContain('172.31.0.0/24');
    await call('cleanup.undo');
    expect((await saveRules()).join('\n')).not.toContain('172.31.0.0/24');
  });

  // docs/decisions.md, "Cleanup": the app accepts a plan up to a minute old, which the helper keeps
  it('a kept plan answers only until Berth writes the firewall; apply never acts on it but reads the host again', async () => {
    const age = { maxAgeMs: 60_000 };
    const rule = '-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8089 -j DNAT --to-destination 172.17.0.9:80';
    const has8089 = (p: Plan) => p.findings.filter((f) => f.kind === 'dangling-nat-rule' && f.evidence.join(' ').includes('--dport 8089'));
    const [first, kept, fresh, , afterWrite, , afterForeign, applied, afterApply] = (await steps([
      { call: 'cleanup.plan', params: age },
      { call: 'cleanup.plan', params: age },
      { call: 'cleanup.plan' }, // no age: a new reading
      { berthRestore: `*nat\n${rule}\nCOMMIT\n` }, // a firewall write made the way Berth makes them
      { call: 'cleanup.plan', params: age },
      // another tool makes the rule's address live: no Berth change, so the kept plan still answers
      { run: ['ip', '-n', 'dctr', 'addr', 'add', '172.17.0.9/16', 'dev', 'eth0'] },
      { call: 'cleanup.plan', params: age },
      // ... but apply reads the host again: the rule's address is alive there, so it is no finding to apply
      { call: 'cleanup.apply', params: { includeForeign: true }, idsOf: '--dport 8089' },
      { call: 'cleanup.plan', params: age },
    ])) as [Plan, Plan, Plan, unknown, Plan, unknown, Plan, unknown, Plan];
    expect(kept).toEqual(first);
    expect(fresh.takenAt > first.takenAt).toBe(true);
    expect(has8089(first)).toEqual([]);
    expect(has8089(afterWrite)).toHaveLength(1);
    expect(afterForeign).toEqual(afterWrite);
    expect(applied).toMatchObject({ error: { kind: 'not_found' } });
    expect(await saveRules()).toContain(rule);
    // the apply let the kept plan go: the next answer is a new reading, without the living rule
    expect(afterApply.takenAt > afterForeign.takenAt).toBe(true);
    expect(has8089(afterApply)).toEqual([]);
  });

  it('the kernel adapter deletes links idempotently: one that goes mid-batch counts as deleted', async () => {
    // both ends of a veth pair: deleting the first takes the second before its line runs
    await sh('ip link add vethpa type veth peer name vethpb');
    const gone = await call<string[]>('deleteLinks', { names: ['vethpa', 'vethpb', 'vethnever'] });
    expect(gone.sort()).toEqual(['vethnever', 'vethpb']);
    expect((await links()).has('vethpa') || (await links()).has('vethpb')).toBe(false);
    for (const healthy of healthyLinks) expect((await links()).has(healthy)).toBe(true);
  });
});
