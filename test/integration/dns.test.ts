import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestHost, waitFor, type InHost } from './harness';

// Embedded DNS (docs/dns.md) on the real kernel: names and aliases resolve
// inside containers of the same user-defined network only, other names go
// to the upstream resolvers (a container's --dns, or the host's own, even at
// 127.0.0.53), and the host's /etc/resolv.conf and /etc/hosts stay as they were.

// A tiny authoritative DNS server: NAME=IP pairs, A records only, NXDOMAIN otherwise.
const RESPONDER = `import socket,sys
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind((sys.argv[1],53))
table=dict(a.split('=') for a in sys.argv[2:])
while True:
  d,a=s.recvfrom(512); i=12; labels=[]
  while d[i]: labels.append(d[i+1:i+1+d[i]].decode()); i+=1+d[i]
  q=d[12:i+5]; qtype=int.from_bytes(d[i+1:i+3],'big'); name='.'.join(labels).lower()
  if table.get(name)=='TC': s.sendto(d[:2]+b'\\x83\\x80\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00'+q,a)
  elif name in table and qtype==1: s.sendto(d[:2]+b'\\x81\\x80\\x00\\x01\\x00\\x01\\x00\\x00\\x00\\x00'+q+b'\\xc0\\x0c\\x00\\x01\\x00\\x01\\x00\\x00\\x00\\x3c\\x00\\x04'+socket.inet_aton(table[name]),a)
  elif name in table: s.sendto(d[:2]+b'\\x81\\x80\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00'+q,a)
  else: s.sendto(d[:2]+b'\\x81\\x83\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00'+q,a)
`;
// Over TCP (RFC 7766: two-byte length first): every name gets COUNT A records 203.0.113.1…COUNT,
// more than a 512-byte UDP answer holds.
const TCP_RESPONDER = `import socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1); s.bind((sys.argv[1],53)); s.listen(8)
n=int(sys.argv[2])
while True:
  c,_=s.accept(); d=c.recv(2); d=c.recv(int.from_bytes(d,'big')); i=12
  while d[i]: i+=1+d[i]
  q=d[12:i+5]; rr=b''.join(b'\\xc0\\x0c\\x00\\x01\\x00\\x01\\x00\\x00\\x00\\x3c\\x00\\x04'+bytes([203,0,113,k]) for k in range(1,n+1))
  m=d[:2]+b'\\x81\\x80\\x00\\x01'+n.to_bytes(2,'big')+b'\\x00\\x00\\x00\\x00'+q+rr
  c.sendall(len(m).to_bytes(2,'big')+m); c.close()
`;
// A query for NAME straight to the network's server over TCP: the count of A records in the answer.
const ASK_TCP = `import socket,struct,sys
q=struct.pack('>HHHHHH',0x4242,0x0100,1,0,0,0)+b''.join(bytes([len(l)])+l.encode() for l in sys.argv[2].split('.'))+b'\\x00\\x00\\x01\\x00\\x01'
s=socket.create_connection((sys.argv[1],53),timeout=5); s.sendall(len(q).to_bytes(2,'big')+q)
n=int.from_bytes(s.recv(2),'big'); r=b''
while len(r)<n: r+=s.recv(n-len(r))
print(int.from_bytes(r[6:8],'big'), r[3]&15)`;
const RESOLVE_ALL = 'import socket,sys\nprint(len(socket.gethostbyname_ex(sys.argv[1])[2]))';
const RESOLVE = 'import socket,sys\ntry:\n print(socket.gethostbyname(sys.argv[1]))\nexcept OSError as e:\n print("unresolved", e); sys.exit(1)';
const REVERSE = 'import socket,sys\nprint(socket.gethostbyaddr(sys.argv[1])[0])';

