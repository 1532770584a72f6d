import { readFile } from 'node:fs/promises';
import { execa } from 'execa';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestHost } from './harness';

// Every bad request gets a clear one-line error, a non-zero exit, and
// changes nothing: no link, rule, address, namespace or store entry.
describe('bad input changes nothing', () => {
  let h: TestHost;
  let before: Awaited<ReturnType<TestHost['snapshot']>>;
  let store: string;
  beforeAll(async () => {
    h = await TestHost.create();
    await h.startHelper();
    await h.berthOk(['network', 'create', '--subnet', '10.80.0.0/24', 'taken']);
    await h.berthOk(['run', '-d', '--name', 'busy', '--network', 'taken', '--ip', '10.80.0.9', 'sleep', '300']);
    await h.berthOk(['run', '-d', '--name', 'shared', '--network', 'host', 'sleep', '300']);
    before = await h.snapshot();
    store = await readFile(`${h.dataRoot}/state.json`, 'utf8');
  });
  afterAll(async () => h?.destroy());

  const cases: [string, string[], RegExp][] = [
    ['invalid network name', ['network', 'create', 'bad name!'], /invalid name/],
    ['bad CIDR', ['network', 'create', '--subnet', '10.1.2.300/24', 'n1'], /CIDR/],
    ['overlapping subnet', ['network', 'create', '--subnet', '10.80.0.128/25', 'n2'], /overlaps/],
    ['gateway outside the subnet', ['network', 'create', '--subnet', '10.90.0.0/24', '--gateway', '10.91.0.1', 'n3'], /gateway/i],
    ['ip-range outside the subnet', ['network', 'create', '--subnet', '10.90.0.0/24', '--ip-range', '10.92.0.0/28', 'n4'], /range/i],
    ['aux address outside the subnet', ['network', 'create', '--subnet', '10.90.0.0/24', '--aux-address', 'a=10.93.0.1', 'n5'], /master pool/],
    ['duplicate network name', ['network', 'create', 'taken'], /already exists/],
    ['bad MTU', ['network', 'create', '-o', 'com.docker.network.driver.mtu=12', 'n6'], /MTU/],
    ['bad icc value', ['network', 'create', '-o', 'com.docker.network.bridge.enable_icc=maybe', 'n7'], /true or false/],
    ['bridge name taken by a link', ['network', 'create', '-o', 'com.docker.network.bridge.name=lo', 'n8'], /already exists/],
    ['unknown network on run', ['run', '-d', '--network', 'nope', 'sleep', '1'], /network nope not found/],
    ['--ip outside the subnet', ['run', '-d', '--network', 'taken', '--ip', '10.81.0.5', 'sleep', '1'], /subnet|pool|range/i],
    ['--ip already in use', ['run', '-d', '--network', 'taken', '--ip', '10.80.0.9', 'sleep', '1'], /already in use/],
    ['--ip on the default bridge', ['run', '-d', '--ip', '172.17.0.99', 'sleep', '1'], /user configured subnets/],
    ['duplicate container name', ['run', '-d', '--name', 'busy', 'sleep', '1'], /already in use/],
    ['command that does not exist', ['run', '-d', '--network', 'taken', 'no-such-cmd-xyz'], /not found|No such file/],
    ['unknown container', ['stop', 'ghost'], /No such container: ghost/],
    ['remove a network with containers', ['network', 'rm', 'taken'], /active endpoints \(busy\)/],
    ['remove a predefined network', ['network', 'rm', 'bridge'], /pre-defined/],
    ['connect a host-mode container', ['network', 'connect', 'taken', 'shared'], /cannot be connected/],
    ['connect to the host network', ['network', 'connect', 'host', 'busy'], /host network/],
    ['connect twice', ['network', 'connect', 'taken', 'busy'], /already exists in network/],
    ['connect an unknown netns', ['network', 'connect', 'taken', '--netns', 'ghost'], /no network namespace named ghost/],
    ['connect an unknown pid', ['network', 'connect', 'taken', '--pid', '999999'], /no process with PID/],
    ["connect the host's namespace (PID 1)", ['network', 'connect', 'taken', '--pid', '1'], /host's network namespace|network namespace of process 1: permission denied/],
    ['container: mode with a stopped donor', ['run', '-d', '--network', 'container:ghost', 'sleep', '1'], /No such container/],
    ['remove a running container without -f', ['rm', 'busy'], /Stop the container/],
  ];

  it.each(cases)('%s', async (_what, args, msg) => {
    const r = await h.berth(args);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(msg);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(await h.snapshot()).toEqual(before);
    expect(await readFile(`${h.dataRoot}/state.json`, 'utf8')).toBe(store);
  });

  it('an oversized request is refused and the helper keeps serving', async () => {
    const token = (await readFile(`${h.socket}.token`, 'utf8')).trim();
    const sock = net.createConnection(h.socket);
    const reply = await new Promise<string>((resolve) => {
      let got = '';
      sock.on('data', (d) => (got += d));
      sock.on('close', () => resolve(got));
      sock.on('error', () => resolve(got));
      const params = { name: 'huge', labels: { x: 'y'.repeat(2_000_000) } };
      sock.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'network.create', params, auth: token }) + '\n');
    });
    expect(reply).toMatch(/larger than 1048576 bytes/);
    expect((await h.berth(['network', 'ls'])).code).toBe(0);
    expect(await h.snapshot()).toEqual(before);
    expect(await readFile(`${h.dataRoot}/state.json`, 'utf8')).toBe(store);
  });

  it('more ports than the helper can hold sockets for: refused at once, naming its limit of open files', async () => {
    // the helper's soft limit lowered from outside (prlimit on its PID), put back after
    const pid = String(h.helperHostPid);
    const was = /^Max open files\s+(\d+)\s+(\d+)/m.exec(await readFile(`/proc/${pid}/limits`, 'utf8'))!;
    await execa('prlimit', ['--pid', pid, `--nofile=1024:${was[2]}`]); // the soft limit only: raising a hard limit back was refused (EPERM)
    try {
      // 1,000 ports at 0.0.0.0 and [::]: 2,000 sockets (it bound them until EMFILE, then undid them)
      for (const args of [['port', 'add', 'busy', '20000-20999:20000-20999'], ['run', '-d', '--network', 'taken', '-p', '21000-21999:21000-21999', 'sleep', '1']]) {
        const r = await h.berth(args);
        expect(r.code, args.join(' ')).not.toBe(0);
        expect(r.stderr.trim()).toMatch(/^Error: .*takes 2000 host sockets, and the helper can open \d+ more \(its limit of open files is 1024\)/);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(await h.snapshot()).toEqual(before);
        expect(await readFile(`${h.dataRoot}/state.json`, 'utf8')).toBe(store);
      }
    } finally {
      await execa('prlimit', ['--pid', pid, `--nofile=${was[1]}:${was[2]}`]);
    }
  });

  it('a client without the token is refused', async () => {
    const { connectHelper } = await import('../../helper/src/client/unix-client');
    const c = await connectHelper(h.socket, { token: 'wrong' });
    await expect(c.call('network.list', {})).rejects.toThrow(/token/);
  });
});
