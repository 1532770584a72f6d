import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet, TestHost, waitFor } from './harness';

// Published ports with real traffic, all inside one throwaway test host:
// "outside" is a namespace behind a veth (198.51.100.2 -> host 198.51.100.1).
const HOST = '198.51.100.1';
const NO_DRIFT = ['--drift-interval', '3600000'];

// A UDP echo server for containers, and a client that retries from one fixed
// source port (so every try is the same conntrack flow, as a real UDP client's).
const UDP_ECHO = 'import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(("",int(sys.argv[1])))\nwhile True:\n d,a=s.recvfrom(2048)\n s.sendto(b"echo:"+d,a)';
const udpEcho = (port: number) => ['python3', '-c', UDP_ECHO, String(port)];
const UDP_CLIENT =
  'import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\nif int(sys.argv[3]): s.bind(("",int(sys.argv[3])))\ns.settimeout(0.5)\nfor i in range(int(sys.argv[4])):\n try:\n  s.sendto(b"hi",(sys.argv[1],int(sys.argv[2])))\n  print(s.recv(100).decode()); sys.exit(0)\n except OSError as e:\n  pass\nsys.exit(1)';
const udpSend = (ip: string, port: number, sport = 0, tries = 4) => ['python3', '-c', UDP_CLIENT, ip, String(port), String(sport), String(tries)];

