import { describe, expect, it } from 'vitest';
import type { BerthEvent } from '../../src/shared/events';
import type { Finding, FirewallRule, HostInspect } from '../../src/shared/inspect';
import { connectHelper } from '../../helper/src/client/unix-client';
import { hostPerTest, TestHost, waitFor } from './harness';
import { messBuilders } from './mess';

// Cleanup end to end: the real helper, driven through the CLI, in a
// throwaway test host holding Berth's objects and a realistic foreign mess.
const NO_DRIFT = ['--drift-interval', '3600000'];

// Docker-, CNI-, podman-, libvirt-, kubernetes- and ufw-style rules. Stale:
// the DNAT and ACCEPT for 172.17.0.3 (no such container), the second copy of
// the 8090 DNAT, the MASQUERADE for 10.22.0.0/16 (that CNI network is gone),
// and a Berth-tagged MASQUERADE for a network Berth does not have.
const MESS = `*filter
:DOCKER - [0:0]
:DOCKER-FORWARD - [0:0]
:DOCKER-USER - [0:0]
:NETAVARK_FORWARD - [0:0]
:LIBVIRT_FWO - [0:0]
:KUBE-FORWARD - [0:0]
:ufw-before-input - [0:0]
-A INPUT -j ufw-before-input
-A FORWARD -j DOCKER-USER
-A FORWARD -j DOCKER-FORWARD
-A FORWARD -m comment --comment "netavark firewall plugin rules" -j NETAVARK_FORWARD
-A FORWARD -j LIBVIRT_FWO
-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD
-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
-A DOCKER -d 172.17.0.3/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
-A DOCKER ! -i docker0 -o docker0 -j DROP
-A DOCKER-FORWARD -i docker0 -j ACCEPT
-A NETAVARK_FORWARD -s 10.88.0.0/16 -j ACCEPT
-A LIBVIRT_FWO -s 192.168.122.0/24 -i virbr0 -j ACCEPT
-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP
-A ufw-before-input -i lo -j ACCEPT
COMMIT
*nat
:DOCKER - [0:0]
:CNI-8f3e9a4b2c1d0e5f6a7b8c9d - [0:0]
:CNI-1111aaaa2222bbbb3333cccc - [0:0]
:NETAVARK-1D8721804F16F - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
-A POSTROUTING -s 10.22.0.0/16 -m comment --comment "name: \\"cninet\\" id: \\"0d8f3a\\"" -j CNI-8f3e9a4b2c1d0e5f6a7b8c9d
-A POSTROUTING -s 10.23.0.5/32 -m comment --comment "name: \\"cnilive\\" id: \\"77aa\\"" -j CNI-1111aaaa2222bbbb3333cccc
-A POSTROUTING -s 10.88.0.0/16 -j NETAVARK-1D8721804F16F
-A POSTROUTING -s 192.168.122.0/24 ! -d 192.168.122.0/24 -j MASQUERADE
-A POSTROUTING -s 172.31.0.0/24 ! -o br-deadbeef0001 -m comment --comment "berth:ffffffffffff" -j MASQUERADE
-A DOCKER -i docker0 -j RETURN
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8090 -j DNAT --to-destination 172.17.0.2:80
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8091 -j DNAT --to-destination 172.17.0.3:80
-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8090 -j DNAT --to-destination 172.17.0.2:80
-A CNI-8f3e9a4b2c1d0e5f6a7b8c9d ! -d 224.0.0.0/4 -m comment --comment "name: \\"cninet\\" id: \\"0d8f3a\\"" -j MASQUERADE
-A CNI-1111aaaa2222bbbb3333cccc ! -d 224.0.0.0/4 -m comment --comment "name: \\"cnilive\\" id: \\"77aa\\"" -j MASQUERADE
-A NETAVARK-1D8721804F16F ! -d 224.0.0.0/4 -j MASQUERADE
COMMIT
`;

interface Plan {
  findings: Finding[];
}

