import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunParams } from '../../../src/shared/container';
import { bridgeNetwork, container, memoryEngine, stateOf } from '../testing/memory-engine';
import { recordingKernel } from '../testing/recording-kernel';
import type { State } from '../store/state';
import { killContainer, removeContainer, restartContainer, runContainer, startContainer, stopContainer } from './containers';
import { restore } from './restore';
import { systemReset } from './reset';
import { berthLinkMac } from '../../../src/shared/link-mark';

// What the engine decides for a container's run, start, stop, kill and
// removal, for restore at start-up and for system reset, without root: the
// kernel is a recording fake (testing/recording-kernel.ts) whose processes
// end when a test says so or a signal would end them, so each test reads the
// namespaces, links, hostname files, processes and signals the engine asked
// for, and what it kept in the store. The integration suite runs the same
// operations on the real kernel.
const run = (p: RunParams) => RunParams.parse(p);
const refused = (op: Promise<unknown>, kind: string, message: string | RegExp) =>
  expect(op).rejects.toMatchObject({ kind, message: typeof message === 'string' ? message : expect.stringMatching(message) });
const red = bridgeNetwork('red', '10.1.0.0/24');
const none = { ...bridgeNetwork('none', '0.0.0.0/0'), driver: 'null' as const, bridge: '', subnet: '', gateway: '', predefined: true };
const host = { ...bridgeNetwork('host', '0.0.0.0/0'), driver: 'host' as const, bridge: '', subnet: '', gateway: '', predefined: true };

let dataRoot = '';
beforeEach(() => {
  dataRoot = mkdtempSync(join(tmpdir(), 'berth-container-decisions-'));
});
afterEach(() => rmSync(dataRoot, { recursive: true, force: true }));

// an engine in memory whose containers' files go to this test's temp dir
function engineWith(state: State, kernel = recordingKernel()) {
  const m = memoryEngine(state, { kernel, dataRoot });
  return m;
}

