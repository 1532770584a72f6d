// Time to run a container with 1, 10 and 100 published ports, and to remove
// it, against a real helper in a throwaway network + mount namespace (the
// machine's own links and rules are never touched). Also counts the kernel
// programs each operation starts (iptables-restore, iptables-save,
// conntrack), through logging wrappers put first on the helper's PATH.
//
// Run as root, after building the helper:
//   node scripts/build-helper.mjs && sudo node bench/ports.bench.mjs
// Env: REPS (default 5) repetitions per size, SIZES (default "1,10,100").
import { build } from 'esbuild';
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BERTH = path.join(root, 'dist/berth.mjs');
if (process.getuid?.() !== 0) throw new Error('run as root: the bench creates network namespaces');
if (!existsSync(BERTH)) throw new Error('dist/berth.mjs is missing: node scripts/build-helper.mjs');
const REPS = Number(process.env.REPS ?? 5);
const SIZES = (process.env.SIZES ?? '1,10,100').split(',').map(Number);

// The helper's RPC client, bundled on the fly (TypeScript source).
const out = await build({
  stdin: { contents: "export { connectHelper } from './helper/src/client/unix-client';", resolveDir: root, loader: 'ts' },
  bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'warning',
});
const { connectHelper } = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);

const dir = mkdtempSync(path.join(tmpdir(), 'berth-bench-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Counting wrappers: each logs its name, then runs the real program.
const wrapDir = path.join(dir, 'bin');
const countFile = path.join(dir, 'calls.log');
execFileSync('mkdir', ['-p', wrapDir]);
for (const prog of ['iptables-restore', 'iptables-save', 'conntrack']) {
  let real;
  try {
    real = execFileSync('sh', ['-c', `command -v ${prog}`], { encoding: 'utf8' }).trim();
  } catch {
    continue;
  }
  writeFileSync(path.join(wrapDir, prog), `#!/bin/sh\necho ${prog} >> ${countFile}\nexec ${real} "$@"\n`);
  chmodSync(path.join(wrapDir, prog), 0o755);
}
const calls = () => {
  const c = { 'iptables-restore': 0, 'iptables-save': 0, conntrack: 0 };
  if (existsSync(countFile)) for (const l of readFileSync(countFile, 'utf8').split('\n')) if (l in c) c[l]++;
  return c;
};

// The throwaway host: a holder process in its own net + mount namespace.
const holder = spawn('unshare', ['--net', '--mount', '--propagation', 'private', 'sleep', 'infinity'], { stdio: 'ignore' });
const hostMnt = readlinkSync('/proc/self/ns/mnt');
for (let i = 0; i < 100; i++) {
  let m = hostMnt;
  try {
    m = readlinkSync(`/proc/${holder.pid}/ns/mnt`);
  } catch {}
  if (m !== hostMnt) break;
  await sleep(20);
}
const inHost = (argv) => execFileSync('nsenter', ['-t', String(holder.pid), '-n', '-m', '--', ...argv], { encoding: 'utf8' });
execFileSync('mkdir', ['-p', '/run/netns']);
inHost(['mount', '-t', 'tmpfs', 'berth-bench', '/run/netns']);
inHost(['ip', 'link', 'set', 'lo', 'up']);

const socket = path.join(dir, 'berth.sock');
const helper = spawn(
  'nsenter',
  ['-t', String(holder.pid), '-n', '-m', '--', process.execPath, BERTH, 'helper', '--foreground',
    '--socket', socket, '--data-root', path.join(dir, 'data'), '--drift-interval', '3600000'],
  { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, PATH: `${wrapDir}:${process.env.PATH}` } },
);

let client;
try {
  for (let i = 0; i < 200 && !client; i++) {
    try {
      client = await connectHelper(socket);
      await client.call('system.info', {});
    } catch {
      client = undefined;
      await sleep(50);
    }
  }
  if (!client) throw new Error('helper did not come up');
  await client.call('network.create', { name: 'bench', subnet: '10.99.0.0/16' });

  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rows = [];
  for (const n of SIZES) {
    const runMs = [];
    const rmMs = [];
    let runCalls;
    let rmCalls;
    for (let r = 0; r < REPS; r++) {
      const ports = Array.from({ length: n }, (_, i) => `${20000 + i}:${8000 + i}`);
      const c0 = calls();
      let t = performance.now();
      const ctr = await client.call('container.run', { name: `b${n}-${r}`, cmd: ['sleep', 'infinity'], network: 'bench', workdir: '/', ports });
      runMs.push(performance.now() - t);
      const c1 = calls();
      t = performance.now();
      await client.call('container.remove', { name: ctr.Id, force: true });
      rmMs.push(performance.now() - t);
      const c2 = calls();
      runCalls = Object.fromEntries(Object.keys(c1).map((k) => [k, c1[k] - c0[k]]));
      rmCalls = Object.fromEntries(Object.keys(c2).map((k) => [k, c2[k] - c1[k]]));
    }
    rows.push([
      String(n),
      median(runMs).toFixed(1),
      median(rmMs).toFixed(1),
      `${runCalls['iptables-restore']} / ${runCalls['iptables-save']}`,
      `${rmCalls['iptables-restore']} / ${rmCalls['iptables-save']} / ${rmCalls.conntrack}`,
    ]);
  }
  const head = ['ports', 'run median ms', 'rm -f median ms', 'run: restore / save', 'rm: restore / save / conntrack'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => c.padStart(w[i])).join('  ');
  console.log(`published ports: ${REPS} repetitions per size (each port also bound on [::] when the host has IPv6)`);
  console.log(line(head));
  for (const r of rows) console.log(line(r));
} finally {
  client?.close();
  helper.kill('SIGTERM');
  await new Promise((r) => (helper.exitCode !== null ? r() : helper.once('exit', r)));
  // containers live in the throwaway mount namespace: end them with it
  const mnt = readlinkSync(`/proc/${holder.pid}/ns/mnt`);
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === holder.pid) continue;
    try {
      if (readlinkSync(`/proc/${d}/ns/mnt`) === mnt) process.kill(Number(d), 'SIGKILL');
    } catch {}
  }
  holder.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