describe('cleanup end to end', () => {
  let h: TestHost;
  let webIp: string;
  let goneNetns: string;
  let goneEp: string;
  let killedName: string;
  const sh = (line: string) => h.shOk(line.split(' '));
  // iptables-save without counters and dated comments: what must stay byte-identical
  const saveRules = async () =>
    (await h.shOk(['iptables-save'])).split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.replace(/ \[\d+:\d+\]$/, ''));
  const linkNames = async () => new Set((JSON.parse(await h.shOk(['ip', '-j', 'link'])) as { ifname: string }[]).map((l) => l.ifname));
  const plan = async (): Promise<Plan> => JSON.parse(await h.berthOk(['cleanup', '--format', 'json']));
  const line = (f: Finding) => `${f.kind} ${f.owner} ${f.evidence[0]}`;
  const conntrack = async () => (await h.sh(['conntrack', '-L', '-o', 'extended'])).stdout;

  const { bridge, foreignContainer } = messBuilders(sh);
  const run = async (name: string, args: string[] = []) => {
    const r = await h.berth(['run', '-d', '--name', name, '--network', 'pub', ...args, '--', 'sleep', 'infinity']);
    expect(r.code, r.stderr).toBe(0);
    return h.inspect(name);
  };

  // every test on a fresh host with the whole mess: one test's --apply or
  // undo is never what the next one starts from
  hostPerTest(async (host) => {
    h = host;
    await h.startHelper(NO_DRIFT);
    await h.berthOk(['network', 'create', '--subnet', '10.70.0.0/24', 'pub']);
    const web = await run('web', ['-p', '8080:8000']);
    webIp = web.NetworkSettings.Networks.pub.IPAddress;
    const gone = await run('gone');
    goneNetns = gone.NetworkSettings.SandboxKey.split('/').pop();
    goneEp = gone.NetworkSettings.Networks.pub.EndpointID;
    const killed = await run('killed');
    killedName = killed.NetworkSettings.SandboxKey.split('/').pop();

    // foreign objects, healthy and stale
    await bridge('docker0', '172.17.0.1/16');
    await foreignContainer('dctr', 'vethd0c1a2b', 'docker0', '172.17.0.2/16');
    await bridge('br-0123456789ab', ''); // orphan Docker bridge: no port, no address
    await sh('ip netns add lonely');
    await sh('ip link add vethlone0 type veth peer name eth0 netns lonely'); // a veth on no bridge, carrying nothing
    await bridge('cni1', '10.23.0.1/24');
    await foreignContainer('cnictr', 'vethc1', 'cni1', '10.23.0.5/24');
    await bridge('podman1', '10.88.0.1/16');
    await bridge('virbr0', '192.168.122.1/24');
    const restore = await h.sh(['iptables-restore', '--noflush'], { input: MESS });
    expect(restore.code, restore.stderr).toBe(0);

    // behind Berth's back: gone's namespace name deleted (its process lives on),
    // killed's namespace deleted and its process killed (the helper sees the exit)
    await sh(`ip netns delete ${goneNetns}`);
    await sh(`ip netns delete ${killedName}`);
    const killedPid = (await h.inspect('killed')).State.Pid as number;
    await h.shOk(['kill', '-9', String(killedPid)]); // a PID of the test host's own PID namespace
    await waitFor(async () => (await h.inspect('killed')).State.Status === 'exited', 60_000, 'killed to be exited');

    // conntrack: a live mapping's flow, one of a port web no longer publishes, one to a dead address
    const ct = (dport: number, rsrc: string, rport: number, sport: number) =>
      h.shOk(['conntrack', '-I', '-p', 'tcp', '-s', '198.51.100.2', '-d', '198.51.100.1', '--sport', String(sport), '--dport', String(dport),
        '-r', rsrc, '-q', '198.51.100.2', '--reply-port-src', String(rport), '--reply-port-dst', String(sport), '--state', 'ESTABLISHED', '-t', '600']);
    await ct(8080, webIp, 8000, 40000);
    await ct(9100, webIp, 8000, 40001);
    await ct(9101, '10.70.0.99', 80, 40002);

    // after killed's exit, which rewrote Berth's chains: a port rule in
    // Berth's own chain, tagged for web's endpoint, that no mapping has
    const dnat = (await h.shOk(['iptables', '-t', 'nat', '-S', 'BERTH'])).split('\n').find((l) => l.includes('--dport 8080'))!;
    // (-S quotes the comment; as argv words the quotes must go)
    await h.shOk(['iptables', '-t', 'nat', ...dnat.replace('--dport 8080', '--dport 9999').replace(/"/g, '').split(' ')]);
  });

  const expected: [string, string, string][] = [
    ['dangling-nat-rule', 'docker', '--dport 8091 -j DNAT --to-destination 172.17.0.3:80'],
    ['dangling-filter-rule', 'docker', '-A DOCKER -d 172.17.0.3/32'],
    ['duplicate-rule', 'docker', '--dport 8090 -j DNAT --to-destination 172.17.0.2:80'],
    ['dangling-masquerade', 'cni', '-A POSTROUTING -s 10.22.0.0/16'],
    ['orphan-berth-rule', 'berth', 'berth:ffffffffffff'],
    ['empty-bridge', 'docker', 'bridge br-0123456789ab'],
    ['veth-no-master', 'unknown', 'veth vethlone0'],
    ['missing-kernel-object', 'berth', 'netns berth-'],
    ['missing-kernel-object', 'berth', 'endpoint '],
    ['orphan-port-binding', 'berth', '--dport 9999'],
    ['stale-conntrack', 'berth', 'host port 9100 -> '],
    ['stale-conntrack', 'berth', 'host port 9101 -> 10.70.0.99:80'],
  ];

  it('finds every stale item with the right owner and reason, and nothing healthy', async () => {
    const { findings } = await plan();
    const got = findings.map(line);
    for (const [kind, owner, needle] of expected)
      expect(got.filter((g) => g.startsWith(`${kind} ${owner} `) && g.includes(needle)), `${kind} ${owner} ${needle} in\n${got.join('\n')}`).toHaveLength(1);
    expect(got, got.join('\n')).toHaveLength(expected.length);
    const missing = findings.filter((f) => f.kind === 'missing-kernel-object').map((f) => f.reason).join('\n');
    expect(missing).toContain(`namespace ${goneNetns} is gone`);
    expect(missing).toContain(`endpoint ${goneEp.slice(0, 12)}`);
    expect(findings.find((f) => f.kind === 'stale-conntrack' && f.evidence[0].includes('9100'))!.reason).toBe(
      `conntrack entries of host port 9100/tcp, which is no longer published to ${webIp}:8000`,
    );
    // nothing of the container whose exit the helper saw is left to clean
    expect(got.join('\n')).not.toContain(killedName);
    // healthy objects of every owner are never findings
    expect(got.join('\n')).not.toMatch(/172\.17\.0\.2\/32|10\.23\.0\.5|10\.88\.0\.0|192\.168\.122|KUBE|ufw|bridge docker0|vethd0c1a2b|cni1|vethc1|dport 8080/);
    expect(findings.filter((f) => f.owner === 'berth').every((f) => f.risk === 'safe')).toBe(true);
    expect(findings.filter((f) => f.owner !== 'berth').every((f) => f.risk === 'foreign')).toBe(true);
  });

  it('refuses unknown finding ids and changes nothing', async () => {
    const beforeApply = await saveRules();
    const r = await h.berth(['cleanup', '--apply', '--only', '0000000000000000']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('no such finding: 0000000000000000');
    expect(await saveRules()).toEqual(beforeApply);
  });

  it('--apply removes exactly the Berth-owned findings; foreign and healthy stay byte-identical', async () => {
    const beforeApply = await saveRules();
    const before = await plan();
    const r = await h.berth(['cleanup', '--apply', '--format', 'json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    // the engine releases the vanished endpoint and its rules' deletion commits after the answer
    // (docs/decisions.md, "Firewall deletions committed in the background"): a reading waits for it
    await h.settled();
    const res = JSON.parse(r.stdout) as { applied: string[]; failed: unknown[] };
    expect(res.failed).toEqual([]);
    expect(res.applied.sort()).toEqual(before.findings.filter((f) => f.owner === 'berth').map((f) => f.id).sort());

    // the stray rules, and the rules of gone's endpoint (released when it exited)
    const gone = (l: string) => l.includes('berth:ffffffffffff') || l.includes('--dport 9999') || l.includes(`berth:${goneEp.slice(0, 12)}`);
    expect(await saveRules()).toEqual(beforeApply.filter((l) => !gone(l)));
    expect((await h.inspect('gone')).State.Status).toBe('exited');
    const ct = await conntrack();
    expect(ct).toContain('dport=8080 ');
    expect(ct).not.toMatch(/dport=9100 |dport=9101 /);
    for (const l of ['br-0123456789ab', 'vethlone0', 'docker0', 'vethd0c1a2b', 'cni1', 'vethc1', 'podman1', 'virbr0']) expect(await linkNames()).toContain(l);

    const after = await plan();
    expect(after.findings.map(line).sort()).toEqual(before.findings.filter((f) => f.owner !== 'berth').map(line).sort());
  });

  it('--apply --include-foreign removes the foreign ones, and undo brings them back exactly, once', async () => {
    // Berth's own findings first (the test above), so what is left is foreign
    const own = await h.berth(['cleanup', '--apply']);
    expect(own.code, own.stderr).toBe(0);
    expect((await plan()).findings.filter((f) => f.owner === 'berth')).toEqual([]);
    const beforeForeign = await saveRules();
    const foreign = (await plan()).findings;
    const r = await h.berth(['cleanup', '--apply', '--include-foreign']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Applied ${foreign.length} fixes \\(snapshot \\S+; undo with: berth cleanup undo\\)`));
    const removedRules = foreign.filter((f) => f.evidence[0].startsWith('ipv4 ')).map((f) => f.evidence[0].replace(/^ipv4 \w+: /, ''));
    const expectedRules = [...beforeForeign];
    for (const t of removedRules) expectedRules.splice(expectedRules.lastIndexOf(t), 1);
    expect(await saveRules()).toEqual(expectedRules);
    const links = await linkNames();
    expect(links.has('br-0123456789ab') || links.has('vethlone0')).toBe(false);
    expect(links.has('docker0') && links.has('vethd0c1a2b') && links.has('cni1')).toBe(true);

    const u = await h.berth(['cleanup', 'undo']);
    expect(u.code, u.stderr).toBe(0);
    expect(u.stdout).toContain('link br-0123456789ab');
    expect(await saveRules()).toEqual(beforeForeign);
    const back = await linkNames();
    expect(back.has('br-0123456789ab') && back.has('vethlone0')).toBe(true);
    expect((await plan()).findings.map(line).sort()).toEqual(foreign.map(line).sort());

    const again = await h.berth(['cleanup', 'undo']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/was already undone/);
    expect(await saveRules()).toEqual(beforeForeign);
  });

  it('--only applies just the chosen foreign finding', async () => {
    const before = await saveRules();
    const dup = (await plan()).findings.find((f) => f.kind === 'duplicate-rule')!;
    const r = await h.berth(['cleanup', '--apply', '--only', dup.id]);
    expect(r.code, r.stderr).toBe(0);
    const text = dup.evidence[0].replace(/^ipv4 nat: /, '');
    const expectedRules = [...before];
    expectedRules.splice(expectedRules.lastIndexOf(text), 1);
    expect(await saveRules()).toEqual(expectedRules);
    expect((await h.berthOk(['cleanup', 'undo']))).toContain(`-A DOCKER ${text.replace(/^-A DOCKER /, '')}`);
    expect(await saveRules()).toEqual(before);
  });

  it('nat ls and host inspect show owners and decoded mappings', async () => {
    const table = await h.berthOk(['nat', 'ls', '--owner', 'docker']);
    expect(table).toContain('0.0.0.0:8090 -> 172.17.0.2:80/tcp');
    expect(table).not.toMatch(/\bberth\b|\bcni\b/);
    // one object per line (as `docker ps --format json`)
    const rules = (await h.berthOk(['nat', 'ls', '--format', 'json'])).trimEnd().split('\n').map((l) => JSON.parse(l) as FirewallRule);
    const mapping = (m: string) => rules.find((r) => r.mapping === m);
    expect(mapping(`0.0.0.0:8080 -> ${webIp}:8000/tcp`)).toMatchObject({ owner: 'berth', table: 'nat', chain: 'BERTH', target: 'DNAT' });
    expect(mapping('0.0.0.0:8091 -> 172.17.0.3:80/tcp')).toMatchObject({ owner: 'docker', ownerEvidence: 'chain DOCKER' });
    expect(mapping('10.70.0.0/24 -> !' + rules.find((r) => r.mapping?.startsWith('10.70.0.0/24'))!.matches['!o'])).toMatchObject({ owner: 'berth' });
    expect(rules.find((r) => r.chain === 'NETAVARK_FORWARD')!.owner).toBe('podman');
    expect(rules.find((r) => r.chain === 'LIBVIRT_FWO')!.owner).toBe('libvirt');
    expect(rules.find((r) => r.text.includes('cnilive') && r.chain === 'POSTROUTING')!.owner).toBe('cni');
    const raw = await h.berthOk(['nat', 'ls', '--table', 'nat', '--format', 'raw']);
    expect(raw).toContain('*nat -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8091 -j DNAT --to-destination 172.17.0.3:80');
    const bad = await h.berth(['nat', 'ls', '--owner', 'nobody']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('--owner must be one of');

    const host = JSON.parse(await h.berthOk(['host', 'inspect', '--format', 'json'])) as HostInspect;
    const link = (n: string) => host.links.find((l) => l.name === n);
    expect(link('docker0')).toMatchObject({ kind: 'bridge', owner: 'docker', addresses: expect.arrayContaining(['172.17.0.1/16']) });
    expect(link('vethd0c1a2b')).toMatchObject({ kind: 'veth', master: 'docker0', peer: 'eth0@dctr' });
    expect(link('cni1')!.owner).toBe('cni');
    expect(link('virbr0')!.owner).toBe('libvirt');
    const webNsName = (await h.inspect('web')).NetworkSettings.SandboxKey.split('/').pop();
    const webNs = host.netns.find((n) => n.name === webNsName)!;
    expect(webNs).toMatchObject({ owner: 'berth' });
    expect(webNs.links.find((l) => l.name === 'eth0')!.addresses).toContain(`${webIp}/24`);
    expect(webNs.processes.map((p) => p.comm)).toContain('sleep');
    expect(host.rules.find((r) => r.mapping === `0.0.0.0:8080 -> ${webIp}:8000/tcp`)!.owner).toBe('berth');
    expect(host.sockets.some((s) => s.port === 8080 && s.proto === 'tcp')).toBe(true);
  });

  it('heals `iptables -t nat -F BERTH` by itself and says so on the event stream', async () => {
    await h.stopHelper();
    await h.startHelper(['--drift-interval', '500']);
    const c = await connectHelper(h.socket);
    const events: BerthEvent[] = [];
    c.onEvent((e) => events.push(e));
    await c.call('events.subscribe', {});
    try {
      const berthNat = () => h.shOk(['iptables', '-t', 'nat', '-S', 'BERTH']);
      const healthy = await berthNat();
      expect(healthy).toContain('--dport 8080');
      // the flush took: read in the same shell, before the drift check (every 500 ms) can repair it
      expect((await h.shThenRead(['iptables', '-t', 'nat', '-F', 'BERTH'], ['iptables', '-t', 'nat', '-S', 'BERTH'])).stdout).not.toContain('--dport 8080');
      // "within seconds" is the drift interval's job; how fast is for bench/, the test awaits the heal
      const ev = await waitFor(async () => events.find((e) => e.type === 'drift.found'), 60_000, 'drift.found event after flushing BERTH');
      expect(ev).toMatchObject({ type: 'drift.found', healed: true });
      expect((ev as { missing: number }).missing).toBeGreaterThan(0);
      expect(await berthNat()).toBe(healthy);
      const doctor = await c.call('doctor', {});
      expect(doctor.missing).toEqual([]);
    } finally {
      c.close();
    }
  });
});
