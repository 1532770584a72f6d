// Throwaway "hosts" for benches (spawnHolder, the one way every bench makes
// one) and createHost: a holder in its own network, mount and PID namespace
// (as test/integration/harness.ts does, plus PIDs: the helper sees the
// processes of this host only, not every test namespace of a shared
// machine), a Berth helper in it, and a generated foreign ruleset. The
// machine's own network is never touched; destroy() ends every process
// started in the namespace.
import { build } from 'esbuild';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// BENCH_BERTH: another build's dist/berth.mjs (a copy of the code before a change), to compare both in one run
export const BERTH = process.env.BENCH_BERTH || path.join(root, 'dist/berth.mjs');
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];

// TypeScript modules of the repo, bundled on the fly (as the other benches do).
export async function importTs(source) {
  const out = await build({
    stdin: { contents: source, resolveDir: root, loader: 'ts' },
    bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'error',
    external: ['bufferutil', 'utf-8-validate'],
    // a data: module has no path to require from: give it the repo's
    banner: { js: `import { createRequire as __cr } from 'node:module'; const require = __cr(${JSON.stringify(path.join(root, 'package.json'))});` },
  });
  return import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
}

// N foreign rules the way a busy host has them: Docker DNATs to containers
// that are gone (findings for Cleanup), Kubernetes service rules, CNI and
// podman chains, filter ACCEPTs. Counters set so sorting by them means something.
// The same host a moment later (scale.bench.mjs: readings after a change): `counters`
// added to every counter; `variant` (> 0) changes one rule line in `changedEvery` (a port or
// an address), which lines by the variant, so two variants in a row change different ones.
export function foreignRules(n, { counters = 0, variant = 0, changedEvery = 0 } = {}) {
  const nat = [':DOCKER - [0:0]', ':KUBE-SERVICES - [0:0]', ':CNI-HOSTPORT-DNAT - [0:0]', ':NETAVARK-HOSTPORT-DNAT - [0:0]'];
  const filter = [':DOCKER - [0:0]', ':KUBE-FORWARD - [0:0]'];
  for (let i = 0; i < n; i++) {
    const ip = `${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const k = (i * 37) % 9000 + counters;
    const c = `[${k}:${k * 64}]`;
    const b = variant && changedEvery && i % changedEvery === variant % changedEvery ? variant : 0;
    switch (i % 5) {
      case 0: nat.push(`${c} -A DOCKER ! -i docker0 -p tcp -m tcp --dport ${1024 + ((i + b) % 60000)} -j DNAT --to-destination 172.17.${ip.split('.').slice(1).join('.')}:80`); break;
      case 1: nat.push(`${c} -A KUBE-SERVICES -d 10.96.${ip.split('.').slice(1).join('.')}/32 -p tcp -m comment --comment "default/svc-${i}:http cluster IP" -m tcp --dport ${80 + (b % 60000)} -j RETURN`); break;
      case 2: nat.push(`${c} -A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"cni${i}\\" id: \\"${i}\\"" -m multiport --dports ${2000 + ((i + b) % 50000)} -j RETURN`); break;
      case 3: filter.push(`${c} -A KUBE-FORWARD -d 10.${244 - (b % 200)}.${ip.split('.').slice(1).join('.')}/32 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`); break;
      default: nat.push(`${c} -A NETAVARK-HOSTPORT-DNAT -p udp -m udp --dport ${3000 + ((i + b) % 50000)} -j RETURN`);
    }
  }
  return ['*nat', ...nat, 'COMMIT', '*filter', ...filter, 'COMMIT', ''].join('\n');
}

export const mntOf = (pid) => {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return null;
  }
};
const childOf = (pid) => {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0]) || 0;
  } catch {
    return 0;
  }
};

/** Pids (other than `except`) living in mount namespace `mnt`: in a throwaway host, all started by the bench. */
export function pidsInMount(mnt, except) {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && Number(d) !== except)
    .filter((d) => mntOf(d) === mnt)
    .map(Number);
}

/**
 * The one way benches make a throwaway host: a holder (`unshare … sleep infinity`) in a new network
 * and mount namespace. With `pidNs` it also gets its own PID namespace, whose init (the holder's
 * child) takes every process in it along when it dies, even ones that made their own mount
 * namespace; it has its own /proc, so commands for it enter the PID namespace too. Resolves once
 * the holder is in its namespaces: `pid` is the process to enter, `nsenter` the arguments that do.
 */
export async function spawnHolder(name, { pidNs = false } = {}) {
  const unshare = spawn('unshare', ['--net', '--mount', '--propagation', 'private', ...(pidNs ? ['--pid', '--fork', '--kill-child', '--mount-proc'] : []), 'sleep', 'infinity'], { stdio: 'ignore' });
  if (!unshare.pid) throw new Error(`${name}: unshare could not start`);
  const hostMnt = readlinkSync('/proc/self/ns/mnt');
  for (let i = 0; i < 250; i++) {
    const pid = pidNs ? childOf(unshare.pid) : unshare.pid;
    const mnt = pid ? mntOf(pid) : null;
    if (mnt && mnt !== hostMnt) return { unshare, pid, mnt, nsenter: ['-t', String(pid), '-n', '-m', ...(pidNs ? ['-p'] : []), '--'] };
    await sleep(20);
  }
  unshare.kill('SIGKILL');
  throw new Error(`${name}: the holder did not unshare within 5 s`);
}