describe('published ports', () => {
  let h: TestHost;
  const outside = (argv: string[]) => h.sh(['ip', 'netns', 'exec', 'outside', ...argv]);
  const httpOutside = async (port: number) => (await outside(httpGet(`http://${HOST}:${port}/`, 1))).code === 0;
  const httpHost = async (ip: string, port: number) => (await h.sh(httpGet(`http://${ip}:${port}/`, 1))).code === 0;
  // python's http.server resolves the host name between bind and listen,
  // which takes seconds here: wait until it listens before sending traffic
  const listening = (name: string, port: number) =>
    waitFor(async () => (await h.inContainer(name, ['ss', '-Hltn', `sport = :${port}`])).stdout.trim() !== '', 60_000, `${name} listening on ${port}`);
  const web = async (name: string, args: string[], port = 8000) => {
    const r = await h.berth(['run', '-d', '--name', name, '--network', 'pub', ...args, '--', 'python3', '-m', 'http.server', String(port)]);
    if (r.code === 0) await listening(name, port);
    return r;
  };
  const listeners = async () => (await h.shOk(['ss', '-Hltnu'])).split('\n').filter(Boolean).map((l) => l.split(/\s+/).slice(0, 5).join(' ')).sort();
  const storeContainers = async () => Object.values(JSON.parse(await readFile(join(h.dataRoot, 'state.json'), 'utf8')).containers as Record<string, { name: string }>).map((c) => c.name);
  const natRules = () => h.shOk(['iptables', '-t', 'nat', '-S']);
  const portLines = async (name: string, filter?: string) => (await h.berthOk(['port', name, ...(filter ? [filter] : [])])).trim().split('\n').filter(Boolean);

  beforeAll(async () => {
    h = await TestHost.create();
    // no drift healing during the tests: every rule must come from its own operation
    await h.startHelper(NO_DRIFT);
    await h.addOutside();
    await h.berthOk(['network', 'create', '--subnet', '10.70.0.0/24', 'pub']);
    expect((await web('web', ['-p', '8080:8000'])).code).toBe(0);
    expect((await h.berth(['run', '-d', '--name', 'udp', '--network', 'pub', '-p', '5353:5300/udp', '--', ...udpEcho(5300)])).code).toBe(0);
    const cliRun = await h.berth(['run', '-d', '--name', 'cli', '--network', 'pub', '--', 'sleep', 'infinity']);
    expect(cliRun.code, cliRun.stderr).toBe(0);
  });
  afterAll(async () => h?.destroy());

  it('TCP: outside -> host address, host -> own address, host -> 127.0.0.1, and docker port output', async () => {
    expect(await waitFor(() => httpOutside(8080), 60_000, 'outside -> 8080')).toBe(true);
    expect(await httpHost(HOST, 8080)).toBe(true); // nat OUTPUT DNAT
    expect(await httpHost('127.0.0.1', 8080)).toBe(true); // userland proxy
    const lines = await portLines('web');
    expect(lines[0]).toBe('8000/tcp -> 0.0.0.0:8080');
    expect(lines.slice(1)).toEqual(lines.length > 1 ? ['8000/tcp -> [::]:8080'] : []);
    expect((await portLines('web', '8000'))[0]).toBe('0.0.0.0:8080');
    const miss = await h.berth(['port', 'web', '80/udp']);
    expect(miss.code).toBe(1);
    expect(miss.stderr).toContain("Error: No public port '80/udp' published for web");
    const nat = await natRules();
    expect(nat).toMatch(/-A BERTH ! -i br-[0-9a-f]{12} -p tcp -m tcp --dport 8080 -m comment --comment "?berth:[0-9a-f]{12}"? -j DNAT --to-destination 10\.70\.0\.\d+:8000/);
    expect(await h.shOk(['iptables', '-S', 'BERTH'])).toMatch(/-A BERTH -d 10\.70\.0\.\d+\/32 ! -i br-\w+ -o br-\w+ -p tcp -m tcp --dport 8000 .*-j ACCEPT/);
    expect((await listeners()).join('\n')).toMatch(/tcp LISTEN 0 511 0\.0\.0\.0:8080/);
    const ps = await h.berthOk(['ps']);
    expect(ps).toContain('0.0.0.0:8080->8000/tcp');
    const insp = await h.inspect('web');
    expect(insp.NetworkSettings.Ports['8000/tcp'][0]).toEqual({ HostIp: '0.0.0.0', HostPort: '8080' });
  });

  it('an unpublished container port is not reachable from outside, even with a route', async () => {
    const ip = (await h.inspect('web')).NetworkSettings.Networks.pub.IPAddress as string;
    await outside(['ip', 'route', 'replace', '10.70.0.0/24', 'via', HOST]);
    try {
      expect((await outside(httpGet(`http://${ip}:8000/`, 1))).code).not.toBe(0);
    } finally {
      await outside(['ip', 'route', 'del', '10.70.0.0/24']);
    }
  });

  it('UDP: outside -> host address and host -> 127.0.0.1', async () => {
    const r = await waitFor(async () => {
      const x = await outside(udpSend(HOST, 5353));
      return x.code === 0 ? x : null;
    }, 60_000, 'udp echo');
    expect(r.stdout.trim()).toBe('echo:hi');
    expect((await h.sh(udpSend('127.0.0.1', 5353))).stdout.trim()).toBe('echo:hi');
    expect((await h.sh(udpSend(HOST, 5353))).stdout.trim()).toBe('echo:hi');
    expect(await portLines('udp')).toContain('5300/udp -> 0.0.0.0:5353');
  });

  it('hairpin: a container on the same network reaches the host published port', async () => {
    expect(await waitFor(async () => (await h.inContainer('cli', httpGet(`http://${HOST}:8080/`, 1))).code === 0, 60_000, 'hairpin')).toBe(true);
    // and the gateway address of its own bridge
    expect((await h.inContainer('cli', httpGet('http://10.70.0.1:8080/', 1))).code).toBe(0);
  });

  it('a host port range takes the first free port; equal ranges map one to one', async () => {
    expect((await web('r1', ['-p', '9000:8000'])).code).toBe(0);
    expect((await web('r2', ['-p', '9000-9010:8000'])).code).toBe(0);
    expect(await portLines('r2', '8000/tcp')).toContain('0.0.0.0:9001');
    expect(await waitFor(() => httpOutside(9001), 60_000, 'range port')).toBe(true);
    expect((await h.berth(['run', '-d', '--name', 'r3', '--network', 'pub', '-p', '7000-7001:7000-7001', '--', 'sleep', 'infinity'])).code).toBe(0);
    const lines = await portLines('r3');
    expect(lines).toContain('7000/tcp -> 0.0.0.0:7000');
    expect(lines).toContain('7001/tcp -> 0.0.0.0:7001');
    expect(await h.berthOk(['ps'])).toContain('0.0.0.0:7000-7001->7000-7001/tcp');
    await h.berthOk(['rm', '-f', 'r1', 'r2', 'r3']);
  });

  it('-p PORT and -P take ephemeral ports from ip_local_port_range', async () => {
    const [lo, hi] = (await h.shOk(['cat', '/proc/sys/net/ipv4/ip_local_port_range'])).trim().split(/\s+/).map(Number);
    expect((await web('eph', ['-p', '8000'])).code).toBe(0);
    const port = Number((await portLines('eph', '8000'))[0].split(':').pop());
    expect(port).toBeGreaterThanOrEqual(lo);
    expect(port).toBeLessThanOrEqual(hi);
    expect(await waitFor(() => httpOutside(port), 60_000, 'ephemeral port')).toBe(true);
    expect((await web('pall', ['-P', '--expose', '8000'])).code).toBe(0);
    const p2 = Number((await portLines('pall', '8000'))[0].split(':').pop());
    expect(p2).toBeGreaterThanOrEqual(lo);
    expect(p2).not.toBe(port);
    expect(await waitFor(() => httpOutside(p2), 60_000, '-P port')).toBe(true);
    await h.berthOk(['rm', '-f', 'eph', 'pall']);
  });

  it('-P with --expose ranges: inspect and ps show every bound port, no null, no NaN', async () => {
    const r = await h.berth(['run', '-d', '--name', 'xr', '--network', 'pub', '-P', '--expose', '3000', '--expose', '4000-4001/udp', '--', 'sleep', 'infinity']);
    expect(r.code, r.stderr).toBe(0);
    const [c] = JSON.parse(await h.berthOk(['inspect', 'xr']));
    const ports = c.NetworkSettings.Ports as Record<string, { HostIp: string; HostPort: string }[] | null>;
    expect(Object.keys(ports).sort()).toEqual(['3000/tcp', '4000/udp', '4001/udp']);
    for (const [k, v] of Object.entries(ports)) {
      expect(v, k).not.toBeNull();
      expect(Number(v![0].HostPort), k).toBeGreaterThan(0);
    }
    expect(Object.keys(c.Config.ExposedPorts).sort()).toEqual(['3000/tcp', '4000/udp', '4001/udp']);
    const row = (await h.berthOk(['ps'])).split('\n').find((l) => l.endsWith(' xr'))!;
    expect(row).not.toContain('NaN');
    for (const k of Object.keys(ports)) expect(row).toContain(`:${ports[k]![0].HostPort}->${k}`);
    // exposed without -P: bare ports, one per line of the range
    await h.berthOk(['run', '-d', '--name', 'xe', '--network', 'pub', '--expose', '4000-4001/udp', '--', 'sleep', 'infinity']);
    const [e] = JSON.parse(await h.berthOk(['inspect', 'xe']));
    expect(e.NetworkSettings.Ports).toEqual({ '4000/udp': null, '4001/udp': null });
    expect((await h.berthOk(['ps'])).split('\n').find((l) => l.endsWith(' xe'))).toContain('4000-4001/udp');
    await h.berthOk(['rm', '-f', 'xr', 'xe']);
  });

  it('a -P mapping removed live stays removed after a restart; the others stay as they were', async () => {
    expect((await web('pall2', ['-P', '--expose', '8000', '--expose', '8001'])).code).toBe(0);
    const before = await portLines('pall2');
    expect(before).toHaveLength(2 * before.filter((l) => l.startsWith('8000/tcp')).length);
    const kept = before.filter((l) => l.startsWith('8000/tcp'));
    await h.berthOk(['port', 'rm', 'pall2', '8001']);
    expect(await portLines('pall2')).toEqual(kept);
    await h.berthOk(['stop', '-t', '1', 'pall2']);
    await h.berthOk(['start', 'pall2']);
    expect(await portLines('pall2')).toEqual(kept);
    await h.berthOk(['rm', '-f', 'pall2']);
  });

  it('a port held by another process, a taken port and bad specs are refused, leaving nothing behind', async () => {
    await h.sh(['sh', '-c', 'python3 -m http.server --bind 0.0.0.0 8500 >/dev/null 2>&1 &']);
    await waitFor(async () => (await listeners()).some((l) => l.includes(':8500')), 60_000, 'foreign listener');
    const before = await h.snapshot();
    const ls0 = await listeners();
    const held = await web('nope', ['-p', '8500:8000']);
    expect(held.code).not.toBe(0);
    expect(held.stderr).toContain('Bind for 0.0.0.0:8500 failed: port is already allocated');
    expect(held.stderr).toMatch(/held by python3? \(pid \d+\)/);
    const taken = await web('nope', ['-p', '8080:8000']);
    expect(taken.stderr).toContain('Bind for 0.0.0.0:8080 failed: port is already allocated (held by container web)');
    for (const [spec, msg] of [
      ['70000:80', 'invalid hostPort'],
      ['8600:80/xyz', 'invalid proto'],
      ['8610-8600:80', 'invalid range'],
      ['8600-8602:80-81', 'invalid ranges'],
      ['10.9.9.9:8600:80', 'not an address of this host'],
    ]) {
      const r = await web('nope', ['-p', spec]);
      expect(r.code, spec).toBe(125);
      expect(r.stderr, spec).toContain(msg);
    }
    const dup = await web('nope', ['-p', '8600:80', '-p', '8600:81']);
    expect(dup.stderr).toContain('duplicate port mapping');
    const none = await h.berth(['run', '-d', '--name', 'nope', '--network', 'none', '-p', '8600:80', '--', 'sleep', '1']);
    expect(none.stderr).toContain('conflicting options: port publishing and the none network mode');
    const hostMode = await h.berth(['run', '-d', '--name', 'hostp', '--network', 'host', '-p', '8600:80', '--', 'sleep', 'infinity']);
    expect(hostMode.code).toBe(0);
    expect(hostMode.stderr).toContain('WARNING: Published ports are discarded when using host network mode');
    await h.berthOk(['rm', '-f', 'hostp']);
    expect(await h.snapshot()).toEqual(before);
    expect(await listeners()).toEqual(ls0);
    expect(await storeContainers()).not.toContain('nope');
  });

  it('live add and remove on a running container: connections flow, then stop', async () => {
    expect((await h.berth(['run', '-d', '--name', 'live', '--network', 'pub', '--', 'sh', '-c', `python3 -m http.server 8000 & exec python3 -c '${UDP_ECHO}' 5400`])).code).toBe(0);
    await listening('live', 8000);
    expect(await httpOutside(8600)).toBe(false);
    // a UDP client already talking to the port before it is published
    expect((await outside(udpSend(HOST, 5600, 41000, 1))).code).not.toBe(0);

    expect((await h.berthOk(['port', 'add', 'live', '8600:8000'])).trim().split('\n')[0]).toBe('8000/tcp -> 0.0.0.0:8600');
    expect(await waitFor(() => httpOutside(8600), 60_000, 'added port')).toBe(true);
    expect(await httpHost('127.0.0.1', 8600)).toBe(true);
    await h.berthOk(['port', 'add', 'live', '5600:5400/udp']);
    expect((await outside(udpSend(HOST, 5600, 41000))).stdout.trim()).toBe('echo:hi'); // same flow: conntrack was flushed
    expect(await portLines('live')).toEqual(expect.arrayContaining(['5400/udp -> 0.0.0.0:5600', '8000/tcp -> 0.0.0.0:8600']));

    // a duplicate and a failing add change nothing
    // a port held by another process, its own (it used the test above's 8500: shuffled, nothing held it yet)
    await h.sh(['sh', '-c', 'python3 -m http.server --bind 0.0.0.0 8510 >/dev/null 2>&1 &']);
    await waitFor(async () => (await listeners()).some((l) => l.includes(':8510')), 60_000, 'foreign listener on 8510');
    const snap = await h.snapshot();
    const ls = await listeners();
    const dup = await h.berth(['port', 'add', 'live', '8600:8000']);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('already published');
    const heldAdd = await h.berth(['port', 'add', 'live', '8510:8000']);
    expect(heldAdd.stderr).toContain('Bind for 0.0.0.0:8510 failed: port is already allocated');
    // under Docker's group name as well (`container port` is `port`, with its verbs)
    expect((await h.berth(['container', 'port', 'add', 'live', '8601-8602:8000-8001'])).code).toBe(0);
    expect(await portLines('live')).toEqual(expect.arrayContaining(['8000/tcp -> 0.0.0.0:8601', '8001/tcp -> 0.0.0.0:8602']));
    await h.berthOk(['container', 'port', 'rm', 'live', '8601-8602:8000-8001']);
    const partial = await h.berth(['port', 'add', 'live', '8509-8510:8000-8001']); // 8509 binds, 8510 fails: all undone
    expect(partial.code).toBe(1);
    expect(await h.snapshot()).toEqual(snap);
    expect(await listeners()).toEqual(ls);

    // a removed mapping's DNAT deletion commits, and its conntrack flush runs, after the answer
    // (docs/decisions.md, "Firewall deletions committed in the background"): the helper settles first
    await h.berthOk(['port', 'rm', 'live', '8600:8000']);
    await h.settled();
    expect(await httpOutside(8600)).toBe(false);
    expect(await httpHost('127.0.0.1', 8600)).toBe(false);
    await h.berthOk(['port', 'rm', 'live', '5600:5400/udp']);
    await h.settled();
    expect((await outside(udpSend(HOST, 5600, 41000, 2))).code).not.toBe(0); // the old flow is gone too
    expect(await natRules()).not.toMatch(/--dport (8600|5600) /);
    expect((await listeners()).join('\n')).not.toMatch(/:(8600|5600) /);
    expect(await h.berth(['port', 'live'])).toMatchObject({ code: 0, stdout: '' });
    const rmMissing = await h.berth(['port', 'rm', 'live', '8600:8000']);
    expect(rmMissing.stderr).toContain("No public port '8000/tcp' published for live");
    expect((await h.inspect('live')).State.Status).toBe('running');
  });

  it('removing a container leaves no rule or listener behind', async () => {
    const before = await h.snapshot();
    const ls = await listeners();
    expect((await web('tmp', ['-p', '8800:8000', '-p', '127.0.0.1:8801:8000', '-p', '8802:8002/udp'])).code).toBe(0);
    expect(await waitFor(() => httpOutside(8800), 60_000, 'tmp')).toBe(true);
    expect(await httpHost('127.0.0.1', 8801)).toBe(true);
    expect(await h.shOk(['iptables', '-t', 'raw', '-S', 'PREROUTING'])).toMatch(/-d 127\.0\.0\.1\/32 ! -i lo -p tcp -m tcp --dport 8801 .*-j DROP/);
    expect((await listeners()).join('\n')).toMatch(/127\.0\.0\.1:8801/);
    await h.berthOk(['rm', '-f', 'tmp']);
    expect(await h.snapshot()).toEqual(before);
    expect(await listeners()).toEqual(ls);
    expect(await httpOutside(8800)).toBe(false);
  });

  it('published ports follow the gateway endpoint on connect and disconnect', async () => {
    await h.berthOk(['network', 'create', '--subnet', '10.71.0.0/24', 'alpha']); // sorts before 'pub': becomes the gateway
    expect((await web('mv', ['-p', '8900:8000'])).code).toBe(0);
    expect(await waitFor(() => httpOutside(8900), 60_000, 'mv published')).toBe(true);
    await h.berthOk(['network', 'connect', 'alpha', 'mv']);
    const alphaIp = (await h.inspect('mv')).NetworkSettings.Networks.alpha.IPAddress as string;
    expect(alphaIp).toMatch(/^10\.71\.0\./);
    expect(await natRules()).toContain(`--dport 8900 -m comment`);
    expect(await natRules()).toContain(`-j DNAT --to-destination ${alphaIp}:8000`);
    expect(await waitFor(() => httpOutside(8900), 60_000, 'after connect')).toBe(true);
    expect(await httpHost('127.0.0.1', 8900)).toBe(true); // proxy re-targeted
    expect((await h.berthOk(['port', 'mv'])).trim().split('\n')[0]).toBe('8000/tcp -> 0.0.0.0:8900');
    await h.berthOk(['network', 'disconnect', 'alpha', 'mv']);
    await h.settled(); // the endpoint's rules may be deleted after the answer
    expect(await natRules()).not.toContain(`--to-destination ${alphaIp}:8000`);
    expect(await waitFor(() => httpOutside(8900), 60_000, 'after disconnect')).toBe(true);
    expect(await httpHost('127.0.0.1', 8900)).toBe(true);
    await h.berthOk(['rm', '-f', 'mv']);
    await h.berthOk(['network', 'rm', 'alpha']);
  });

  it('restore after SIGKILL of the helper: ports bound again; a port taken meanwhile degrades its container', async () => {
    expect((await web('dg', ['-p', '8700:8000'])).code).toBe(0);
    await h.stopHelper('SIGKILL');
    // the kernel's DNAT rules outlive the helper: outside traffic keeps flowing
    expect(await httpOutside(8080)).toBe(true);
    expect(await httpHost('127.0.0.1', 8080)).toBe(false); // the proxy died with the helper
    await h.sh(['sh', '-c', 'python3 -m http.server --bind 0.0.0.0 8700 >/dev/null 2>&1 &']);
    await waitFor(async () => (await listeners()).some((l) => l.includes(':8700')), 60_000, 'squatter');
    await h.startHelper(NO_DRIFT);
    expect(await waitFor(() => httpHost('127.0.0.1', 8080), 60_000, 'proxy restored')).toBe(true);
    expect(await httpOutside(8080)).toBe(true);
    expect((await outside(udpSend(HOST, 5353))).stdout.trim()).toBe('echo:hi');
    expect((await h.inspect('web')).State.Status).toBe('running');
    const dg = await h.inspect('dg');
    expect(dg.State.Status).toBe('degraded');
    expect(dg.State.Error).toContain('0.0.0.0:8700');
    expect(dg.State.Error).toContain('port is already allocated');
    expect(await natRules()).not.toMatch(/--dport 8700 /);
    expect(await h.berthOk(['ps'])).toMatch(/\(degraded\)/);
    // dropping the mapping that could not be bound ends the degradation
    await h.berthOk(['port', 'rm', 'dg', '8700:8000']);
    expect((await h.inspect('dg')).State).toMatchObject({ Status: 'running', Error: '' });
    await h.berthOk(['rm', '-f', 'dg']);
  });
});