describe('container run', () => {
  it("makes the sandbox (netns, hostname, a veth on the network with its next address), writes its /etc files, then starts the command in that netns", async () => {
    const { engine, store, kernel } = engineWith(stateOf([red]));
    const c = await runContainer(engine, run({ name: 'web', network: 'red', cmd: ['sleep', 'infinity'] }));
    const short = c.id.slice(0, 12);
    const [ep] = c.endpoints;
    expect(c).toMatchObject({ netns: `berth-${short}`, hostname: short, state: { status: 'running' } });
    expect(ep).toMatchObject({ networkId: red.id, ip: '10.1.0.2', ifname: 'eth0' });
    expect(kernel.calls).toEqual([
      `netns add berth-${short}`,
      `uts ${dataRoot}/uts/${short} hostname ${short}`,
      `ip: link add name ${ep.hostVeth} address ${berthLinkMac(ep.hostVeth)} type veth peer name eth0 address ${ep.mac} netns berth-${short}`,
      expect.stringMatching(new RegExp(`^ip: link set dev ${ep.hostVeth} master ${red.bridge} alias berth:\\S+ up$`)),
      `ip berth-${short}: addr add 10.1.0.2/24 dev eth0`,
      `ip berth-${short}: link set dev eth0 up`,
      `ip berth-${short}: link set dev lo up`,
      `ip berth-${short}: route replace default via 10.1.0.1 dev eth0`,
      `start sleep infinity (uid 1000, netns /run/netns/berth-${short})`,
    ]);
    expect(kernel.procs.get(c.state.pid)).toMatchObject({ alive: true, utsPath: `${dataRoot}/uts/${short}` });
    // the embedded DNS server on the gateway answers a user-defined network's names
    expect(readFileSync(`${dataRoot}/etc/${c.id}/resolv.conf`, 'utf8')).toMatch(/^nameserver 10\.1\.0\.1$/m);
    expect(readFileSync(`${dataRoot}/etc/${c.id}/hosts`, 'utf8')).toContain(`10.1.0.2\t${short}`);
    expect(store.load().containers[c.id]).toEqual(c);
  });

  it('a name in use, an unknown network or a missing command is refused before anything is made', async () => {
    const { engine, store, kernel } = engineWith(stateOf([red], [container('web', [red])]));
    await refused(runContainer(engine, run({ name: 'web', network: 'red', cmd: ['sleep', '1'] })), 'conflict', /The container name "\/web" is already in use/);
    await refused(runContainer(engine, run({ network: 'nope', cmd: ['sleep', '1'] })), 'not_found', 'network nope not found');
    await expect(runContainer(engine, run({ network: 'red', cmd: ['nosuchprogram'] }))).rejects.toMatchObject({
      kind: 'invalid_argument',
      message: 'exec: "nosuchprogram": executable file not found in $PATH',
      details: { exitCode: 127 },
    });
    expect(kernel.calls).toEqual([]);
    expect(store.saves).toBe(0);
  });

  it('an --ip outside the network is refused and the sandbox made for it is undone', async () => {
    const { engine, store, kernel } = engineWith(stateOf([red]));
    await refused(runContainer(engine, run({ network: 'red', cmd: ['sleep', '1'], ip: '10.9.0.5' })), 'invalid_argument', /10\.9\.0\.5/);
    expect(kernel.netns).toEqual([]);
    expect(kernel.uts.size).toBe(0);
    expect(store.saves).toBe(0);
  });

  it('Docker\'s network-mode conflicts are refused with its words', async () => {
    const { engine, kernel } = engineWith(stateOf([red, none, host], [container('db', [red], { running: true })]));
    await refused(runContainer(engine, run({ network: 'none', cmd: ['sleep', '1'], ports: ['80'] })), 'invalid_argument', 'conflicting options: port publishing and the none network mode');
    await refused(runContainer(engine, run({ network: 'host', cmd: ['sleep', '1'], ip: '10.1.0.9' })), 'invalid_argument', 'conflicting options: ip address and the host network mode');
    await refused(runContainer(engine, run({ network: 'container:db', cmd: ['sleep', '1'], hostname: 'x' })), 'invalid_argument', 'conflicting options: hostname and the network mode');
    expect(kernel.calls).toEqual([]);
  });

  it('a command that cannot start undoes the sandbox: netns, hostname file and veth go, the address is free again, nothing is saved', async () => {
    const { engine, store, kernel } = engineWith(stateOf([red]));
    kernel.fail = { line: /^start /, message: 'the shim did not start within 60 s' };
    await refused(runContainer(engine, run({ name: 'web', network: 'red', cmd: ['sleep', '1'] })), 'invalid_argument', 'cannot start sleep: the shim did not start within 60 s');
    expect(kernel.netns).toEqual([]);
    expect(kernel.uts.size).toBe(0);
    expect([...kernel.links.get('')!]).toEqual(['lo']);
    expect(engine.state.containers).toEqual({});
    expect(store.saves).toBe(0);
    kernel.fail = null;
    const c = await runContainer(engine, run({ name: 'web', network: 'red', cmd: ['sleep', '1'] }));
    expect(c.endpoints[0].ip).toBe('10.1.0.2');
  });

  it('--network none gets a namespace with only lo up; --network host none at all and the host\'s hostname', async () => {
    const { engine, kernel } = engineWith(stateOf([none, host]));
    const a = await runContainer(engine, run({ name: 'alone', network: 'none', cmd: ['sleep', '1'] }));
    expect(kernel.calls.filter((l) => l.startsWith('ip'))).toEqual([`ip ${a.netns}: link set dev lo up`]);
    expect(a.endpoints).toEqual([]);
    kernel.calls.length = 0;
    const h = await runContainer(engine, run({ name: 'hosted', network: 'host', cmd: ['sleep', '1'] }));
    expect(h.netns).toBeNull();
    expect(kernel.calls).toEqual(['start sleep 1 (uid 1000)']);
    expect(kernel.procs.get(h.state.pid)?.utsPath).toBeNull();
  });

  it("--network container:NAME runs in the donor's namespace and hostname, and only while the donor runs", async () => {
    const { engine, kernel } = engineWith(stateOf([red]));
    const db = await runContainer(engine, run({ name: 'db', network: 'red', cmd: ['sleep', 'infinity'] }));
    kernel.calls.length = 0;
    const side = await runContainer(engine, run({ name: 'side', network: 'container:db', cmd: ['sleep', 'infinity'] }));
    expect(kernel.calls).toEqual([`start sleep infinity (uid 1000, netns /run/netns/${db.netns})`]);
    expect(kernel.procs.get(side.state.pid)?.utsPath).toBe(`${dataRoot}/uts/${db.id.slice(0, 12)}`);
    await stopContainer(engine, 'side', 0);
    await stopContainer(engine, 'db', 0);
    await refused(startContainer(engine, 'side'), 'conflict', 'cannot join network namespace of a non running container: container db is exited');
  });
});

