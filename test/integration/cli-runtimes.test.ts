import { execa } from 'execa';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { BERTH, hostPerTest, TestHost } from './harness';

// bin/berth runs a client verb on Bun (dist/berth-cli) where it is built,
// else on Node (dist/berth.cjs), and BERTH_CLIENT_RUNTIME=node asks for Node
// (docs/architecture.md#the-cli-start). Both run the same client code and
// must be one CLI to whoever runs it: the same bytes on stdout and stderr,
// the same status, the same end in a closed or slow pipe, on a signal, with
// a prompt on a terminal and with stdin. Each case runs through both, here
// through a bin/berth beside the build under test.
const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = dirname(BERTH);
const clone = mkdtempSync(join(tmpdir(), 'berth-runtimes-'));
mkdirSync(join(clone, 'bin'));
copyFileSync(join(root, 'bin/berth'), join(clone, 'bin/berth'));
symlinkSync(dist, join(clone, 'dist'));
afterAll(() => rmSync(clone, { recursive: true, force: true }));
const bin = join(clone, 'bin/berth');
const RUNTIMES = { bun: {}, node: { BERTH_CLIENT_RUNTIME: 'node' } } as const;
type Runtime = keyof typeof RUNTIMES;
const hasBun = existsSync(join(dist, 'berth-cli'));

// ids differ between two creations of one object: the rest must not
const ids = (s: string) => s.replace(/\b[0-9a-f]{64}\b/g, '<id>').replace(/\b[0-9a-f]{12}\b/g, '<short-id>');
// a container's age (ps) and the helper's (info) may move on between the two runs, and a table's columns with them
const ages = (r: { stdout: string }) => ({ ...r, stdout: r.stdout.replace(/(Less than a|About an?|\d+) (second|minute|hour)s?( ago)?|\(up [^)]*\)/g, '<age>').replace(/ {2,}/g, ' ') });

