import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostPerTest, hostPortLines, waitFor, type TestHost } from './harness';

// A firewall write that only deletes answers before its commit, which runs
// in the background ahead of every later write and reading
// (firewall/write-queue.ts, docs/decisions.md "Firewall deletions committed
// in the background").

const save = (h: TestHost) => h.shOk(['iptables-save']);
const ruleLines = (text: string) => text.split('\n').filter((l) => l.startsWith('-A '));
const tagOf = (id: string) => `berth:${id.slice(0, 12)}`;
const endpointOf = async (h: TestHost, name: string, net: string) => (await h.inspect(name)).NetworkSettings.Networks[net] as { EndpointID: string; IPAddress: string };

describe('deletions committed in the background', () => {
  const host = hostPerTest((h) => h.startHelper());

  it('after rm -f, detach and network rm answer, readings show none of their rules, and adds right after end in the right ruleset', async () => {
    const h = host();
    const baseline = await h.snapshot();
    await h.berthOk(['network', 'create', '--subnet', '10.96.0.0/24', 'fa']);
    await h.berthOk(['run', '-d', '--name', 'one', '--network', 'fa', '-p', '9301:80', '-p', '9302:81', 'sleep', '600']);
    const one = await endpointOf(h, 'one', 'fa');
    expect(ruleLines(await save(h)).filter((l) => l.includes(tagOf(one.EndpointID)))).not.toHaveLength(0);

    // removed, then at once a container with the same address and the same host port
    await h.berthOk(['rm', '-f', 'one']);
    await h.berthOk(['run', '-d', '--name', 'two', '--network', 'fa', '-p', '9301:90', 'sleep', '600']);
    const two = await endpointOf(h, 'two', 'fa');
    expect(two.IPAddress).toBe(one.IPAddress); // the address came back at once (lowest free)
    // a reading waits for the pending deletion: nothing of `one` is shown
    const nat = await h.berthOk(['nat', 'ls']);
    expect(hostPortLines(nat, 9302)).toEqual([]);
    expect(hostPortLines(nat, 9301)).not.toEqual([]);
    const rules = ruleLines(await save(h));
    expect(rules.filter((l) => l.includes(tagOf(one.EndpointID)))).toEqual([]);
    expect(rules.filter((l) => l.includes('--dport 9301') && l.includes('DNAT'))).toEqual([expect.stringContaining(`--to-destination ${two.IPAddress}:90`)]);
    expect((await h.berthOk(['cleanup'])).trim()).toBe('Nothing stale found.');

    // a foreign namespace attached and detached: its rules go after the answer
    await h.shOk(['ip', 'netns', 'add', 'fdet']);
    await h.berthOk(['network', 'connect', 'fa', '--netns', 'fdet']);
    const ep = (await h.shOk(['ip', '-n', 'fdet', '-4', '-br', 'addr', 'show', 'dev', 'eth0'])).split(/\s+/)[2].split('/')[0];
    expect(ruleLines(await save(h)).some((l) => l.includes(`-d ${ep}/32`))).toBe(true);
    await h.berthOk(['network', 'disconnect', 'fa', '--netns', 'fdet']);
    await waitFor(async () => !ruleLines(await save(h)).some((l) => l.includes(`-d ${ep}/32`)), 60_000, `the raw rule of ${ep} to be deleted`);
    await h.shOk(['ip', 'netns', 'delete', 'fdet']);

    // the network goes: none of its rules once the pending write settles, and a reading never shows them
    // `network inspect`: a bare `inspect fa` is a container first, and 'fa' is a prefix of
    // one in 256 container ids (two's), which gave a bridge name no rule has (a vacuous wait)
    const bridge = `br-${JSON.parse(await h.berthOk(['network', 'inspect', 'fa']))[0].Id.slice(0, 12)}`;
    expect(await save(h)).toContain(bridge); // so the wait below for its rules to go is not vacuous
    await h.berthOk(['rm', '-f', 'two']);
    await h.berthOk(['network', 'rm', 'fa']);
    expect((await h.berthOk(['cleanup'])).trim()).toBe('Nothing stale found.');
    await waitFor(async () => !(await save(h)).includes(bridge), 60_000, `every rule of ${bridge} to be deleted`);
    expect(await save(h)).not.toContain('10.96.0.0/24');
    // a network made right after one went: its rules are all there
    const id = (await h.berthOk(['network', 'create', '--subnet', '10.96.0.0/24', 'fb'])).trim();
    expect(await save(h)).toContain(`-s 10.96.0.0/24 ! -o br-${id.slice(0, 12)}`);
    await h.clearBerth();
    expect(await h.snapshot()).toEqual(baseline);
  });
});

