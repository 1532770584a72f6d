import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bridgeNetwork, container, stateOf } from '../testing/memory-engine';
import { startMemoryHelper } from '../testing/memory-helper';
import { runCli } from './dispatch';

// The CLI end to end without root: argv parsed, the real RPC server and
// handlers answering from an engine in memory, Docker's output and exit
// codes. What needs the kernel (run, network create) is the integration suite's.
const red = bridgeNetwork('red', '10.1.0.0/24');
const web = container('web', [red], { running: true });
const old = container('old', [red]);

async function berth(h: { socketPath: string }, ...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['--socket', h.socketPath, ...argv], { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('berth over a helper in memory', () => {
  let h: Awaited<ReturnType<typeof startMemoryHelper>>;
  beforeAll(async () => {
    h = await startMemoryHelper(stateOf([red], [web, old]));
  });
  afterAll(async () => h?.close());

  it('network ls: Docker\'s columns, short ids; -q only the ids', async () => {
    const r = await berth(h, 'network', 'ls');
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[0]).toMatch(/^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE\s+SUBNET$/);
    expect(r.out).toMatch(new RegExp(`^${red.id.slice(0, 12)}\\s+red\\s+bridge\\s+local\\s+10\\.1\\.0\\.0/24$`, 'm'));
    expect((await berth(h, 'network', 'ls', '-q')).out).toBe(red.id.slice(0, 12));
  });

  it('ps lists running containers; ps -aq every id', async () => {
    const ps = await berth(h, 'ps');
    expect(ps.out).toMatch(/\bweb$/m);
    expect(ps.out).not.toMatch(/\bold$/m);
    const all = await berth(h, 'ps', '-aq');
    expect(all.out.split('\n').sort()).toEqual([web.id.slice(0, 12), old.id.slice(0, 12)].sort());
  });

  it("Docker's container group: container ls / list / ps are ps, container port is port, container inspect finds containers only; run's usage errors exit 125 under either name", async () => {
    const ids = [web.id.slice(0, 12), old.id.slice(0, 12)].sort();
    for (const name of ['ls', 'list', 'ps']) expect((await berth(h, 'container', name, '-aq')).out.split('\n').sort(), name).toEqual(ids);
    expect((await berth(h, 'container', 'ls')).out).toBe((await berth(h, 'ps')).out);
    expect(await berth(h, 'container', 'inspect', '-f', '{{.Name}}', 'web')).toMatchObject({ code: 0, out: '/web' });
    // containers only, as Docker's; `inspect` finds the network of that name, `--type` says which
    expect(await berth(h, 'container', 'inspect', 'red')).toMatchObject({ code: 1, out: '[]', err: 'Error: No such container: red' });
    expect(await berth(h, 'inspect', '-f', '{{.Name}}', 'red')).toMatchObject({ code: 0, out: 'red' });
    expect(await berth(h, 'inspect', '--type', 'container', 'red')).toMatchObject({ code: 1, err: 'Error: No such container: red' });
    expect(await berth(h, 'inspect', '--type', 'network', 'web')).toMatchObject({ code: 1, err: 'Error: No such network: web' });
    expect(await berth(h, 'inspect', 'ghost')).toMatchObject({ code: 1, err: 'Error: No such object: ghost' });
    expect(await berth(h, 'container', 'port', 'web')).toEqual(await berth(h, 'port', 'web'));
    expect(await berth(h, 'container', 'port', 'ghost')).toEqual(await berth(h, 'port', 'ghost'));
    // and its verbs: `container port add` is not `container port` given three arguments
    expect(await berth(h, 'container', 'port', 'add', 'ghost', '8080:80')).toEqual(await berth(h, 'port', 'add', 'ghost', '8080:80'));
    expect(await berth(h, 'container', 'port', 'rm', 'web')).toMatchObject({ code: 1, err: `Error: "berth container port rm" requires exactly 2 arguments.\nSee 'berth container port rm --help'.` });
    expect(await berth(h, 'container', 'run')).toMatchObject({ code: 125, err: `Error: "berth container run" requires at least 1 argument.\nSee 'berth container run --help'.` });
    expect((await berth(h, 'run')).code).toBe(125);
    expect(await berth(h, 'container', 'frob')).toMatchObject({ code: 1, err: "Error: 'frob' is not a berth container command.\nSee 'berth container --help'." });
    expect(h.store.saves).toBe(0);
  });

  it('inspect -f renders a Go template over the contract\'s shape', async () => {
    const r = await berth(h, 'network', 'inspect', '-f', '{{.Name}} {{.Driver}} {{.Internal}}', 'red');
    expect(r).toMatchObject({ code: 0, out: 'red bridge false' });
  });

  it('an error from the helper is one "Error:" line on stderr and exit 1; stdout stays empty', async () => {
    const r = await berth(h, 'network', 'rm', 'red');
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^Error: .*has active endpoints \(web\)/);
    const missing = await berth(h, 'network', 'inspect', 'green');
    expect(missing).toMatchObject({ code: 1, err: 'Error: network green not found' });
    expect(h.store.saves).toBe(0);
  });

  it('usage errors name the verb\'s help, and no request is sent', async () => {
    const r = await berth(h, 'network', 'ls', '--no-such-flag');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/^Error: .*no-such-flag[\s\S]*See 'berth network ls --help'\.$/);
    expect(await berth(h, 'nosuch')).toMatchObject({ code: 1, err: "Error: 'nosuch' is not a berth command.\nSee 'berth --help'." });
  });

  it('helper status prints the labelled facts the helper reports', async () => {
    const r = await berth(h, 'helper', 'status');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Socket:          ${h.socketPath}`);
    expect(r.out).toMatch(/^Helper:          running, berth 0\.0\.0-test \(pid \d+\)$/m);
    expect(r.out).toMatch(/^Firewall:        none$/m);
  });
});
