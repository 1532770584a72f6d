import { spawn } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { requestLine as req } from '../../helper/src/testing/raw-rpc-client';
import { BERTH } from './harness';
import { helperRig } from './helper-rig';

// The real helper on a host with 10,000 rules, against clients that break
// the framing, stop reading big answers, or lose the helper mid-stream:
// each gets an error or loses its own connection; the helper stays up and
// serves everyone else (docs/architecture.md "What a client can hold").
const RULES = 10_000;
const planted = () =>
  ['*filter', ':HOSTILE - [0:0]',
    ...Array.from({ length: RULES }, (_, i) => `-A HOSTILE -s 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${(i & 255) || 1}/32 -p tcp -m tcp --dport ${1024 + (i % 60000)} -m comment --comment "hostile rule ${i}" -j ACCEPT`),
    'COMMIT', ''].join('\n');

describe('the real helper against broken and hostile clients', () => {
  const rig = helperRig(async (h) => {
    const r = await h.sh(['iptables-restore'], { input: planted(), timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`iptables-restore: ${r.stderr}`);
  });
  const { authed, served } = rig;

  it('bad framing: invalid UTF-8, deep nesting, a line without end, half-close, 2,000 pipelined requests', async () => {
    const c = await authed();
    c.sock.write(Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":1,"method":"network.inspect","params":{"name":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}\n')]));
    expect((await c.frame(1)).error.code).toBe(-32700);
    const depth = 300_000;
    c.write(`{"jsonrpc":"2.0","id":2,"method":"network.list","params":{"x":${'['.repeat(depth)}${']'.repeat(depth)}}}\n`);
    expect((await c.frame(2)).id).toBe(2);
    c.write(Array.from({ length: 2000 }, (_, i) => req(10 + i, 'network.list')).join(''));
    await c.until(() => c.frames.length === 3 + 2000, 'every pipelined answer', 120_000);
    expect(c.frames.slice(3).every((f) => Array.isArray(f.result))).toBe(true);
    c.write(req(3, 'system.info') + '{"half":');
    c.sock.end();
    await c.closed(60_000);
    expect(c.frames.at(-1).id).toBe(3);

    const long = await authed();
    for (let i = 0; i < 40 && long.isOpen(); i++) long.write('y'.repeat(64 * 1024));
    await long.closed(60_000);
    expect(long.frames[1].error.message).toMatch(/larger than/);
    await served();
  }, 300_000);

  it('clients that stop reading a 10,000-rule answer, and one that leaves mid-answer: the others are served', async () => {
    const leaver = await authed();
    leaver.write(req(1, 'host.inspect'));
    await leaver.until(() => leaver.sock.bytesRead > 64 * 1024, 'the answer to start', 240_000);
    leaver.sock.destroy();
    const stalled = [];
    for (let i = 0; i < 3; i++) {
      const c = await authed();
      c.sock.pause();
      c.write(req(1, 'host.inspect'));
      stalled.push(c);
    }
    await served();
    const d = await authed();
    d.write(req(1, 'host.inspect'));
    await d.until(() => d.frames.length === 2, 'a whole answer for a client that reads', 240_000);
    expect(d.frames[1].result.rules.length).toBeGreaterThanOrEqual(RULES);
    for (const c of stalled) c.sock.destroy();
    d.sock.destroy();
  }, 300_000);

  // it kills the helper, and starts it again for the tests that come after it when shuffled
  it('the helper killed while `berth nat ls` streams: the CLI exits non-zero with one error line, no stack', async () => {
    onTestFinished(() => rig.restart(), 300_000);
    const cli = spawn(process.execPath, [BERTH, 'nat', 'ls', '--format', 'json'], { env: { ...process.env, BERTH_SOCKET: rig.h.socket }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    cli.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((r) => cli.on('exit', (code) => r(code)));
    // the first output, then stdout is not read: the CLI stops reading the socket, the helper waits
    await new Promise<void>((resolve) => cli.stdout.once('data', (d: Buffer) => (out.push(d), cli.stdout.pause(), resolve())));
    await rig.h.stopHelper('SIGKILL');
    cli.stdout.on('data', (d: Buffer) => out.push(d));
    cli.stdout.resume();
    const code = await exited;
    const stdout = Buffer.concat(out).toString();
    expect(code).not.toBe(0);
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(err).toMatch(/^Error: .*helper/);
    expect(err).not.toMatch(/\n\s+at /);
    // what was printed is a part, and the exit status and the error say so
    expect(stdout.length).toBeGreaterThan(0);
    expect(stdout.split('\n').filter((l) => l.includes('hostile rule')).length).toBeLessThan(RULES);
  }, 300_000);
});