// The helper is killed after a removal answered and before its deletion
// committed (its spawner, which starts iptables-restore, is held with
// SIGSTOP): the next start renders Berth's chains from the store, so the
// removed network's rules go.
describe('crash between a removal\'s answer and its firewall commit', () => {
  // no drift check while the spawner is held: it would wait for it in the engine's queue
  const host = hostPerTest((h) => h.startHelper(['--drift-interval', '600000']));

  it('the rules of a removed network are gone after the next start', async () => {
    const h = host();
    const baseline = await h.snapshot();
    const id = (await h.berthOk(['network', 'create', '--subnet', '10.97.0.0/24', 'doomed'])).trim();
    const bridge = `br-${id.slice(0, 12)}`;
    expect(await save(h)).toContain(bridge);
    const spawner = await spawnerOf(h.helperHostPid);
    const helper = h.helperHostPid;
    process.kill(spawner, 'SIGSTOP');
    let stopped: Promise<void> | null = null;
    try {
      await h.berthOk(['network', 'rm', 'doomed']);
      // answered with the rules still in the kernel: their deletion waits for the stopped spawner
      expect(await save(h)).toContain(bridge);
      // the helper dies first (a spawner gone before it would fail the restore, which the helper runs again)
      stopped = h.stopHelper('SIGKILL');
      await waitFor(async () => gone(helper), 60_000, 'the killed helper to end');
    } finally {
      process.kill(spawner, 'SIGKILL'); // the restore it was asked for never runs
    }
    await stopped; // (the spawner shared its stderr)
    expect(await save(h)).toContain(bridge);
    await h.startHelper();
    expect(await save(h)).not.toContain(bridge);
    expect(await save(h)).not.toContain('10.97.0.0/24');
    expect((await h.berthOk(['cleanup'])).trim()).toBe('Nothing stale found.');
    await h.clearBerth();
    expect(await h.snapshot()).toEqual(baseline);
  });
});

