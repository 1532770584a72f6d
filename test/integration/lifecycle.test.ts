import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { httpGet, ping, TestHost, waitFor } from './harness';

// One helper for the file; each test makes its own networks and containers
// and finds none of another's (afterEach takes them all away), so the tests
// pass in any order and alone.
describe('connect, disconnect and teardown', () => {
  let h: TestHost;
  let baseline: Awaited<ReturnType<TestHost['snapshot']>>;
  beforeAll(async () => {
    h = await TestHost.create();
    await h.startHelper();
    baseline = await h.snapshot();
  });
  afterEach(async () => h?.clearBerth());
  afterAll(async () => h?.destroy());
  const zetaWithApp = async () => {
    await h.berthOk(['network', 'create', '--subnet', '10.70.0.0/24', 'zeta']);
    await h.berthOk(['run', '-d', '--name', 'app', '--network', 'zeta', 'sleep', '300']);
  };

  const nets = async (name: string) => (await h.inspect(name)).NetworkSettings.Networks as Record<string, { IPAddress: string; InterfaceName: string }>;

  it('connects and disconnects a running container, moving the default route', async () => {
    await h.berthOk(['network', 'create', '--subnet', '10.70.0.0/24', 'zeta']);
    await h.berthOk(['network', 'create', '--subnet', '10.71.0.0/24', 'alpha']);
    await h.berthOk(['run', '-d', '--name', 'peer', '--network', 'alpha', '--', 'python3', '-m', 'http.server', '8000']);
    await h.berthOk(['run', '-d', '--name', 'app', '--network', 'zeta', 'sleep', '300']);
    const peerIp = (await nets('peer')).alpha.IPAddress;
    expect((await h.inContainer('app', ping(peerIp))).code).not.toBe(0);

    await h.berthOk(['network', 'connect', '--ip', '10.71.0.50', 'alpha', 'app']);
    const n = await nets('app');
    expect(n.alpha).toMatchObject({ IPAddress: '10.71.0.50', InterfaceName: 'eth1' });
    expect((await h.inContainer('app', ['ip', '-br', 'addr'])).stdout).toMatch(/eth1@\S+\s+UP\s+10\.71\.0\.50\/24/);
    // Docker's gateway choice: network name ascending, so alpha now holds the default route
    expect((await h.inContainer('app', ['ip', 'route', 'show', 'default'])).stdout).toContain('via 10.71.0.1 dev eth1');
    await waitFor(async () => (await h.inContainer('app', httpGet(`http://${peerIp}:8000/`, 1))).code === 0, 60_000, 'http to peer');

    await h.berthOk(['network', 'disconnect', 'alpha', 'app']);
    await h.settled(); // the veth goes after the answer
    expect(Object.keys(await nets('app'))).toEqual(['zeta']);
    expect((await h.inContainer('app', ['ip', '-br', 'link'])).stdout).not.toContain('eth1');
    expect((await h.inContainer('app', ['ip', 'route', 'show', 'default'])).stdout).toContain('via 10.70.0.1 dev eth0');
    expect((await h.inContainer('app', ping(peerIp))).code).not.toBe(0);
    const inspected = JSON.parse(await h.berthOk(['network', 'inspect', 'alpha']))[0];
    expect(Object.values(inspected.Containers).map((c: any) => c.Name)).toEqual(['peer']);
  });

  it('attaches a foreign named netns and a process by PID, and detaches exactly what it added', async () => {
    await zetaWithApp();
    await h.shOk(['ip', 'netns', 'add', 'foreign1']);
    await h.shOk(['ip', '-n', 'foreign1', 'link', 'add', 'keepa', 'type', 'veth', 'peer', 'name', 'keepb']);
    const before = await h.sh(['ip', '-n', 'foreign1', '-br', 'link']);
    const out = await h.berthOk(['network', 'connect', 'zeta', '--netns', 'foreign1']);
    expect(out).toMatch(/^eth0 10\.70\.0\.\d+\/24/);
    const ip = out.split(' ')[1].split('/')[0];
    expect(await h.pings('app', ip)).toBe(true);
    await h.berthOk(['network', 'disconnect', 'zeta', '--netns', 'foreign1']);
    await h.settled(); // the veth goes after the answer
    expect((await h.sh(['ip', '-n', 'foreign1', '-br', 'link'])).stdout).toBe(before.stdout);

    // a process Berth did not start, in its own namespace
    const pidFile = `${h.dir}/foreign.pid`; // this test's own, not a name another run could share
    await h.shOk(['sh', '-c', `unshare --net sleep 300 >/dev/null 2>&1 & echo $! > ${pidFile}`]);
    const pid = Number((await waitFor(async () => {
      const r = await h.sh(['cat', pidFile]);
      return r.code === 0 && r.stdout.trim() ? r.stdout.trim() : null;
    }, 60_000, 'the foreign process to write its pid')));
    // its own namespace, not the test host's: unshare has run
    await waitFor(async () => (await h.sh(['readlink', `/proc/${pid}/ns/net`])).stdout !== (await h.sh(['readlink', '/proc/self/ns/net'])).stdout, 60_000, 'the foreign process to enter its own namespace');
    const o2 = await h.berthOk(['network', 'connect', 'zeta', '--pid', String(pid)]);
    expect(o2).toMatch(/^eth0 10\.70\.0\.\d+\/24/);
    const addrs = await h.sh(['nsenter', `--net=/proc/${pid}/ns/net`, 'ip', '-br', 'addr']);
    expect(addrs.stdout).toContain(o2.split(' ')[1]);
    const zeta = JSON.parse(await h.berthOk(['network', 'inspect', 'zeta']))[0];
    expect(Object.keys(zeta.Containers).some((k) => k.startsWith(`pid:${pid}:`))).toBe(true);
    await h.berthOk(['network', 'disconnect', 'zeta', '--pid', String(pid)]);
    await h.settled();
    expect((await h.sh(['nsenter', `--net=/proc/${pid}/ns/net`, 'ip', '-br', 'link'])).stdout).not.toContain('eth0');
    await h.sh(['kill', String(pid)]);
    await h.shOk(['ip', 'netns', 'delete', 'foreign1']);
  });

  it('stop and start re-create the sandbox; a static --ip survives', async () => {
    await h.berthOk(['network', 'create', '--subnet', '10.70.0.0/24', 'zeta']);
    await h.berthOk(['run', '-d', '--name', 'st', '--network', 'zeta', '--ip', '10.70.0.77', 'sleep', '300']);
    await h.berthOk(['stop', '-t', '1', 'st']);
    const stopped = await h.inspect('st');
    expect(stopped.State.Status).toBe('exited');
    expect(stopped.NetworkSettings.SandboxKey).toBe('');
    await h.berthOk(['start', 'st']);
    expect((await nets('st')).zeta.IPAddress).toBe('10.70.0.77');
    expect((await h.inContainer('st', ['ip', '-br', 'addr'])).stdout).toContain('10.70.0.77/24');
  });

  it('--hostname sets the container\'s own hostname; the host keeps its own', async () => {
    await h.berthOk(['network', 'create', '--subnet', '10.70.0.0/24', 'zeta']);
    const hostName = (await h.shOk(['hostname'])).trim();
    expect((await h.berthOk(['run', '--rm', '--network', 'zeta', '--hostname', 'db-1', 'hostname'])).trim()).toBe('db-1');
    const id = (await h.berthOk(['run', '-d', '--network', 'zeta', 'sleep', '300'])).trim();
    expect((await h.berthOk(['logs', id]))).toBe('');
    expect((await h.inspect(id)).Config.Hostname).toBe(id.slice(0, 12));
    expect((await h.shOk(['hostname'])).trim()).toBe(hostName);
    await h.berthOk(['rm', '-f', id]);
  });

  it('host and none modes, and container: mode sharing a netns', async () => {
    await zetaWithApp();
    await h.berthOk(['run', '-d', '--name', 'lonely', '--network', 'none', 'sleep', '300']);
    const l = await h.inContainer('lonely', ['ip', '-br', 'link']);
    expect(l.stdout.trim().split('\n').map((x) => x.split(/\s+/)[0])).toEqual(['lo']);
    await h.berthOk(['run', '-d', '--name', 'buddy', '--network', 'container:app', 'sleep', '300']);
    const buddy = await h.inspect('buddy');
    const app = await h.inspect('app');
    expect(buddy.HostConfig.NetworkMode).toBe(`container:${app.Id}`);
    expect((await h.shOk(['readlink', `/proc/${buddy.State.Pid}/ns/net`]))).toBe(await h.shOk(['readlink', `/proc/${app.State.Pid}/ns/net`]));
    const hostC = await h.berthOk(['run', '--rm', '--network', 'host', 'cat', '/proc/net/dev']);
    expect(hostC).toContain('berth0');
    const r = await h.berth(['network', 'connect', 'zeta', 'buddy']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('cannot be connected to any other network');
    expect((await h.berth(['network', 'connect', 'zeta', 'lonely'])).stderr).toContain('private (none) mode');
  });

  it('rm -f waits for the shim to write its exit record, then removes the container directory whole', async () => {
    // A child in its own session keeps the output pipes open after the main
    // process is killed: the shim waits for it (up to 2 s), then writes its
    // exit record into the directory rm is removing (it once failed ENOTEMPTY).
    await h.berthOk(['run', '-d', '--name', 'holder', '--network', 'none', 'sh', '-c', 'setsid sleep 4 & exec sleep 300']);
    const c = await h.inspect('holder');
    // state and parent from /proc/PID/stat, read inside the host's PID namespace
    const stat = async (pid: number) => (await h.sh(['cat', `/proc/${pid}/stat`])).stdout.split(') ')[1]?.split(' ') ?? [];
    const running = async (pid: number) => ![undefined, 'Z'].includes((await stat(pid))[0]);
    const shim = Number((await stat(c.State.Pid))[1]);
    expect(await running(shim)).toBe(true);
    await h.berthOk(['rm', '-f', 'holder']);
    expect(await running(shim)).toBe(false);
    expect(existsSync(`${h.dataRoot}/containers/${c.Id}`)).toBe(false);
    expect(await h.berthOk(['ps', '-aq'])).toBe('');
  });

  it('rm, network rm and network prune leave no veth, bridge, namespace, route or rule', async () => {
    // a bit of everything the other tests make: two networks, a second endpoint, a static address, none and container: modes
    await zetaWithApp();
    await h.berthOk(['network', 'create', '--subnet', '10.71.0.0/24', 'alpha']);
    await h.berthOk(['run', '-d', '--name', 'peer', '--network', 'alpha', '--', 'python3', '-m', 'http.server', '8000']);
    await h.berthOk(['network', 'connect', 'alpha', 'app']);
    await h.berthOk(['run', '-d', '--name', 'st', '--network', 'zeta', '--ip', '10.70.0.77', 'sleep', '300']);
    await h.berthOk(['run', '-d', '--name', 'lonely', '--network', 'none', 'sleep', '300']);
    await h.berthOk(['run', '-d', '--name', 'buddy', '--network', 'container:app', 'sleep', '300']);
    expect(await h.snapshot()).not.toEqual(baseline);
    await h.berthOk(['network', 'create', 'spare1']);
    await h.berthOk(['network', 'create', 'spare2', '--internal']);
    for (const c of ['buddy', 'lonely', 'app', 'peer', 'st']) await h.berthOk(['rm', '-f', c]);
    expect(await h.berthOk(['ps', '-aq'])).toBe('');
    await h.berthOk(['network', 'rm', 'zeta', 'alpha']);
    const { connectHelper } = await import('../../helper/src/client/unix-client');
    const watcher = await connectHelper(h.socket);
    const seen: { type: string; op?: string; done?: number; total?: number }[] = [];
    watcher.onEvent((e) => seen.push(e));
    await watcher.call('events.subscribe', {});
    const pruned = await h.berthOk(['network', 'prune', '-f']);
    await waitFor(async () => seen.filter((e) => e.type === 'network.removed').length >= 2, 60_000, 'removal events');
    watcher.close();
    const progress = seen.filter((e) => e.type === 'progress' && e.op === 'network.prune');
    expect(progress[0]).toMatchObject({ done: 0, total: 2 });
    expect(progress[progress.length - 1]).toMatchObject({ done: 2, total: 2 });
    expect(pruned).toContain('spare1');
    expect(pruned).toContain('spare2');
    expect((await h.berthOk(['network', 'ls', '-q'])).split('\n')).toHaveLength(3);
    expect(await h.snapshot()).toEqual(baseline);
  });
});
