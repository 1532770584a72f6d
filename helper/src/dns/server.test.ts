import dgram from 'node:dgram';
import net from 'node:net';
import * as packet from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { State } from '../store/state';
import { DnsService } from './server';

// The server's transports on loopback (no root): an answer too big for UDP
// comes back truncated (TC, no records), and whole over TCP.
const id = (c: string) => c.repeat(64);
const many = Array.from({ length: 50 }, (_, i) => i + 2);
const s = {
  networks: { [id('a')]: { id: id('a'), name: 'front', driver: 'bridge', predefined: false, subnet: '127.0.0.0/8', gateway: '127.0.0.1' } },
  containers: Object.fromEntries(
    many.map((i) => [
      id(String(i % 10)) + i,
      { id: `${i}`.padStart(64, '0'), name: `c${i}`, hostname: `h${i}`, state: { status: 'running' }, endpoints: [{ networkId: id('a'), ip: `127.0.1.${i}` }], aliases: { [id('a')]: ['many'] } },
    ]),
  ),
} as unknown as State;
// a container's address in the network (127.0.0.0/8); the gateway 127.0.0.1 is the host's
const CLIENT = '127.0.0.9';
const query = (name: string) => packet.encode({ id: 7, type: 'query', flags: packet.RECURSION_DESIRED, questions: [{ type: 'A', name }] });

// The host's loopback is shared with every other test run on the machine
// (two suites at once, or parallel CI jobs): a port picked from this run's
// pid alone once met another run's DNS test, which answered our query. A
// service that did not get its port (TCP is exclusive, so another run's
// listener makes ours fail and close its UDP socket) tries another one.
async function startDns(make: (port: number) => DnsService): Promise<{ dns: DnsService; port: number }> {
  for (let i = 0; i < 20; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000); // below the ephemeral range (32768-)
    const dns = make(port);
    await dns.sync();
    if (dns.listening().length) return { dns, port };
    dns.close();
  }
  throw new Error('the DNS test found no free loopback port in 20 tries');
}

describe('embedded DNS transports', () => {
  let dns: DnsService;
  let port = 0;
  beforeAll(async () => ({ dns, port } = await startDns((p) => new DnsService(() => s, async () => [], () => {}, p))));
  afterAll(() => dns.close());

  it('over UDP, 50 addresses do not fit 512 bytes: truncated, no records', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, CLIENT, r));
    const r = await new Promise<Buffer>((resolve) => {
      sock.once('message', resolve);
      sock.send(query('many'), port, '127.0.0.1');
    });
    sock.close();
    const p = packet.decode(r);
    expect(p.flags! & packet.TRUNCATED_RESPONSE).toBe(packet.TRUNCATED_RESPONSE);
    expect(p.answers).toEqual([]);
    expect(r.length).toBeLessThanOrEqual(512);
  });

  it('over TCP, the whole answer; several queries on one connection', async () => {
    const c = net.connect({ port, host: '127.0.0.1', localAddress: CLIENT });
    const q = query('many');
    const framed = Buffer.concat([Buffer.from([0, q.length]), q]);
    c.write(Buffer.concat([framed, framed]));
    let buf = Buffer.alloc(0);
    const answers: packet.Packet[] = [];
    await new Promise<void>((resolve) =>
      c.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          answers.push(packet.decode(buf.subarray(2, 2 + buf.readUInt16BE(0))));
          buf = buf.subarray(2 + buf.readUInt16BE(0));
        }
        if (answers.length === 2) resolve();
      }),
    );
    c.destroy();
    for (const a of answers) {
      expect(a.flags! & packet.TRUNCATED_RESPONSE).toBe(0);
      expect(a.answers!.map((x) => (x as { data: string }).data).sort()).toEqual(many.map((i) => `127.0.1.${i}`).sort());
    }
  });

  it('200 queries pipelined on one TCP connection are all answered, in turn', async () => {
    const c = net.connect({ port, host: '127.0.0.1', localAddress: CLIENT });
    const q = query('c7');
    const framed = Buffer.concat([Buffer.from([0, q.length]), q]);
    c.write(Buffer.concat(Array.from({ length: 200 }, () => framed)));
    let buf = Buffer.alloc(0);
    let n = 0;
    await new Promise<void>((resolve) =>
      c.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
          n++;
          buf = buf.subarray(2 + buf.readUInt16BE(0));
        }
        if (n === 200) resolve();
      }),
    );
    c.destroy();
    expect(n).toBe(200);
  });

  it('a query from the gateway (the host itself) is not answered', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
    const got: Buffer[] = [];
    sock.on('message', (m) => got.push(m));
    sock.send(query('c7'), port, '127.0.0.1');
    // the same query from a container's address is answered: the first is past by then
    const ok = dgram.createSocket('udp4');
    await new Promise<void>((r) => ok.bind(0, CLIENT, r));
    await new Promise<Buffer>((resolve) => {
      ok.once('message', resolve);
      ok.send(query('c7'), port, '127.0.0.1');
    });
    await new Promise((r) => setTimeout(r, 200));
    sock.close();
    ok.close();
    expect(got).toEqual([]);
  });
});

// A container's first query can come before the operation that started it is
// committed: the answer waits for the operations in progress, then is made
// from the state they left (here: the asker and a peer started with it).
describe('embedded DNS, an asker not committed yet', () => {
  const peer = { id: '1'.padStart(64, '0'), name: 'late', hostname: 'late', state: { status: 'running' }, endpoints: [{ networkId: id('a'), ip: '127.0.1.2' }] };
  const asker = { id: '2'.padStart(64, '0'), name: 'asker', hostname: 'asker', state: { status: 'running' }, endpoints: [{ networkId: id('a'), ip: CLIENT }] };
  let committed = { networks: s.networks, containers: {} } as unknown as State;
  let settledCalls = 0;
  let dns: DnsService;
  let port = 0;
  beforeAll(async () => ({ dns, port } = await startDns((p) => new DnsService(() => committed, async () => [], () => {}, p, async () => {
    settledCalls++;
    committed = { ...committed, containers: { [peer.id]: peer, [asker.id]: asker } } as unknown as State;
  }))));
  afterAll(() => dns.close());

  it('is answered from the state committed after it asked', async () => {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, CLIENT, r));
    const r = await new Promise<Buffer>((resolve) => {
      sock.once('message', resolve);
      sock.send(query('late'), port, '127.0.0.1');
    });
    sock.close();
    expect(settledCalls).toBe(1);
    expect(packet.decode(r).answers!.map((x) => (x as { data: string }).data)).toEqual(['127.0.1.2']);
  });
});