export async function createHost() {
  if (process.getuid?.() !== 0) throw new Error('run as root: the bench creates network namespaces');
  if (!existsSync(BERTH)) throw new Error('dist/berth.mjs is missing: node scripts/build-helper.mjs');
  const dir = mkdtempSync(path.join(tmpdir(), 'berth-bench-'));
  const { unshare, pid: holderPid, mnt, nsenter: enter } = await spawnHolder('bench host', { pidNs: true });
  const sh = (argv, input) => execFileSync('nsenter', [...enter, ...argv], { encoding: 'utf8', input, maxBuffer: 1 << 30 });
  execFileSync('mkdir', ['-p', '/run/netns']);
  sh(['mount', '-t', 'tmpfs', 'berth-bench', '/run/netns']);
  sh(['ip', 'link', 'set', 'lo', 'up']);
  const socket = path.join(dir, 'berth.sock');
  let helper = null;
  const host = {
    dir, socket, sh,
    // nsenter forks to enter the PID namespace: the helper is its child
    get helperPid() { return helper ? childOf(helper.pid) : 0; },
    // --noflush: only the foreign chains are replaced (each declared chain is flushed), so
    // planting again under a running helper leaves its own chains alone
    plant(n, change) {
      sh(['iptables-restore', '-c', '--noflush'], foreignRules(n, change));
    },
    async startHelper(connectHelper) {
      // BENCH_HELPER_NODE_FLAGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"): to see where the helper's time goes
      // (BENCH_HELPER_STDOUT=1 with "--trace-gc": the helper's stdout, where V8 prints its collections)
      // after the helper's own Node flags, as every start of it gives them (a later flag wins:
      // "--max-semi-space-size=16" measures without the one set there)
      const { HELPER_ENV, HELPER_NODE_FLAGS } = await importTs("export { HELPER_ENV, HELPER_NODE_FLAGS } from './helper/src/helper-node-flags';");
      const flags = [...HELPER_NODE_FLAGS, ...(process.env.BENCH_HELPER_NODE_FLAGS ?? '').split(' ').filter(Boolean)];
      helper = spawn('nsenter', [...enter, process.execPath, ...flags, BERTH, 'helper', '--foreground',
        '--socket', socket, '--data-root', path.join(dir, 'data'), '--drift-interval', '3600000'], { stdio: ['ignore', process.env.BENCH_HELPER_STDOUT ? 'inherit' : 'ignore', 'inherit'], env: { ...HELPER_ENV, ...process.env } });
      // a helper on tens of thousands of rules reads them at start: on a loaded machine that
      // took more than 20 s, so it gets 90 s
      const until = Date.now() + 90_000;
      while (Date.now() < until) {
        if (helper.exitCode !== null) throw new Error(`the helper exited (${helper.exitCode}) before it answered`);
        try {
          const c = await connectHelper(socket);
          await c.call('system.info', {});
          return c;
        } catch {
          await sleep(50);
        }
      }
      throw new Error('helper did not answer system.info within 90 s');
    },
    // the helper's resident memory now (VmRSS) and the most it ever had (VmHWM, the peak)
    rssMb() {
      const s = readFileSync(`/proc/${host.helperPid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+)/.exec(s)[1]) / 1024;
    },
    rssPeakMb() {
      const s = readFileSync(`/proc/${host.helperPid}/status`, 'utf8');
      return Number(/VmHWM:\s+(\d+)/.exec(s)[1]) / 1024;
    },
    // CPU time the helper process has used (user + system, its threads included), ms
    cpuMs() {
      const f = readFileSync(`/proc/${host.helperPid}/stat`, 'utf8').split(') ')[1].split(' ');
      return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ 100)
    },
    // wall time of a command run inside the host, measured there (no nsenter start-up in it)
    timeInside(cmd, reps = 5) {
      const out = sh(['sh', '-c', `for i in $(seq ${reps}); do s=$(date +%s%N); ${cmd} >/dev/null; e=$(date +%s%N); echo $(((e-s)/1000)); done`]);
      return out.trim().split('\n').map((us) => Number(us) / 1000);
    },
    async destroy() {
      if (helper && helper.exitCode === null) {
        const pid = host.helperPid;
        if (pid) process.kill(pid, 'SIGTERM');
        else helper.kill('SIGTERM');
        await new Promise((r) => (helper.exitCode !== null ? r() : helper.once('exit', r)));
      }
      for (const p of pidsInMount(mnt, holderPid)) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {}
      }
      process.kill(holderPid, 'SIGKILL'); // PID 1 of the namespace: the rest go with it
      unshare.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return host;
}
