import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHelper } from '../../helper/src/client/unix-client';
import { TestHost } from './harness';

// Group commit (docs/architecture.md): clients that mutate at once share one
// firewall apply and one store save, and each still gets exactly its own
// result; one client's failure is its own.
describe('concurrent clients', () => {
  let h: TestHost;
  let baseline: Awaited<ReturnType<TestHost['snapshot']>>;
  const N = 6;
  const names = Array.from({ length: N }, (_, i) => `conc${i}`);
  beforeAll(async () => {
    h = await TestHost.create();
    await h.startHelper();
    baseline = await h.snapshot();
    for (const n of names) await h.shOk(['ip', 'netns', 'add', n]);
  });
  afterAll(async () => h?.destroy());

  const raw = async () => (await h.shOk(['iptables-save', '-t', 'raw'])).split('\n').filter((l) => l.startsWith('-A PREROUTING'));
  // A detach's rule deletions commit after its answer (docs/decisions.md, "Firewall deletions committed in
  // the background"): a reading through the helper waits for them, then the kernel is read
  const rawSettled = async () => {
    await h.settled();
    return raw();
  };

  it('attach and detach at once: every namespace wired with its own address and rules, then all gone', async () => {
    await h.berthOk(['network', 'create', '--subnet', '10.73.0.0/24', 'busy']);
    // the last two ask for the same address: exactly one of them gets it
    const args = names.map((n, i) => ['network', 'connect', ...(i >= N - 2 ? ['--ip', '10.73.0.200'] : []), 'busy', '--netns', n]);
    const r = await Promise.all(args.map((a) => h.berth(a)));
    const ok = r.filter((x) => x.code === 0);
    expect(ok).toHaveLength(N - 1);
    expect(r.filter((x) => x.code !== 0).map((x) => x.stderr)).toEqual([expect.stringMatching(/Address already in use/)]);
    const ips = ok.map((x) => x.stdout.split(' ')[1].split('/')[0]);
    expect(new Set(ips).size).toBe(N - 1);
    const attached = names.filter((_, i) => r[i].code === 0);
    for (const [i, n] of attached.entries()) expect((await h.shOk(['ip', '-n', n, '-br', 'addr', 'show', 'eth0']))).toContain(`${ips[i]}/24`);
    // the failed one left nothing in its namespace
    const failed = names.find((_, i) => r[i].code !== 0)!;
    expect(await h.shOk(['ip', '-n', failed, '-br', 'link'])).not.toContain('eth0');
    const rules = await raw();
    for (const ip of ips) expect(rules.filter((l) => l.includes(`-d ${ip}/32`))).toHaveLength(1);
    const listed = JSON.parse(await h.berthOk(['network', 'inspect', 'busy']))[0];
    expect(Object.keys(listed.Containers)).toHaveLength(N - 1);

    const d = await Promise.all(attached.map((n) => h.berth(['network', 'disconnect', 'busy', '--netns', n])));
    expect(d.map((x) => x.code)).toEqual(attached.map(() => 0));
    await h.settled(); // the veths go after the answers
    for (const n of names) expect(await h.shOk(['ip', '-n', n, '-br', 'link'])).not.toContain('eth0');
    expect((await rawSettled()).filter((l) => l.includes('10.73.0.'))).toEqual([]);
    await h.berthOk(['network', 'rm', 'busy']);
    for (const n of names) await h.shOk(['ip', 'netns', 'del', n]);
    expect(await h.snapshot()).toEqual(baseline);
  });

  // A namespace's address and route are set while the next client's attach
  // runs (Engine.tx's overlap): when that step fails (IPv6 turned off in the
  // namespace refuses the IPv6 address), that attach alone fails and leaves
  // nothing; the others answer with their own addresses.
  it('attaches at once where one namespace refuses its address: that one fails alone, the others are wired', async () => {
    const six = Array.from({ length: 4 }, (_, i) => `six${i}`);
    for (const n of six) await h.shOk(['ip', 'netns', 'add', n]);
    const bad = six[1];
    for (const k of ['all', 'default']) await h.shOk(['ip', 'netns', 'exec', bad, 'sysctl', '-qw', `net.ipv6.conf.${k}.disable_ipv6=1`]);
    await h.berthOk(['network', 'create', '--ipv6', '--subnet', '10.74.0.0/24', '--subnet', 'fd00:74::/64', 'dual']);
    // one connection each, the calls sent at once: they reach the helper together (one batch)
    const clients = await Promise.all(six.map(() => connectHelper(h.socket)));
    const r = await Promise.allSettled(six.map((n, i) => clients[i].call('network.connect', { network: 'dual', target: { netns: n } })));
    for (const c of clients) c.close();
    expect(r.map((x) => x.status)).toEqual(six.map((n) => (n === bad ? 'rejected' : 'fulfilled')));
    expect(((r[1] as PromiseRejectedResult).reason as Error).message).toMatch(/IPv6 is disabled/);
    expect(await h.shOk(['ip', '-n', bad, '-br', 'link'])).not.toContain('eth0');
    const good = six.filter((n) => n !== bad);
    for (const n of good) {
      const addrs = await h.shOk(['ip', '-n', n, '-br', 'addr', 'show', 'eth0']);
      expect(addrs).toMatch(/10\.74\.0\.\d+\/24/);
      expect(addrs).toMatch(/fd00:74::[0-9a-f]+\/64/);
      expect(await h.shOk(['ip', '-n', n, 'route', 'show', 'default'])).toContain('via 10.74.0.1 dev eth0');
    }
    const listed = JSON.parse(await h.berthOk(['network', 'inspect', 'dual']))[0];
    expect(Object.keys(listed.Containers)).toHaveLength(good.length);
    for (const n of good) await h.berthOk(['network', 'disconnect', 'dual', '--netns', n]);
    expect((await rawSettled()).filter((l) => l.includes('10.74.0.'))).toEqual([]);
    await h.berthOk(['network', 'rm', 'dual']);
    for (const n of six) await h.shOk(['ip', 'netns', 'del', n]);
  });
});
