import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hostPerTest, httpGet, TestHost, waitFor } from './harness';

// The helper is SIGKILLed in the middle of a sequence of operations: nothing
// it acknowledged is lost, and after a restart state and traffic are right.
describe('crash and restore', () => {
  // a host per test: each one kills the helper and flushes or breaks what
  // another would start from, so none may depend on what one before it left
  const host = hostPerTest(async (h) => {
    await h.startHelper();
  });
  let h: TestHost;
  beforeEach(() => {
    h = host();
  });

  const ipOf = async (name: string) => Object.values((await h.inspect(name)).NetworkSettings.Networks as Record<string, { IPAddress: string }>)[0].IPAddress;
  const reaches = (from: string, ip: string) =>
    waitFor(async () => (await h.inContainer(from, httpGet(`http://${ip}:8000/`, 1))).code === 0, 60_000, `${from} -> ${ip}`);
  // a server and a client on one network, the client reaching the server
  const serverAndClient = async () => {
    await h.berthOk(['network', 'create', '--subnet', '10.90.0.0/24', 'durable']);
    await h.berthOk(['run', '-d', '--name', 'srv', '--network', 'durable', '--', 'python3', '-m', 'http.server', '8000']);
    await h.berthOk(['run', '-d', '--name', 'cli', '--network', 'durable', 'sleep', '600']);
    const srvIp = await ipOf('srv');
    await reaches('cli', srvIp);
    return srvIp;
  };

  it('keeps every acknowledged operation across SIGKILL, and traffic flows again', async () => {
    const acked: string[] = [];
    await h.berthOk(['network', 'create', '--subnet', '10.90.0.0/24', 'durable']);
    acked.push('durable');
    // fire a burst of operations and kill the helper while they are in flight
    const ops = Array.from({ length: 6 }, (_, i) =>
      h.berth(['network', 'create', `burst${i}`]).then((r) => (r.code === 0 ? acked.push(`burst${i}`) : null)),
    );
    await h.berthOk(['run', '-d', '--name', 'srv', '--network', 'durable', '--', 'python3', '-m', 'http.server', '8000']);
    await h.berthOk(['run', '-d', '--name', 'cli', '--network', 'durable', 'sleep', '600']);
    // killed with whatever of the burst is still in flight: no fixed pause, what
    // was acknowledged by then is what must survive
    await h.stopHelper('SIGKILL');
    await Promise.all(ops);

    const srvIp = await (async () => {
      await h.startHelper();
      return ipOf('srv');
    })();
    const names = (await h.berthOk(['network', 'ls', '--format', 'json'])).split('\n').map((l) => JSON.parse(l).Name);
    for (const n of acked) expect(names).toContain(n);
    // nothing half-made: every network in the store has its bridge
    const links = await h.shOk(['ip', '-br', 'link']);
    for (const l of (await h.berthOk(['network', 'ls', '--format', 'json'])).split('\n').map((x) => JSON.parse(x))) {
      if (l.Driver !== 'bridge') continue;
      const br = JSON.parse(await h.berthOk(['network', 'inspect', l.Name]))[0].Options['com.docker.network.bridge.name'] ?? `br-${l.ID}`;
      expect(links).toContain(br);
    }
    const ps = await h.berthOk(['ps']);
    expect(ps).toContain('srv');
    expect(ps).toContain('cli');
    await reaches('cli', srvIp);
  });

  it('restores bridges and rules after both vanish, and marks dead containers exited', async () => {
    const srvIp = await serverAndClient();
    const cliPid = String((await h.inspect('cli')).State.Pid);
    await h.stopHelper('SIGKILL');
    // a reboot, in miniature: the firewall is flushed, Berth's links are gone, one container died
    await h.shOk(['iptables', '-t', 'nat', '-F']);
    await h.shOk(['iptables', '-F', 'FORWARD']);
    await h.shOk(['kill', '-9', cliPid]);
    await h.startHelper();
    expect((await h.inspect('cli')).State.Status).toBe('exited');
    expect((await h.shOk(['iptables-save', '-t', 'nat']))).toMatch(/-s 10\.90\.0\.0\/24 ! -o br-\w+ .*-j MASQUERADE/);
    expect((await h.shOk(['iptables', '-S', 'FORWARD']))).toContain('-j BERTH-FORWARD');
    await h.berthOk(['start', 'cli']);
    await reaches('cli', srvIp);
  });

  it('heals drift while running: flushed Berth chains come back within seconds', async () => {
    await h.berthOk(['network', 'create', '--subnet', '10.90.0.0/24', 'durable']);
    await waitFor(async () => (await h.shOk(['iptables', '-S', 'BERTH-FORWARD'])).includes('-j BERTH-CT'), 60_000, 'Berth chains in place');
    await h.shOk(['iptables', '-t', 'nat', '-F', 'BERTH']);
    await h.shOk(['iptables', '-F', 'BERTH-FORWARD']);
    // both chains in one wait: a drift check that ran between the two flushes
    // heals them in two passes, and one restore commits its tables one by one
    const healed = async () =>
      (await h.shOk(['iptables', '-S', 'BERTH-FORWARD'])).includes('-j BERTH-CT') && (await h.shOk(['iptables', '-t', 'nat', '-S', 'BERTH'])).includes('-j RETURN');
    await waitFor(healed, 60_000, 'drift healed in the filter and nat tables');
  });
});

// The iptables backend plans each operation against the ruleset its last
// restore left (no iptables-save per operation). When someone else changed
// Berth's rules in between, that memory is stale: the restore fails and is
// planned again from the kernel, and the operation still succeeds.
describe('firewall memory gone stale', () => {
  let h: TestHost;
  beforeAll(async () => {
    h = await TestHost.create();
    await h.startHelper(['--drift-interval', '3600000']); // no drift check in between
  });
  afterAll(async () => h?.destroy());

  it('a rule deleted behind the helper does not fail the next operation', async () => {
    await h.berthOk(['network', 'create', '--subnet', '10.91.0.0/24', 'stale']);
    const masq = (await h.shOk(['iptables', '-t', 'nat', '-S', 'POSTROUTING'])).split('\n').find((l) => l.includes('10.91.0.0/24'));
    expect(masq).toBeDefined();
    await h.shOk(['iptables', '-t', 'nat', ...masq!.replace(/^-A /, '-D ').match(/"[^"]*"|\S+/g)!.map((a) => a.replace(/^"(.*)"$/, '$1'))]);
    await h.berthOk(['network', 'rm', 'stale']);
    // a removal's deletions commit after its reply (docs/decisions.md): wait for them
    await waitFor(async () => !(await h.shOk(['iptables-save'])).includes('10.91.0.0/24'), 60_000, 'the rules of 10.91.0.0/24 deleted');
    // and the memory is right again: a create and rm go through and leave nothing
    await h.berthOk(['network', 'create', '--subnet', '10.92.0.0/24', 'fresh']);
    expect(await h.shOk(['iptables', '-t', 'nat', '-S', 'POSTROUTING'])).toContain('10.92.0.0/24');
    await h.berthOk(['network', 'rm', 'fresh']);
    // a removal's deletions commit after its reply (docs/decisions.md): wait for them
    await waitFor(async () => !(await h.shOk(['iptables-save'])).includes('10.92.0.0/24'), 60_000, 'the rules of 10.92.0.0/24 deleted');
  });
});
