import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methods } from '../../../src/shared/methods';
import type { BerthClient } from '../client/unix-client';
import { bridgeNetwork, container, stateOf } from '../testing/memory-engine';
import { startMemoryHelper } from '../testing/memory-helper';
import { afterReaped } from './handlers';
import type { CallContext } from './rpc-server';

// The handlers behind the real RPC server, over an engine in memory: what a
// client gets, checked against the contract's result schemas, and what bad
// requests change (nothing). Root-free; the kernel side is the integration suite's.
const red = bridgeNetwork('red', '10.1.0.0/24');
const web = container('web', [red], { running: true });
const old = container('old', [red]);

describe('handlers over an engine in memory', () => {
  let h: Awaited<ReturnType<typeof startMemoryHelper>>;
  let c: BerthClient;
  beforeAll(async () => {
    h = await startMemoryHelper(stateOf([red], [web, old]));
    c = await h.connect();
  });
  afterAll(async () => {
    c?.close();
    await h?.close();
  });

  it('network.list and network.inspect answer in Docker\'s shape, as the contract says', async () => {
    const list = methods['network.list'].result.parse(await c.api['network.list']({}));
    expect(list.map((n) => n.Name)).toEqual(['red']);
    const red2 = methods['network.inspect'].result.parse(await c.api['network.inspect']({ name: red.id.slice(0, 12) }));
    expect(red2).toMatchObject({ Name: 'red', Id: red.id, Driver: 'bridge', IPAM: { Config: [{ Subnet: '10.1.0.0/24', Gateway: '10.1.0.1' }] } });
    expect(Object.values(red2.Containers)).toEqual([expect.objectContaining({ Name: 'web', IPv4Address: '10.1.0.2/24' })]);
  });

  it('container.list shows running containers, and with all the stopped ones, newest first', async () => {
    const running = methods['container.list'].result.parse(await c.api['container.list']({ all: false }));
    expect(running.map((x) => x.Name)).toEqual(['/web']);
    const all = methods['container.list'].result.parse(await c.api['container.list']({ all: true }));
    expect(all.map((x) => x.Name).sort()).toEqual(['/old', '/web']);
    const one = methods['container.inspect'].result.parse(await c.api['container.inspect']({ name: 'web' }));
    expect(one.NetworkSettings.Networks.red).toMatchObject({ IPAddress: '10.1.0.2', Gateway: '10.1.0.1' });
  });

  it('network.validate and container.validate: every problem per field, the overlap named, nothing saved', async () => {
    const before = h.store.saves;
    const v = methods['network.validate'].result.parse(await c.api['network.validate']({ name: 'red', subnet: '10.1.0.128/25', gateway: '10.2.0.1', ipRange: 'x' }));
    expect(v.problems).toEqual([
      { field: 'name', message: 'network with name red already exists' },
      { field: 'subnet', message: 'Pool overlaps with other one on this address space: network red (10.1.0.0/24)' },
      { field: 'gateway', message: 'gateway 10.2.0.1 is outside subnet 10.1.0.128/25' },
      { field: 'ipRange', message: expect.stringMatching(/\bx\b/) }, // the schema's words or IPAM's, as the create would say
    ]);
    const g = await c.api['network.validate']({ name: 'blue', subnet: '10.9.0.0/24', gateway: '10.2.0.1', ipRange: '10.8.0.0/28' });
    expect(g.problems).toEqual([
      { field: 'gateway', message: 'gateway 10.2.0.1 is outside subnet 10.9.0.0/24' },
      { field: 'ipRange', message: 'ip-range 10.8.0.0/28 is not inside subnet 10.9.0.0/24' },
    ]);
    expect((await c.api['network.validate']({ name: 'blue', subnet: '10.9.0.0/24' })).problems).toEqual([]);
    // IPv6 fields of the create dialog (docs/ipv6.md): each family's own checks
    const six = await c.api['network.validate']({ name: 'blue', ipv6: true, subnet: 'fd00:9::/64', subnet6: '10.9.0.0/24', gateway6: 'fd00:8::1', ipRange6: 'fd00:9::/80' });
    expect(six.problems).toEqual([
      { field: 'subnet', message: 'fd00:9::/64 is not an IPv4 subnet' },
      { field: 'subnet6', message: '10.9.0.0/24 is not an IPv6 subnet' },
    ]);
    const gw6 = await c.api['network.validate']({ name: 'blue', ipv6: true, ipv4: false, subnet6: 'fd00:9::/64', gateway6: 'fd00:8::1', ipRange6: 'fd00:9::/80' });
    expect(gw6.problems).toEqual([{ field: 'gateway6', message: 'gateway fd00:8::1 is outside subnet fd00:9::/64' }]);
    expect((await c.api['network.validate']({ name: 'blue', ipv6: false, ipv4: false })).problems).toEqual([
      { field: 'ipv4', message: 'a network needs IPv4 or IPv6 (--ipv4=false needs --ipv6)' },
    ]);
    expect((await c.api['network.validate']({ name: 'blue', ipv6: true, ipv4: false, subnet: '10.9.0.0/24' })).problems).toEqual([
      { field: 'subnet', message: 'IPv4 subnet 10.9.0.0/24 given with --ipv4=false' },
    ]);
    expect((await c.api['network.validate']({ name: 'blue', ipv6: true, subnet: '10.9.0.0/24', subnet6: 'fd00:9::/64', gateway6: 'fd00:9::fe' })).problems).toEqual([]);
    const r = await c.api['container.validate']({ name: 'web', network: 'green', ports: ['99999:1', '8080:80'] });
    expect(r.problems.map((x) => x.field)).toEqual(['name', 'network', 'ports']);
    expect(r.problems[2].message).toMatch(/^99999:1: /);
    expect(h.store.saves).toBe(before);
  });

  it('an unknown name is not_found in Docker\'s words; nothing is saved', async () => {
    await expect(c.api['network.inspect']({ name: 'green' })).rejects.toMatchObject({ kind: 'not_found', message: 'network green not found' });
    await expect(c.api['container.inspect']({ name: 'db' })).rejects.toMatchObject({ kind: 'not_found', message: 'No such container: db' });
    expect(h.store.saves).toBe(0);
  });

  it('params the contract refuses never reach a handler: the store is untouched', async () => {
    const bad = c.call('network.create', { name: 'x y', subnet: '10.9.0.0/33' } as never);
    await expect(bad).rejects.toMatchObject({ kind: 'invalid_argument' });
    expect(h.store.saves).toBe(0);
    expect(Object.keys(h.engine.state.networks)).toEqual([red.id]);
  });

  it('removing a network with a running container is refused and changes nothing', async () => {
    await expect(c.api['network.remove']({ name: 'red' })).rejects.toMatchObject({ kind: 'in_use', message: expect.stringMatching(/has active endpoints \(web\)/) });
    expect(h.store.saves).toBe(0);
  });

  it('network.checkSubnet reports an overlap with a Berth network by its name', async () => {
    const r = methods['network.checkSubnet'].result.parse(await c.api['network.checkSubnet']({ subnet: '10.1.0.128/25' }));
    expect(r.overlaps).toEqual([expect.objectContaining({ kind: 'network', what: 'red' })]);
  });
});

describe('afterReaped: host readings wait for removals to settle', () => {
  it('a read whose caller left (or whose deadline passed) meanwhile is not started; a change always is', async () => {
    const started: string[] = [];
    let settle: () => void = () => {};
    const reaped = new Promise<void>((r) => (settle = r));
    const h = afterReaped({
      'host.inspect': async (_p?: unknown, _c?: CallContext) => void started.push('host.inspect'),
      'cleanup.apply': async (_p?: unknown, _c?: CallContext) => void started.push('cleanup.apply'),
    }, () => reaped);
    const gone = new AbortController();
    const ctx = { signal: gone.signal } as CallContext;
    const read = h['host.inspect'](undefined, ctx);
    const change = h['cleanup.apply'](undefined, ctx);
    gone.abort(new Error('the caller left'));
    settle();
    await expect(read).rejects.toThrow('the caller left');
    await change;
    expect(started).toEqual(['cleanup.apply']);
  });
});
