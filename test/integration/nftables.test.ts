import { describe, expect, it } from 'vitest';
import { hostPortLines, hostPerTest, httpGet, TestHost, waitFor } from './harness';

// The nftables backend end to end (traffic.test.ts runs the network
// semantics against both backends): published ports from outside, from the
// host and through the userland proxy; the user's chain; drift healing
// after someone flushes or deletes Berth's table.
const HOST = '198.51.100.1';
const nftList = (h: TestHost, ...what: string[]) => h.shOk(['nft', 'list', ...what]);
// UDP echo in a container; a client sending from one fixed source port, so
// every try is the same conntrack flow
const UDP_ECHO = 'import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(("",int(sys.argv[1])))\nwhile True:\n d,a=s.recvfrom(2048)\n s.sendto(b"echo:"+d,a)';
const UDP_CLIENT =
  'import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(("",int(sys.argv[3])))\ns.settimeout(0.5)\nfor i in range(int(sys.argv[4])):\n try:\n  s.sendto(b"hi",(sys.argv[1],int(sys.argv[2])))\n  print(s.recv(100).decode()); sys.exit(0)\n except OSError as e:\n  pass\nsys.exit(1)';
const udpSend = (ip: string, port: number, sport: number, tries = 4) => ['python3', '-c', UDP_CLIENT, ip, String(port), String(sport), String(tries)];