describe('embedded DNS', () => {
  let h: TestHost;
  const servers: InHost[] = [];
  const hostFiles = async () => [await readFile('/etc/resolv.conf'), await readFile('/etc/hosts')];
  let before: Buffer[];
  // a one-off container that resolves a name and prints the address
  const resolve = (net: string, name: string, extra: string[] = []) =>
    h.berth(['run', '--rm', '--network', net, ...extra, '--', 'python3', '-c', RESOLVE, name]);
  const ipOf = async (name: string, net: string) => (await h.inspect(name)).NetworkSettings.Networks[net].IPAddress as string;
  const serve = (where: string[], ip: string, table: string[]) => {
    servers.push(h.spawn([...where, 'python3', '-c', RESPONDER, ip, ...table]));
  };

  beforeAll(async () => {
    before = await hostFiles();
    h = await TestHost.create();
    // The test host's own resolver is at 127.0.0.53, as with systemd-resolved: a
    // resolv.conf of its own, bound in the test's private mount namespace only.
    const fake = join(h.dir, 'host-resolv.conf');
    await writeFile(fake, 'nameserver 127.0.0.53\nsearch test.internal\n');
    await h.shOk(['mount', '--bind', fake, '/etc/resolv.conf']);
    serve([], '127.0.0.53', ['local.example=203.0.113.8']);
    // and an upstream in another namespace, for --dns
    await h.addOutside('upstream', '198.51.100.1', '198.51.100.2');
    serve(['ip', 'netns', 'exec', 'upstream'], '198.51.100.2', ['up.example=203.0.113.7', 'big.example=TC']);
    servers.push(h.spawn(['ip', 'netns', 'exec', 'upstream', 'python3', '-c', TCP_RESPONDER, '198.51.100.2', '60']));
    await h.startHelper();
    await h.berthOk(['network', 'create', '--subnet', '10.91.0.0/24', 'dnsa']);
    await h.berthOk(['network', 'create', '--subnet', '10.92.0.0/24', 'dnsb']);
    await h.berthOk(['run', '-d', '--name', 'web', '--network', 'dnsa', '--network-alias', 'www', '--network-alias', 'shop', '--', 'sleep', 'infinity']);
    await h.berthOk(['run', '-d', '--name', 'other', '--network', 'dnsb', '--', 'sleep', 'infinity']);
    await h.berthOk(['run', '-d', '--name', 'plain', '--', 'sleep', 'infinity']);
    await waitFor(async () => (await h.sh(['ss', '-Hlun', 'sport = :53'])).stdout.includes('127.0.0.53'), 60_000, 'resolver at 127.0.0.53');
    // the --dns upstream too: a query before its python listens is refused, which no retry of the resolver's mends
    await waitFor(async () => (await h.sh(['ip', 'netns', 'exec', 'upstream', 'ss', '-Hlun', 'sport = :53'])).stdout.includes('198.51.100.2'), 60_000, 'the upstream resolver at 198.51.100.2');
  });
  afterAll(async () => {
    for (const s of servers) await s.signal('SIGKILL');
    await h?.destroy();
  });

  it('container names and --network-alias resolve on the same user-defined network', async () => {
    const web = await ipOf('web', 'dnsa');
    for (const name of ['web', 'www', 'shop', 'WEB', 'web.dnsa']) {
      const r = await resolve('dnsa', name);
      expect([name, r.stdout, r.code]).toEqual([name, web, 0]);
    }
    // reverse lookups of the network's addresses are answered here, not sent upstream
    const rev = await h.berth(['run', '--rm', '--network', 'dnsa', '--', 'python3', '-c', REVERSE, web]);
    expect(rev.stdout).toBe('web.dnsa');
  });

  it('the network created last answers too: its server listens as soon as the create is committed', async () => {
    const r = await resolve('dnsb', 'other');
    expect([r.stdout, r.code]).toEqual([await ipOf('other', 'dnsb'), 0]);
  });

  it('not across networks, not on the default bridge', async () => {
    expect((await resolve('dnsb', 'web')).code).toBe(1);
    expect((await resolve('dnsa', 'other')).code).toBe(1);
    expect((await resolve('bridge', 'web')).code).toBe(1);
    expect((await resolve('bridge', 'plain')).code).toBe(1);
  });

  it('network connect --alias: names on the new network, gone after disconnect', async () => {
    await h.berthOk(['network', 'connect', '--alias', 'api', 'dnsa', 'other']);
    const ip = await ipOf('other', 'dnsa');
    expect((await resolve('dnsa', 'api')).stdout).toBe(ip);
    expect((await resolve('dnsa', 'other')).stdout).toBe(ip);
    expect((await resolve('dnsb', 'api')).code).toBe(1); // the alias is dnsa's only
    await h.berthOk(['network', 'disconnect', 'dnsa', 'other']);
    expect((await resolve('dnsa', 'api')).code).toBe(1);
  });

  it("a container's own hostname and --add-host resolve through its own /etc/hosts", async () => {
    const r = await h.berth(['run', '--rm', '--network', 'dnsa', '--hostname', 'box', '--add-host', 'printer:192.0.2.9', '--',
      'sh', '-c', 'python3 -c "$0" box; python3 -c "$0" printer; cat /etc/hosts', RESOLVE]);
    const [own, printer, ...hosts] = r.stdout.split('\n');
    expect(own).toMatch(/^10\.91\.0\.\d+$/);
    expect(printer).toBe('192.0.2.9');
    expect(hosts).toContain('192.0.2.9\tprinter');
    expect(hosts).toContain(`${own}\tbox`);
  });

  it("other names go to the host's resolver, even at 127.0.0.53, or to --dns", async () => {
    expect((await resolve('dnsa', 'local.example')).stdout).toBe('203.0.113.8');
    expect((await resolve('bridge', 'local.example')).stdout).toBe('203.0.113.8'); // forwarding works on the default bridge too
    expect((await resolve('dnsa', 'up.example', ['--dns', '198.51.100.2'])).stdout).toBe('203.0.113.7');
    expect((await resolve('dnsa', 'up.example')).code).toBe(1); // the host's resolver does not know it
    const conf = await h.berth(['run', '--rm', '--network', 'dnsa', '--dns-search', 'corp.example', '--', 'cat', '/etc/resolv.conf']);
    expect(conf.stdout).toContain('nameserver 10.91.0.1');
    expect(conf.stdout).toContain('search corp.example');
    expect(conf.stdout).not.toContain('127.0.0.53');
  });

  it('over TCP: local names answered, a truncated upstream answer retried over TCP in full', async () => {
    // straight to the server over TCP: one A record for web, rcode 0. The
    // listeners follow the network's creation (its event): a refused connection
    // would be a test that ran before them, not an answer.
    await waitFor(async () => (await h.sh(['ss', '-Hltn', 'sport = :53'])).stdout.includes('10.91.0.1:53'), 60_000, "the dnsa network's TCP listener");
    expect((await h.berth(['run', '--rm', '--network', 'dnsa', '--', 'python3', '-c', ASK_TCP, '10.91.0.1', 'web'])).stdout).toBe('1 0');
    // upstream answers big.example truncated over UDP; the container's resolver asks again over TCP, forwarded over TCP
    await waitFor(async () => (await h.sh(['ip', 'netns', 'exec', 'upstream', 'ss', '-Hltn', 'sport = :53'])).stdout.includes('198.51.100.2'), 60_000, 'the TCP upstream to listen');
    expect((await h.berth(['run', '--rm', '--network', 'dnsa', '--dns', '198.51.100.2', '--', 'python3', '-c', RESOLVE_ALL, 'big.example'])).stdout).toBe('60');
  });

  it('answers only its own network: a query from elsewhere gets nothing', async () => {
    // from the upstream namespace (198.51.100.2), routed to the dnsa gateway
    await h.shOk(['ip', '-n', 'upstream', 'route', 'add', '10.91.0.0/24', 'via', '198.51.100.1']);
    const ask = `import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.settimeout(2)\ns.sendto(bytes.fromhex('123401000001000000000000037765620000010001'),('10.91.0.1',53))\ntry:\n s.recv(512);print('answered')\nexcept OSError:\n print('silent')`;
    expect((await h.sh(['ip', 'netns', 'exec', 'upstream', 'python3', '-c', ask])).stdout.trim()).toBe('silent');
    // nor over TCP: the connection is closed without an answer
    const askTcp = `import socket\ntry:\n s=socket.create_connection(('10.91.0.1',53),timeout=2);s.sendall(bytes.fromhex('0015123401000001000000000000037765620000010001'));print('answered' if s.recv(512) else 'silent')\nexcept OSError:\n print('silent')`;
    expect((await h.sh(['ip', 'netns', 'exec', 'upstream', 'python3', '-c', askTcp])).stdout.trim()).toBe('silent');
  });

  it('keeps answering after a helper restart', async () => {
    await h.stopHelper();
    await h.startHelper();
    const web = await ipOf('web', 'dnsa');
    expect((await resolve('dnsa', 'www')).stdout).toBe(web);
  });

  it("leaves the host's /etc/resolv.conf and /etc/hosts byte-identical", async () => {
    expect(await hostFiles()).toEqual(before);
    // and the test host's own (bound) resolv.conf too
    expect(await h.shOk(['cat', '/etc/resolv.conf'])).toBe('nameserver 127.0.0.53\nsearch test.internal');
  });
});