// Deletions one after another: the second answers without waiting for the
// first one's commit (both are planned against what the queue leaves), and
// both sets of rules are gone once the commits run. Every restore is held
// by stopping the spawner that starts it.
describe('a deletion behind a held deletion', () => {
  const host = hostPerTest((h) => h.startHelper(['--drift-interval', '600000']));

  it('a detach and its network\'s removal both answer while the detach\'s commit is held, and their rules go once it runs', async () => {
    const h = host();
    const baseline = await h.snapshot();
    const id = (await h.berthOk(['network', 'create', '--subnet', '10.98.0.0/24', 'queued'])).trim();
    const bridge = `br-${id.slice(0, 12)}`;
    await h.shOk(['ip', 'netns', 'add', 'fq']);
    await h.berthOk(['network', 'connect', 'queued', '--netns', 'fq']);
    // another endpoint stays: the last one's going would queue the raw table's drop, which waits for the held commit
    await h.berthOk(['network', 'create', '--subnet', '10.98.1.0/24', 'stays']);
    await h.shOk(['ip', 'netns', 'add', 'fq2']);
    await h.berthOk(['network', 'connect', 'stays', '--netns', 'fq2']);
    const ep = (await h.shOk(['ip', '-n', 'fq', '-4', '-br', 'addr', 'show', 'dev', 'eth0'])).split(/\s+/)[2].split('/')[0];
    expect(ruleLines(await save(h)).some((l) => l.includes(`-d ${ep}/32`))).toBe(true);
    const spawner = await spawnerOf(h.helperHostPid);
    process.kill(spawner, 'SIGSTOP');
    try {
      await h.berthOk(['network', 'disconnect', 'queued', '--netns', 'fq']);
      await h.berthOk(['network', 'rm', 'queued']);
      // both answered with every rule still in the kernel
      const held = await save(h);
      expect(held).toContain(bridge);
      expect(held).toContain(`-d ${ep}/32`);
    } finally {
      process.kill(spawner, 'SIGCONT');
    }
    await waitFor(async () => !(await save(h)).includes(bridge) && !(await save(h)).includes(`-d ${ep}/32`), 60_000, `the rules of ${bridge} and ${ep} to be deleted`);
    expect(await save(h)).not.toContain('10.98.0.0/24');
    await h.shOk(['ip', 'netns', 'delete', 'fq']); // (an empty namespace of nobody's is a cleanup finding)
    expect((await h.berthOk(['cleanup'])).trim()).toBe('Nothing stale found.');
    await h.berthOk(['network', 'disconnect', 'stays', '--netns', 'fq2']);
    await h.shOk(['ip', 'netns', 'delete', 'fq2']);
    await h.clearBerth();
    expect(await h.snapshot()).toEqual(baseline);
  });
});

// The conntrack flush of a mapping that went runs after the commit that
// deleted its rules (engine/port-conntrack.ts): a packet sent while the
// commit is held makes an entry with the old DNAT, and once the engine
// settled no entry to the old address remains. The commit is held by a gate
// in front of iptables-restore (wrapRestore); nothing else the helper runs
// is held.
describe('conntrack flushed after the deletion committed', () => {
  const host = hostPerTest(async (h) => {
    await wrapRestore(h);
    await h.startHelper(['--drift-interval', '600000']);
  });

  it('port rm and rm -f: traffic sent before the commit leaves no entry to the old container', async () => {
    const h = host();
    const baseline = await h.snapshot();
    await h.berthOk(['network', 'create', '--subnet', '10.98.0.0/24', 'ct']);
    await h.berthOk(['run', '-d', '--name', 'ct1', '--network', 'ct', '-p', '9411:80/udp', '-p', '9412:81/udp', 'sleep', '600']);
    const ip = (await endpointOf(h, 'ct1', 'ct')).IPAddress;
    const entries = async (port: number) => (await h.shOk(['conntrack', '-L', '-p', 'udp', '--orig-port-dst', String(port), '--reply-src', ip])).trim();
    // sent from the test host to the gateway address: nat OUTPUT DNATs it to the container while the rule is there
    const send = (port: number) => h.shOk(['python3', '-c', UDP_ONCE, '10.98.0.1', String(port)]);

    const held = async (op: string[], port: number) => {
      await writeFile(gateOf(h), '');
      try {
        await h.berthOk(op); // answered; the rules' deletion waits at the gate
        await send(port);
        expect(await entries(port)).not.toBe(''); // the old translation, made before the commit
      } finally {
        await rm(gateOf(h));
      }
      await h.berthOk(['nat', 'ls']); // a reading: waits for the engine to settle
      expect(await entries(port)).toBe('');
      expect(ruleLines(await save(h)).filter((l) => l.includes(`--dport ${port}`))).toEqual([]);
    };
    await held(['port', 'rm', 'ct1', '81/udp'], 9412);
    await held(['rm', '-f', 'ct1'], 9411);
    await h.clearBerth();
    expect(await h.snapshot()).toEqual(baseline);
  });
});