describe('a container\'s process ends, is stopped, killed or restarted', () => {
  it('when the command exits the sandbox is torn down and the exit code kept', async () => {
    const { engine, kernel, settled } = engineWith(stateOf([red]));
    const c = await runContainer(engine, run({ name: 'web', network: 'red', cmd: ['sleep', '1'] }));
    kernel.calls.length = 0;
    kernel.exit(c.state.pid, 3);
    await settled();
    expect(engine.state.containers[c.id]).toMatchObject({ netns: null, endpoints: [], state: { status: 'exited', exitCode: 3 } });
    expect(kernel.calls).toEqual([`ip: link del ${c.endpoints[0].hostVeth}`, `netns delete ${c.netns}`, `uts delete ${dataRoot}/uts/${c.id.slice(0, 12)}`]);
    expect(kernel.netns).toEqual([]);
  });

  it('--rm: the record and its files go when the command exits; the exit code stays for a waiter', async () => {
    const { engine, kernel, settled } = engineWith(stateOf([red]));
    const c = await runContainer(engine, run({ name: 'once', network: 'red', cmd: ['sleep', '1'], autoRemove: true }));
    expect(existsSync(`${dataRoot}/etc/${c.id}`)).toBe(true);
    kernel.exit(c.state.pid, 0);
    await settled();
    expect(engine.state.containers[c.id]).toBeUndefined();
    expect(engine.lastExit.get(c.id)).toBe(0);
    expect(existsSync(`${dataRoot}/etc/${c.id}`)).toBe(false);
  });

  it('stop sends SIGTERM to the process group (143); -t 0 sends SIGKILL (137); a stopped container is left alone', async () => {
    const { engine, kernel } = engineWith(stateOf([red]));
    const a = await runContainer(engine, run({ name: 'a', network: 'red', cmd: ['sleep', 'infinity'] }));
    const b = await runContainer(engine, run({ name: 'b', network: 'red', cmd: ['sleep', 'infinity'] }));
    kernel.calls.length = 0;
    expect((await stopContainer(engine, 'a', 10)).state).toMatchObject({ status: 'exited', exitCode: 143 });
    expect((await stopContainer(engine, 'b', 0)).state).toMatchObject({ status: 'exited', exitCode: 137 });
    expect(kernel.calls.filter((l) => l.startsWith('kill'))).toEqual([`kill -SIGTERM -${a.state.pid}`, `kill -SIGKILL -${b.state.pid}`]);
    kernel.calls.length = 0;
    await stopContainer(engine, 'a', 10);
    expect(kernel.calls).toEqual([]);
  });

  it('stop: a command that ignores SIGTERM gets SIGKILL once the timeout passes', async () => {
    const { engine, kernel } = engineWith(stateOf([red]));
    const c = await runContainer(engine, run({ name: 'stubborn', network: 'red', cmd: ['sh', '-c', "trap '' TERM; sleep 100"] }));
    kernel.procs.get(c.state.pid)!.ignores.add('SIGTERM');
    expect((await stopContainer(engine, 'stubborn', 1)).state).toMatchObject({ status: 'exited', exitCode: 137 });
    expect(kernel.calls.filter((l) => l.startsWith('kill'))).toEqual([`kill -SIGTERM -${c.state.pid}`, `kill -SIGKILL -${c.state.pid}`]);
  });

  it('kill -s HUP signals the main process only; SIGKILL its group; a stopped container or a bad signal is refused', async () => {
    const { engine, kernel, settled } = engineWith(stateOf([red]));
    const c = await runContainer(engine, run({ name: 'web', network: 'red', cmd: ['sleep', 'infinity'] }));
    await refused(killContainer(engine, 'web', 'NOPE'), 'invalid_argument', 'Invalid signal: NOPE');
    kernel.calls.length = 0;
    kernel.procs.get(c.state.pid)!.ignores.add('SIGHUP');
    await killContainer(engine, 'web', 'hup');
    await killContainer(engine, 'web', '9');
    expect(kernel.calls).toEqual([`kill -SIGHUP ${c.state.pid}`, `kill -SIGKILL -${c.state.pid}`]);
    await settled();
    expect(engine.state.containers[c.id].state).toMatchObject({ status: 'exited', exitCode: 137 });
    await refused(killContainer(engine, 'web', 'KILL'), 'conflict', `cannot kill container: web: container ${c.id} is not running`);
  });

  it('start makes a new sandbox and process; restart stops first; start of a running one changes nothing', async () => {
    const { engine, kernel } = engineWith(stateOf([red]));
    const c = await runContainer(engine, run({ name: 'web', network: 'red', cmd: ['sleep', 'infinity'] }));
    await stopContainer(engine, 'web', 0);
    const again = await startContainer(engine, 'web');
    expect(again.state.pid).not.toBe(c.state.pid);
    expect(again).toMatchObject({ netns: c.netns, state: { status: 'running' }, endpoints: [{ ip: '10.1.0.2' }] });
    kernel.calls.length = 0;
    expect((await startContainer(engine, 'web')).state.pid).toBe(again.state.pid);
    expect(kernel.calls).toEqual([]);
    const third = await restartContainer(engine, 'web', 10);
    expect(kernel.procs.get(again.state.pid)?.alive).toBe(false);
    expect(kernel.procs.get(third.state.pid)?.alive).toBe(true);
  });
});