describe('nftables backend', () => {
  // each test on its own host (a timed-out test once left its helper
  // running while the next one read the ruleset): outside, network pub, and
  // web serving on 8000, published on 8080
  const host = hostPerTest(async (h) => {
    await h.startHelper(['--firewall', 'nftables']);
    await h.addOutside();
    await h.berthOk(['network', 'create', '--subnet', '10.75.0.0/24', 'pub']);
    await h.berthOk(['run', '-d', '--name', 'web', '--network', 'pub', '-p', '8080:8000', '--', 'python3', '-m', 'http.server', '8000']);
    await waitFor(async () => (await h.inContainer('web', ['ss', '-Hltn', 'sport = :8000'])).stdout.trim() !== '', 60_000, 'web listening');
  });
  const outside = (argv: string[]) => host().sh(['ip', 'netns', 'exec', 'outside', ...argv]);
  const httpOutside = async (port: number) => (await outside(httpGet(`http://${HOST}:${port}/`, 1))).code === 0;
  const httpHost = async (ip: string, port: number) => (await host().sh(httpGet(`http://${ip}:${port}/`, 1))).code === 0;

  it('publishes a TCP port: outside -> host address, host -> own address (nat-OUTPUT), 127.0.0.1 via the proxy', async () => {
    const h = host();
    expect(await waitFor(() => httpOutside(8080), 60_000, 'outside -> 8080')).toBe(true);
    expect(await httpHost(HOST, 8080)).toBe(true);
    expect(await httpHost('127.0.0.1', 8080)).toBe(true);
    expect(await nftList(h, 'chain', 'ip', 'berth', 'nat-berth')).toMatch(/iifname != "br-[0-9a-f]{12}" tcp dport 8080 dnat to 10\.75\.0\.\d+:8000 comment "berth:[0-9a-f]{12}"/);
    // the container port itself is not reachable from outside, even with a route
    const ip = (await h.inspect('web')).NetworkSettings.Networks.pub.IPAddress as string;
    await outside(['ip', 'route', 'replace', '10.75.0.0/24', 'via', HOST]);
    try {
      expect((await outside(httpGet(`http://${ip}:8000/`, 1))).code).not.toBe(0);
    } finally {
      await outside(['ip', 'route', 'del', '10.75.0.0/24']);
    }
    const info = JSON.parse(await h.berthOk(['info', '--format', 'json']));
    expect(info.firewallBackend).toBe('nftables');
    expect(info.hostChanges.join('\n')).toContain('nft table ip berth has policy drop');
  });

  it('port rm takes the DNAT away; port add brings a new one', async () => {
    const h = host();
    expect(await waitFor(() => httpOutside(8080), 60_000, 'outside -> 8080 before the rm')).toBe(true);
    await h.berthOk(['port', 'rm', 'web', '8000']);
    await h.settled(); // the DNAT's deletion commits after the answer (docs/decisions.md, "Firewall deletions committed in the background")
    expect(await nftList(h, 'chain', 'ip', 'berth', 'nat-berth')).not.toContain('dport 8080');
    expect(await httpOutside(8080)).toBe(false);
    await h.berthOk(['port', 'add', 'web', '8081:8000']);
    expect(await waitFor(() => httpOutside(8081), 60_000, 'outside -> 8081')).toBe(true);
  });

  it('UDP: a flow that started before the port was published reaches the container (conntrack flushed)', async () => {
    const h = host();
    await h.berthOk(['run', '-d', '--name', 'udp', '--network', 'pub', '--', 'python3', '-c', UDP_ECHO, '5400']);
    expect((await outside(udpSend(HOST, 5600, 41000, 1))).code).not.toBe(0);
    await h.berthOk(['port', 'add', 'udp', '5600:5400/udp']);
    expect((await outside(udpSend(HOST, 5600, 41000))).stdout.trim()).toBe('echo:hi');
    expect((await h.sh(udpSend('127.0.0.1', 5600, 41001))).stdout.trim()).toBe('echo:hi'); // the proxy
    await h.berthOk(['rm', '-f', 'udp']);
    await h.settled(); // its rules' deletion commits after the answer
    expect(hostPortLines(await nftList(h, 'table', 'ip', 'berth'), 5600)).toEqual([]);
  });

  it("keeps the user's berth-user chain across operations; a drop there wins", async () => {
    const h = host();
    expect(await waitFor(() => httpOutside(8080), 60_000, 'outside -> 8080 before the drop')).toBe(true);
    await h.shOk(['nft', 'add', 'rule', 'ip', 'berth', 'berth-user', 'ip', 'saddr', '198.51.100.2', 'tcp', 'dport', '8000', 'drop']);
    await h.berthOk(['network', 'create', '--subnet', '10.76.0.0/24', 'more']);
    expect(await nftList(h, 'chain', 'ip', 'berth', 'berth-user')).toContain('ip saddr 198.51.100.2 tcp dport 8000 drop');
    expect(await httpOutside(8080)).toBe(false);
    await h.shOk(['nft', 'flush', 'chain', 'ip', 'berth', 'berth-user']);
    expect(await waitFor(() => httpOutside(8080), 60_000, 'outside -> 8080 again')).toBe(true);
    // nothing to heal: the user's chain is not Berth's to compare
    const doctor = await h.berthOk(['doctor']);
    expect(doctor).toMatch(/firewall \(nftables\): \d+ Berth rules in place/);
  });

  it('heals drift: a flushed, then a deleted table comes back within seconds, and traffic with it', async () => {
    const h = host();
    await h.shOk(['nft', 'flush', 'table', 'ip', 'berth']);
    await waitFor(async () => (await nftList(h, 'chain', 'ip', 'berth', 'nat-berth')).includes('dport 8080'), 60_000, 'flush healed');
    expect(await waitFor(() => httpOutside(8080), 60_000, 'traffic after flush')).toBe(true);
    await h.shOk(['nft', 'delete', 'table', 'ip', 'berth']);
    await waitFor(async () => (await h.sh(['nft', 'list', 'chain', 'ip', 'berth', 'filter-FORWARD'])).stdout.includes('ct state established,related accept'), 60_000, 'delete healed');
    expect(await waitFor(() => httpOutside(8080), 60_000, 'traffic after delete')).toBe(true);
  });

  it('a helper restart rewrites nothing twice', async () => {
    const h = host();
    const before = await nftList(h, 'table', 'ip', 'berth');
    await h.stopHelper();
    await h.startHelper(['--firewall', 'nftables']);
    expect(await nftList(h, 'table', 'ip', 'berth')).toBe(before);
    expect(await waitFor(() => httpOutside(8080), 60_000, 'traffic after restart')).toBe(true);
  });
});