// A background deletion whose restore fails, and fails again when planned
// from a fresh read, leaves its owners owed (iptables-backend.ts): the next
// apply and the drift check take their rules away. iptables-restore fails
// (exit 1, as for a refused line) while the test's fail file exists.
describe('a failed background deletion is owed', () => {
  const host = hostPerTest(async (h) => {
    await wrapRestore(h);
    await h.startHelper(['--drift-interval', '600000']); // the drift check runs when asked (doctor)
  });

  it('the next apply, and the drift check, delete the rules a failed deletion left', async () => {
    const h = host();
    const baseline = await h.snapshot();
    await h.berthOk(['network', 'create', '--subnet', '10.99.0.0/24', 'ow']);
    // raw PREROUTING is a built-in chain: only the owner's tag says the rule is Berth's to delete
    const rawOf = async (id: string) => (await h.shOk(['iptables-save', '-t', 'raw'])).split('\n').filter((l) => l.includes(tagOf(id)));
    const failRm = (name: string) => failedRemoval(h, rawOf, ['--name', name, '--network', 'ow']);

    // the next apply (a network create: it only adds) takes them away
    const a = await failRm('ow1');
    await h.berthOk(['network', 'create', '--subnet', '10.99.1.0/24', 'ow2']);
    expect(await rawOf(a)).toEqual([]);

    // the drift check finds them extra and heals
    const b = await failRm('ow3');
    const doctor = await h.berthOk(['doctor']);
    expect(doctor).toContain(tagOf(b));
    expect(await rawOf(b)).toEqual([]);
    expect((await h.berthOk(['cleanup'])).trim()).toBe('Nothing stale found.');
    await h.clearBerth();
    expect(await h.snapshot()).toEqual(baseline);
  });
});

// The same on the nftables backend (nftables-backend.ts): Berth owns the
// whole table, so a failed script needs no bookkeeping; the next apply and
// the drift check find the rules it left extra. `nft -f` fails (exit 1, as
// for a refused script) while the test's fail file exists; listings run.
describe('a failed background deletion is redone (nftables)', () => {
  const host = hostPerTest(async (h) => {
    await wrapNft(h);
    await h.startHelper(['--firewall', 'nftables', '--drift-interval', '600000']); // the drift check runs when asked (doctor)
  });

  it('the next apply, and the drift check, delete the rules a failed deletion left', async () => {
    const h = host();
    const baseline = await h.snapshot();
    await h.berthOk(['network', 'create', '--subnet', '10.99.4.0/24', 'nw']);
    const rulesOf = async (id: string) => (await h.shOk(['nft', 'list', 'table', 'ip', 'berth'])).split('\n').filter((l) => l.includes(`"${tagOf(id)}"`));
    const failRm = (name: string, port: number) => failedRemoval(h, rulesOf, ['--name', name, '--network', 'nw', '-p', `${port}:80`]);

    // the next apply (a network create: it only adds) takes them away
    const a = await failRm('nw1', 9501);
    await h.berthOk(['network', 'create', '--subnet', '10.99.5.0/24', 'nw2']);
    expect(await rulesOf(a)).toEqual([]);
    expect(hostPortLines(await h.berthOk(['nat', 'ls']), 9501)).toEqual([]);

    // the drift check finds them extra and heals
    const b = await failRm('nw3', 9503);
    expect(hostPortLines(await h.berthOk(['nat', 'ls']), 9503)).not.toEqual([]); // left: the listing shows it
    const doctor = await h.berthOk(['doctor']);
    expect(doctor).toContain(tagOf(b));
    expect(await rulesOf(b)).toEqual([]);
    expect((await h.berthOk(['cleanup'])).trim()).toBe('Nothing stale found.');
    await h.clearBerth();
    expect(await h.snapshot()).toEqual(baseline);
  });
});

const gateOf = (h: TestHost) => join(h.dir, 'gate');
const failOf = (h: TestHost) => join(h.dir, 'fail');