describe('container rm', () => {
  it('a running container needs -f; -f kills its group, removes sandbox, record and files', async () => {
    const { engine, store, kernel } = engineWith(stateOf([red]));
    const c = await runContainer(engine, run({ name: 'web', network: 'red', cmd: ['sleep', 'infinity'] }));
    kernel.calls.length = 0;
    await refused(removeContainer(engine, 'web', false), 'conflict', `You cannot remove a running container ${c.id}. Stop the container before attempting removal or force remove`);
    expect(kernel.calls).toEqual([]);
    expect(await removeContainer(engine, 'web', true)).toBe('web');
    expect(kernel.calls[0]).toBe(`kill -SIGKILL -${c.state.pid}`);
    expect(kernel.calls).toContain(`netns delete ${c.netns}`);
    expect(store.load().containers).toEqual({});
    expect(existsSync(`${dataRoot}/etc/${c.id}`)).toBe(false);
    expect([...kernel.links.get('')!]).toEqual(['lo']);
  });

  it('a container whose namespace running containers share is not removed', async () => {
    const { engine } = engineWith(stateOf([red]));
    await runContainer(engine, run({ name: 'db', network: 'red', cmd: ['sleep', 'infinity'] }));
    await runContainer(engine, run({ name: 'side', network: 'container:db', cmd: ['sleep', 'infinity'] }));
    await refused(removeContainer(engine, 'db', true), 'conflict', 'container db shares its network with running containers: side');
  });
});