describe.skipIf(!hasBun)('the CLI on Bun and on Node', () => {
  let h: TestHost;
  const cache = mkdtempSync(join(tmpdir(), 'berth-runtimes-cache-'));
  afterAll(() => rmSync(cache, { recursive: true, force: true }));
  const env = (rt: Runtime) => ({ BERTH_SOCKET: h.socket, XDG_CACHE_HOME: cache, ...RUNTIMES[rt] });
  const sh = async (rt: Runtime, script: string, o: { input?: string } = {}) => {
    const r = await execa('bash', ['-c', script], { reject: false, env: { ...env(rt), BERTH: bin }, input: o.input ?? '', timeout: 120_000, stripFinalNewline: false });
    return { code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
  };
  const both = async (script: string, o: { input?: string } = {}) => ({ bun: await sh('bun', script, o), node: await sh('node', script, o) });

  hostPerTest(async (host) => {
    h = host;
    await h.startHelper();
    await h.berthOk(['network', 'create', '--subnet', '10.78.0.0/24', '--label', 'team=a', 'rtnet']);
    await h.berthOk(['run', '-d', '--name', 'keeper', '--network', 'rtnet', '-p', '18080:80', '--', 'sleep', 'infinity']);
    await h.berthOk(['run', '-d', '--name', 'talker', '--network', 'rtnet', '--', 'sh', '-c', 'while :; do echo line; sleep 0.2; done']);
    await h.berthOk(['run', '--name', 'said', '--network', 'rtnet', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']).catch(() => {});
    // foreign NAT rules: `nat ls` prints ~300 KB, several pipe buffers
    const rules = ['*nat', ':FOREIGN - [0:0]', '-A PREROUTING -j FOREIGN'];
    for (let i = 0; i < 2000; i++) rules.push(`-A FOREIGN -d 10.${i >> 8}.${i & 255}.1/32 -p tcp -m tcp --dport ${1000 + i} -m comment --comment "svc-${i}" -j DNAT --to-destination 172.16.${i >> 8}.${i & 255}:8080`);
    await h.sh(['iptables-restore', '--noflush'], { input: `${[...rules, 'COMMIT'].join('\n')}\n` });
  });

  // `logs -f talker` in the background once it has printed: the client is running (bounded: 60 s)
  const started = (pre = '') => `${pre} "$BERTH" logs -f talker >"$T/out" 2>&1 & p=$!; i=0; until [ -s "$T/out" ] || [ $i -gt 600 ]; do i=$((i+1)); sleep 0.1; done;`;
  const inTemp = (script: string) => `T=$(mktemp -d); trap 'rm -rf "$T"' EXIT; ${script}`;

  it('bin/berth starts Bun for a client verb, and Node when asked', async () => {
    const exe = async (rt: Runtime) => (await sh(rt, inTemp(`${started()} readlink /proc/$p/exe; kill $p`))).stdout;
    expect(await exe('bun')).toMatch(/\/berth-cli\n$/);
    expect(await exe('node')).toMatch(/\/node\n$/);
  });

  it('prints the same bytes and ends with the same status for every client verb', async () => {
    const reads = [
      'version', '--help', 'help network create', 'ps', 'ps -a', 'ps -a --no-trunc', 'ps -q', "ps -a --format '{{.Names}} {{.Status}}'",
      "ps --filter network=rtnet --format 'table {{.Names}}\\t{{.Ports}}'", 'network ls', 'network ls -q --no-trunc', 'network inspect rtnet',
      'inspect keeper', "inspect -f '{{.State.Running}}' keeper", 'port keeper', 'logs said', 'nat ls', 'info', 'helper status',
      'container ls -a', 'container --help', 'container run', 'help container ls', 'container port keeper', 'container inspect rtnet',
      'frobnicate', 'run --bogus true', 'rm ghost', 'network rm nonesuch', "ps --format '{{.Names'", '--socket /nonexistent/berth.sock ps',
    ];
    for (const args of reads) {
      const r = await both(`"$BERTH" ${args}`);
      expect(ages(r.bun), args).toEqual(ages(r.node));
    }
    // changes: each runtime makes and removes its own objects of the same names
    for (const rt of ['bun', 'node'] as const) expect((await sh(rt, '"$BERTH" network create --subnet 10.79.0.0/24 mk; "$BERTH" network rm mk')).code).toBe(0);
    const changes = await both('"$BERTH" network create --subnet 10.79.0.0/24 mk && "$BERTH" run -d --name mkc --network mk -- sleep infinity && "$BERTH" stop -t 1 mkc && "$BERTH" rm mkc && "$BERTH" network rm mk; echo "status $?"');
    const same = (r: { stdout: string }) => ({ ...r, stdout: ids(r.stdout) });
    expect(same(changes.bun)).toEqual(same(changes.node));
    expect(changes.bun.stdout).toMatch(/status 0\n$/);
  });

  it('a pipe closed early ends the command quietly with the status of SIGPIPE; a slow reader gets every byte, a non-blocking one too', async () => {
    const head = await both('set -o pipefail; "$BERTH" nat ls | head -1');
    expect(head.bun).toEqual(head.node);
    expect(head.bun).toEqual({ code: 141, stdout: expect.stringMatching(/^TABLE\s+CHAIN\b.*\n$/), stderr: '' });
    const whole = await sh('node', '"$BERTH" nat ls');
    expect(whole.stdout.length).toBeGreaterThan(256 * 1024);
    const slow = await both('set -o pipefail; "$BERTH" nat ls | { sleep 1; cat; }');
    expect(slow.bun).toEqual(slow.node);
    expect(slow.bun).toEqual({ code: 0, stdout: whole.stdout, stderr: '' });
    // a verb that prints lines, not a stream, writes them to the descriptor itself (cli/io.ts writeText): here more than a pipe holds
    const many = `"$BERTH" network inspect ${Array(300).fill('rtnet').join(' ')}`;
    const manyWhole = await sh('node', many);
    expect(manyWhole.stdout.length).toBeGreaterThan(128 * 1024);
    const manyHead = await both(`set -o pipefail; ${many} | head -1`);
    expect(manyHead.bun).toEqual(manyHead.node);
    expect(manyHead.bun).toEqual({ code: 141, stdout: '[\n', stderr: '' });
    // a descriptor that would block (O_NONBLOCK: a parent may leave a shared pipe so) hands the rest to the stream, which waits
    const nonBlocking = await both(`set -o pipefail; perl -MFcntl -e 'fcntl(STDOUT, F_SETFL, fcntl(STDOUT, F_GETFL, 0) | O_NONBLOCK) or die; exec @ARGV' ${many} | { sleep 1; cat; }`);
    expect(nonBlocking.bun).toEqual(nonBlocking.node);
    expect(nonBlocking.bun).toEqual({ code: 0, stdout: manyWhole.stdout, stderr: '' });
    const logs = await both('set -o pipefail; "$BERTH" run --rm --network rtnet -- seq 1 200000 | head -2');
    expect(logs.bun).toEqual(logs.node);
    expect(logs.bun).toEqual({ code: 141, stdout: '1\n2\n', stderr: '' });
  });

  it('a signal ends a command as it ends Node: SIGINT in a background job, SIGHUP under nohup', async () => {
    // a shell starts a background job with SIGINT ignored; Node takes every signal back to its default at start
    for (const [sig, status, trap] of [['INT', 130, ''], ['HUP', 129, "trap '' HUP;"], ['TERM', 143, "trap '' TERM;"]] as const) {
      const r = await both(inTemp(`${started(trap)} kill -${sig} $p; wait $p; echo "status $?"`));
      expect(r.bun, sig).toEqual(r.node);
      expect(r.bun.stdout, sig).toBe(`status ${status}\n`);
    }
  });

  it('reads stdin and answers a prompt on a terminal the same way', async () => {
    const input = Array.from({ length: 5000 }, (_, i) => `line ${i}`).join('\n');
    const cat = await both('"$BERTH" run -i --rm --network rtnet -- sh -c "wc -lc; echo done"', { input });
    expect(cat.bun).toEqual(cat.node);
    expect(cat.bun.stdout).toMatch(/^\s*4999\s+\d+\ndone\n$/);
    // no echo: the terminal's echo of the answer would land before or after the prompt, as the two race.
    // The answer can still reach the terminal before `stty -echo` runs (a loaded CI run saw it): the
    // terminal then echoes it at once, so at the very start, whatever the runtime; that echo is dropped.
    const prompt = await both(`script -qec 'stty -echo; "$BERTH" network prune' /dev/null`, { input: 'n\n' });
    const noEarlyEcho = (r: { stdout: string }) => ({ ...r, stdout: r.stdout.replace(/^n\r?\n/, '') });
    expect(noEarlyEcho(prompt.bun)).toEqual(noEarlyEcho(prompt.node));
    expect(prompt.bun.stdout).toContain('Are you sure you want to continue? [y/N]');
    const refused = await both('"$BERTH" container prune');
    expect(refused.bun).toEqual(refused.node);
    expect(refused.bun.code).toBe(1);
    expect(await h.berthOk(['ps', '-a', '--format', '{{.Names}}'])).toContain('said');
  });
});