// Runs a container (`run -d` with these options, sleeping), then removes it
// while the firewall's writes fail (the fail file of wrapRestore/wrapNft):
// `rm -f` answers, its background deletion fails twice and the container's
// rules (as rulesOf reads them by endpoint id) stay behind. Returns the id.
async function failedRemoval(h: TestHost, rulesOf: (endpointId: string) => Promise<string[]>, runArgs: string[]): Promise<string> {
  const name = runArgs[runArgs.indexOf('--name') + 1];
  const net = runArgs[runArgs.indexOf('--network') + 1];
  const failures = () => h.helperLog.split('a deletion committed in the background failed').length - 1;
  await h.berthOk(['run', '-d', ...runArgs, 'sleep', '600']);
  const ep = await endpointOf(h, name, net);
  expect(await rulesOf(ep.EndpointID)).not.toEqual([]);
  const before = failures();
  await writeFile(failOf(h), '');
  try {
    await h.berthOk(['rm', '-f', name]); // answered; its deletion fails in the background, twice
    await waitFor(async () => failures() > before, 60_000, `the background deletion of ${name}'s rules to fail`);
  } finally {
    await rm(failOf(h));
  }
  expect(await rulesOf(ep.EndpointID)).not.toEqual([]); // left behind
  return ep.EndpointID;
}

// In the test host's own mount namespace /etc/alternatives (where
// /usr/sbin/iptables-restore points) becomes a copy whose iptables-restore
// waits while the gate file exists and fails while the fail file exists,
// then runs the real one. The helper must start after this.
async function wrapRestore(h: TestHost): Promise<void> {
  const alt = join(h.dir, 'alt');
  await h.shOk(['cp', '-a', '/etc/alternatives/.', `${alt}/`]);
  await rm(join(alt, 'iptables-restore'));
  const script = [
    '#!/bin/sh',
    `while [ -e ${gateOf(h)} ]; do sleep 0.02; done`,
    `if [ -e ${failOf(h)} ]; then echo 'iptables-restore: line 2 failed (test)' >&2; exit 1; fi`,
    'exec /usr/sbin/iptables-nft-restore "$@"',
    '',
  ];
  await writeFile(join(alt, 'iptables-restore'), script.join('\n'), { mode: 0o755 });
  await h.shOk(['mount', '--bind', alt, '/etc/alternatives']);
}
// In the test host's own mount namespace /usr/sbin/nft becomes a wrapper
// whose `nft -f` fails while the fail file exists, then runs the real nft
// (a copy beside it). The helper must start after this.
async function wrapNft(h: TestHost): Promise<void> {
  const real = join(h.dir, 'nft-real');
  const wrapper = join(h.dir, 'nft-wrap');
  await h.shOk(['cp', '/usr/sbin/nft', real]);
  const script = [
    '#!/bin/sh',
    `if [ "$1" = "-f" ] && [ -e ${failOf(h)} ]; then echo 'Error: Could not process rule (test)' >&2; exit 1; fi`,
    `exec ${real} "$@"`,
    '',
  ];
  await writeFile(wrapper, script.join('\n'), { mode: 0o755 });
  await h.shOk(['mount', '--bind', wrapper, '/usr/sbin/nft']);
}
const UDP_ONCE = 'import socket,sys; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b"x", (sys.argv[1], int(sys.argv[2])))';

// Dead: no process, or a zombie.
async function gone(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  return stat === null || stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

// The helper's spawner (kernel/spawner.ts), by the runner's PID.
async function spawnerOf(helperPid: number): Promise<number> {
  const kids = (await readFile(`/proc/${helperPid}/task/${helperPid}/children`, 'utf8')).trim().split(' ').filter(Boolean);
  for (const k of kids) if ((await readFile(`/proc/${k}/cmdline`, 'utf8').catch(() => '')).includes('spawner')) return Number(k);
  throw new Error(`no spawner child of ${helperPid}`);
}