describe('restore at start-up', () => {
  it("adopts a live container, exits one whose process died while the helper was away, and removes Berth's namespaces and hostname files nobody owns", async () => {
    const kernel = recordingKernel();
    const { engine, settled } = engineWith(stateOf([red]), kernel);
    const live = await runContainer(engine, run({ name: 'live', network: 'red', cmd: ['sleep', 'infinity'] }));
    const dead = await runContainer(engine, run({ name: 'dead', network: 'red', cmd: ['sleep', 'infinity'] }));
    // the helper stops; meanwhile `dead`'s process ends without a record and someone leaves a stray namespace
    const saved = structuredClone(engine.state);
    const deadProc = kernel.procs.get(dead.state.pid)!;
    deadProc.alive = false;
    kernel.netns.push('berth-0123456789ab');
    await kernel.createUts(`${dataRoot}/uts/0123456789ab`, 'stray');
    kernel.calls.length = 0;

    const { engine: next } = engineWith(saved, kernel);
    try {
      await restore(next);
      await settled();
      expect(next.state.containers[live.id].state.status).toBe('running');
      expect(next.state.containers[dead.id]).toMatchObject({
        netns: null,
        state: { status: 'exited', exitCode: 255, error: 'the process ended while the helper was not running; exit status unknown' },
      });
      expect(kernel.netns).toEqual([live.netns]);
      expect([...kernel.uts.keys()]).toEqual([`${dataRoot}/uts/${live.id.slice(0, 12)}`]);
      expect(kernel.calls).toContain('netns delete berth-0123456789ab');
    } finally {
      next.stopWatching();
      engine.stopWatching();
    }
  });

  it("deletes only names Berth makes; a name that could be an option to ip is never handed to it, and a namespace file it may not delete is a warning, not a failed start", async () => {
    const kernel = recordingKernel();
    kernel.netns.push('-all', 'berth--all', 'berth-0123456789ab', 'berth-x y', 'berth-bbbbbbbbbbbb', 'other');
    const deleteNetns = kernel.deleteNetns.bind(kernel);
    kernel.deleteNetns = (name: string) =>
      name === 'berth-bbbbbbbbbbbb' ? Promise.reject(new Error('refusing to delete network namespace berth-bbbbbbbbbbbb: /run/netns/berth-bbbbbbbbbbbb is not a namespace file of root\'s')) : deleteNetns(name);
    const { engine } = engineWith(stateOf([red]), kernel);
    try {
      await restore(engine);
      expect(kernel.calls.filter((c) => c.startsWith('netns delete'))).toEqual(['netns delete berth-0123456789ab']);
      expect(kernel.netns).toEqual(['-all', 'berth--all', 'berth-x y', 'berth-bbbbbbbbbbbb', 'other']);
      expect(engine.warnings).toContain(
        "stray network namespace berth-bbbbbbbbbbbb left in place: refusing to delete network namespace berth-bbbbbbbbbbbb: /run/netns/berth-bbbbbbbbbbbb is not a namespace file of root's",
      );
    } finally {
      engine.stopWatching();
    }
  });

  it("a live container's host veth someone deleted is joined again with its address", async () => {
    const kernel = recordingKernel();
    const { engine } = engineWith(stateOf([red]), kernel);
    const c = await runContainer(engine, run({ name: 'web', network: 'red', cmd: ['sleep', 'infinity'] }));
    await kernel.deleteLinks([c.endpoints[0].hostVeth]);
    kernel.calls.length = 0;
    const { engine: next } = engineWith(structuredClone(engine.state), kernel);
    try {
      await restore(next);
      expect(kernel.calls).toContain(`ip berth-${c.id.slice(0, 12)}: addr add 10.1.0.2/24 dev eth0`);
      expect(kernel.links.get('')!.has(c.endpoints[0].hostVeth)).toBe(true);
      expect(next.state.containers[c.id].state.status).toBe('running');
    } finally {
      next.stopWatching();
    }
  });
});

describe('system reset', () => {
  it('is refused while containers or networks remain, naming them and how to remove them', async () => {
    const { engine, kernel } = engineWith(stateOf([red], [container('web', [red])]));
    await refused(systemReset(engine), 'conflict', 'berth system reset needs an empty Berth: remove containers web (berth rm -f); networks red (berth network rm) first');
    expect(kernel.calls).toEqual([]);
  });

  it("on an empty Berth deletes the predefined bridge and puts back no sysctl it did not change", async () => {
    const berth0 = bridgeNetwork('bridge', '172.17.0.0/16', { predefined: true, bridge: 'berth0' });
    const { engine, kernel } = engineWith(stateOf([berth0]));
    const r = await systemReset(engine);
    expect(r.removed).toEqual(['bridge berth0 (network bridge)']);
    expect(r.restored).toEqual([]);
    expect(kernel.calls).toEqual(['ip: link del berth0']);
  });
});
