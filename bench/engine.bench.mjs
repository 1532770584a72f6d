// Berth side by side with real peers, wiring bridge networks and containers:
//   S1   create and delete 20 bridge networks with explicit /24 subnets (Berth only)
//   S1b  20 networks, each with one container (a pre-made netns) attached; then
//        detached and the networks deleted
//   S2   attach 20 containers (pre-made netns) to one bridge network with IPAM
//        addresses, then detach them; Berth also with `berth run -d … sleep` + `rm -f`
// Peers: the CNI reference plugins (bridge + host-local, called directly, as a
// runtime would) and netavark, when their Debian packages can be installed.
//
// Every engine runs in its own throwaway "host": a holder process in a new
// network + mount namespace (test/integration/harness.ts does the same), with a
// tmpfs on /run inside it, so no link, rule, netns or state file ever lands on
// the machine. Peers are interleaved and their order rotated every repetition,
// because on a small machine timings drift over minutes. At the end it checks
// that every holder, helper, namespace and temp dir it made is gone.
//
// Run as root, after building the helper:
//   node scripts/build-helper.mjs && sudo node bench/engine.bench.mjs [--reps N] [--no-rpc] [--no-count]
import { build } from 'esbuild';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BERTH = path.join(root, 'dist/berth.mjs');
const CNI_DIR = '/usr/lib/cni';
const NETAVARK = '/usr/lib/podman/netavark'; // Debian ships it outside PATH, for podman
const N = 20; // networks (S1, S1b) or containers (S2) per scenario

const { values: opts } = parseArgs({
  options: { reps: { type: 'string', default: '5' }, 'no-rpc': { type: 'boolean' }, 'no-count': { type: 'boolean' } },
});
const REPS = Number(opts.reps);
if (process.getuid?.() !== 0) throw new Error('run as root: the bench creates network namespaces');
if (!existsSync(BERTH)) throw new Error('dist/berth.mjs is missing: node scripts/build-helper.mjs');

const dir = mkdtempSync(path.join(tmpdir(), 'berth-engine-bench-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const log = (...a) => console.error(...a); // progress on stderr, results on stdout

// ---------------------------------------------------------------- processes

/** Runs argv, resolves with its output; rejects on a non-zero exit. */
function run(argv, { input, env } = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0], argv.slice(1), { env: env ?? process.env, cwd: '/', stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.stdin.on('error', () => {}); // a program that exits without reading its input: its exit code tells
    p.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${argv.join(' ')}: exit ${code}: ${err || out}`))));
    p.stdin.end(input ?? '');
  });
}

/** Times one async step in ms. */
async function timed(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const mntOf = (pid) => {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return null;
  }
};

/** Pids (other than the holder) living in a mount namespace: all of them were started by this bench. */
function pidsIn(mnt, except) {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d) && Number(d) !== except)
    .filter((d) => mntOf(d) === mnt)
    .map(Number);
}

// ---------------------------------------------------------------- throwaway hosts

const started = []; // every holder / helper / strace this bench spawned, for the final check
const hosts = []; // every throwaway host, registered as soon as it exists so a failure cannot leak one

class Host {
  constructor(name, holder, mnt) {
    this.name = name;
    this.holder = holder;
    this.pid = holder.pid;
    this.mnt = mnt;
  }

  static async create(name) {
    const holder = spawn('unshare', ['--net', '--mount', '--propagation', 'private', 'sleep', 'infinity'], { stdio: 'ignore' });
    started.push(holder);
    if (!holder.pid) throw new Error('unshare could not start');
    const hostMnt = readlinkSync('/proc/self/ns/mnt');
    let mnt = hostMnt;
    for (let i = 0; i < 100 && (mnt === hostMnt || mnt === null); i++) {
      await sleep(20);
      mnt = mntOf(holder.pid);
    }
    if (mnt === hostMnt || mnt === null) throw new Error(`${name}: holder did not unshare`);
    const h = new Host(name, holder, mnt);
    hosts.push(h);
    // a private /run: netns bind mounts, CNI's IPAM files and netavark's state stay in here
    await h.sh(['mount', '-t', 'tmpfs', `bench-${name}`, '/run']);
    await h.sh(['mkdir', '-p', '/run/netns']);
    await h.sh(['ip', 'link', 'set', 'lo', 'up']);
    return h;
  }

  /** argv inside this host's network and mount namespaces. */
  sh(argv, o) {
    return run(['nsenter', '-t', String(this.pid), '-n', '-m', '--', ...argv], o);
  }

  /** One `ip -batch` for all the container namespaces of a scenario (untimed set-up). */
  addNetns(names) {
    return this.sh(['ip', '-batch', '-'], { input: names.map((n) => `netns add ${n}\n`).join('') });
  }

  delNetns(names) {
    return this.sh(['ip', '-force', '-batch', '-'], { input: names.map((n) => `netns delete ${n}\n`).join('') }).catch(() => {});
  }

  /** veth links on the host side: proof that an attach really happened. */
  async vethCount() {
    return (await this.sh(['ip', '-o', 'link', 'show', 'type', 'veth'])).split('\n').filter(Boolean).length;
  }

  /** What is left in this host after all teardowns (peers differ here; worth printing). */
  async leftovers() {
    const links = (await this.sh(['ip', '-o', 'link', 'show']))
      .split('\n').filter(Boolean).map((l) => l.split(':')[1].trim().split('@')[0]).filter((l) => l !== 'lo');
    const rules = (await this.sh(['iptables-save'])).split('\n').filter((l) => l.startsWith('-A ')).length;
    const netns = (await this.sh(['ls', '/run/netns'])).split('\n').filter(Boolean);
    return { links, rules, netns };
  }

  /** Ends everything in this host (helper, containers, holder); synchronous, so it also works on a crash. */
  kill() {
    const stray = mntOf(this.pid) === this.mnt ? pidsIn(this.mnt, this.pid) : [];
    for (const p of stray) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {}
    }
    this.holder.kill('SIGKILL');
    return stray.length;
  }

  async destroy() {
    const stray = this.kill();
    if (this.holder.exitCode === null && this.holder.signalCode === null) await new Promise((r) => this.holder.once('exit', r));
    return stray;
  }
}

// A crash or ^C must not leave holders, helpers or containers behind: the holders are not
// our children's children, so nothing else would end them.
function emergencyCleanup(why) {
  console.error(`bench aborted (${why}): removing its throwaway hosts`);
  for (const h of hosts) h.kill(); // first: it finds a host's processes through its live holder
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
  process.exit(1);
}
process.on('uncaughtException', (e) => emergencyCleanup(e.stack ?? e));
process.on('unhandledRejection', (e) => emergencyCleanup(e?.stack ?? e));
process.on('SIGINT', () => emergencyCleanup('SIGINT'));
process.on('SIGTERM', () => emergencyCleanup('SIGTERM'));

const names = (prefix) => Array.from({ length: N }, (_, i) => `${prefix}${i}`);
const hex64 = (tag, i) => (tag + i.toString(16)).padStart(64, '0');

// ---------------------------------------------------------------- Berth

class Berth {
  static async create() {
    const b = new Berth();
    b.host = await Host.create('berth');
    b.socket = path.join(dir, 'berth.sock');
    b.logFile = path.join(dir, 'helper.log');
    const fd = openSync(b.logFile, 'a');
    // nsenter execs node, so this pid is the helper's own (strace attaches to it)
    b.helper = spawn('nsenter', ['-t', String(b.host.pid), '-n', '-m', '--', process.execPath, BERTH, 'helper', '--foreground',
      '--socket', b.socket, '--data-root', path.join(dir, 'berth-data'), '--drift-interval', '3600000'],
    { stdio: ['ignore', fd, fd], cwd: '/' });
    started.push(b.helper);
    b.env = { ...process.env, BERTH_SOCKET: b.socket };
    for (let i = 0; i < 200; i++) {
      if (b.helper.exitCode !== null) throw new Error(`helper exited: ${readFileSync(b.logFile, 'utf8')}`);
      try {
        await b.cli(['info']);
        break;
      } catch {
        await sleep(50);
      }
    }
    b.rpc = await rpcClient(b.socket);
    return b;
  }

  /** One CLI process per operation, exactly as a user (or a script) would run it. */
  cli(args) {
    return run([process.execPath, BERTH, ...args], { env: this.env });
  }

  async stop() {
    this.rpc?.close();
    if (this.helper.exitCode === null) {
      this.helper.kill('SIGTERM');
      await new Promise((r) => this.helper.once('exit', r));
    }
  }
}

/** The helper's RPC client (TypeScript source, bundled on the fly): Berth's engine without the CLI's node start-up. */
async function rpcClient(socket) {
  const out = await build({
    stdin: { contents: "export { connectHelper } from './helper/src/client/unix-client';", resolveDir: root, loader: 'ts' },
    bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'warning',
  });
  const { connectHelper } = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
  return connectHelper(socket);
}

// The two front ends to the same engine: `berth …` processes and direct RPC calls.
const berthCli = (b) => ({
  netCreate: (name, subnet) => b.cli(['network', 'create', '--subnet', subnet, name]),
  netRm: (name) => b.cli(['network', 'rm', name]),
  connect: (net, ns) => b.cli(['network', 'connect', net, '--netns', ns]),
  disconnect: (net, ns) => b.cli(['network', 'disconnect', net, '--netns', ns]),
  runC: (name, net) => b.cli(['run', '-d', '--name', name, '--network', net, 'sleep', 'infinity']),
  rmC: (name) => b.cli(['rm', '-f', name]),
});
const berthRpc = (b) => ({
  netCreate: (name, subnet) => b.rpc.call('network.create', { name, driver: 'bridge', subnet }),
  netRm: (name) => b.rpc.call('network.remove', { name }),
  connect: (net, ns) => b.rpc.call('network.connect', { network: net, target: { netns: ns } }),
  disconnect: (net, ns) => b.rpc.call('network.disconnect', { network: net, target: { netns: ns }, force: false }),
  runC: (name, net) => b.rpc.call('container.run', { name, cmd: ['sleep', 'infinity'], network: net, workdir: '/' }),
  rmC: (name) => b.rpc.call('container.remove', { name, force: true }),
});

/** Berth's scenarios through one front end `api`. Each returns { up, down } in ms. */
function berthScenarios(b, api) {
  return {
    S1: async () => {
      const nets = names('s1n');
      const up = await timed(async () => {
        for (const [i, n] of nets.entries()) await api.netCreate(n, `10.10.${i}.0/24`);
      });
      const down = await timed(async () => {
        for (const n of nets) await api.netRm(n);
      });
      return { up, down };
    },
    S1b: async () => {
      const nets = names('s1bn');
      const ns = names('s1bc');
      await b.host.addNetns(ns);
      try {
        const up = await timed(async () => {
          for (const [i, n] of nets.entries()) {
            await api.netCreate(n, `10.11.${i}.0/24`);
            await api.connect(n, ns[i]);
          }
        });
        await expectVeths(b.host, N);
        const down = await timed(async () => {
          for (const [i, n] of nets.entries()) {
            await api.disconnect(n, ns[i]);
            await api.netRm(n);
          }
        });
        return { up, down };
      } finally {
        await b.host.delNetns(ns);
      }
    },
    S2: async () => {
      const ns = names('s2c');
      await api.netCreate('s2net', '10.12.0.0/24'); // the one network exists already: not timed
      await b.host.addNetns(ns);
      try {
        const up = await timed(async () => {
          for (const n of ns) await api.connect('s2net', n);
        });
        await expectVeths(b.host, N);
        const down = await timed(async () => {
          for (const n of ns) await api.disconnect('s2net', n);
        });
        return { up, down };
      } finally {
        await b.host.delNetns(ns);
        await api.netRm('s2net');
      }
    },
    S2run: async () => {
      const cs = names('s2r');
      await api.netCreate('s2rnet', '10.13.0.0/24');
      try {
        const up = await timed(async () => {
          for (const c of cs) await api.runC(c, 's2rnet');
        });
        await expectVeths(b.host, N);
        const down = await timed(async () => {
          for (const c of cs) await api.rmC(c);
        });
        return { up, down };
      } finally {
        await api.netRm('s2rnet');
      }
    },
  };
}

async function expectVeths(host, n) {
  const got = await host.vethCount();
  if (got !== n) throw new Error(`${host.name}: expected ${n} veths after attaching, found ${got}`);
}

// ---------------------------------------------------------------- CNI reference plugins

/** bridge + host-local, ipMasq on; host-local's files go to the host's private /run. */
const cniConf = (name, bridge, subnet) => JSON.stringify({
  cniVersion: '1.0.0', name, type: 'bridge', bridge, isGateway: true, ipMasq: true,
  ipam: { type: 'host-local', ranges: [[{ subnet }]], dataDir: '/run/cni-ipam' },
});

class Cni {
  static async create() {
    const c = new Cni();
    c.host = await Host.create('cni');
    c.wrap = []; // prefix for the counting pass (strace)
    return c;
  }

  /** One plugin invocation, as a runtime makes it: env for the call, config on stdin. */
  call(cmd, conf, id, ns) {
    const env = { PATH: process.env.PATH, CNI_COMMAND: cmd, CNI_CONTAINERID: id, CNI_NETNS: `/run/netns/${ns}`, CNI_IFNAME: 'eth0', CNI_PATH: CNI_DIR };
    return this.host.sh([...this.wrap, `${CNI_DIR}/bridge`], { input: conf, env });
  }

  scenarios() {
    return {
      S1b: async () => {
        const ns = names('s1bc');
        const confs = ns.map((_, i) => cniConf(`s1b${i}`, `cni-s1b${i}`, `10.11.${i}.0/24`));
        await this.host.addNetns(ns);
        try {
          const up = await timed(async () => {
            for (const [i, n] of ns.entries()) await this.call('ADD', confs[i], n, n);
          });
          await expectVeths(this.host, N);
          const down = await timed(async () => {
            for (const [i, n] of ns.entries()) await this.call('DEL', confs[i], n, n);
          });
          return { up, down };
        } finally {
          await this.host.delNetns(ns);
        }
      },
      S2: async () => {
        const ns = names('s2c');
        const conf = cniConf('s2', 'cni-s2', '10.12.0.0/24');
        await this.host.addNetns(ns);
        try {
          const up = await timed(async () => {
            for (const n of ns) await this.call('ADD', conf, n, n);
          });
          await expectVeths(this.host, N);
          const down = await timed(async () => {
            for (const n of ns) await this.call('DEL', conf, n, n);
          });
          return { up, down };
        } finally {
          await this.host.delNetns(ns);
        }
      },
    };
  }
}

// ---------------------------------------------------------------- netavark

/** netavark's network options: podman does IPAM, so each container comes with its static IP. */
function netavarkOpts(netIdx, netName, bridge, prefix, host, containerId) {
  return JSON.stringify({
    container_id: containerId,
    container_name: containerId.slice(-12),
    networks: { [netName]: { interface_name: 'eth0', static_ips: [`${prefix}.${host}`] } },
    network_info: {
      [netName]: {
        dns_enabled: false, driver: 'bridge', id: hex64('ae', netIdx), internal: false, ipv6_enabled: false,
        name: netName, network_interface: bridge, subnets: [{ subnet: `${prefix}.0/24`, gateway: `${prefix}.1` }],
      },
    },
    port_mappings: [],
  });
}

class Netavark {
  static async create() {
    const v = new Netavark();
    v.host = await Host.create('netavark');
    await v.host.sh(['mkdir', '-p', '/run/netavark-config']);
    v.wrap = [];
    return v;
  }

  call(cmd, options, ns) {
    return this.host.sh([...this.wrap, NETAVARK, '--config', '/run/netavark-config', cmd, `/run/netns/${ns}`], { input: options });
  }

  scenarios() {
    return {
      S1b: async () => {
        const ns = names('s1bc');
        const o = ns.map((n, i) => netavarkOpts(i, `s1b${i}`, `nv-s1b${i}`, `10.11.${i}`, 2, hex64('c1', i)));
        await this.host.addNetns(ns);
        try {
          const up = await timed(async () => {
            for (const [i, n] of ns.entries()) await this.call('setup', o[i], n);
          });
          await expectVeths(this.host, N);
          const down = await timed(async () => {
            for (const [i, n] of ns.entries()) await this.call('teardown', o[i], n);
          });
          return { up, down };
        } finally {
          await this.host.delNetns(ns);
        }
      },
      S2: async () => {
        const ns = names('s2c');
        const o = ns.map((n, i) => netavarkOpts(100, 's2', 'nv-s2', '10.12.0', i + 2, hex64('c2', i)));
        await this.host.addNetns(ns);
        try {
          const up = await timed(async () => {
            for (const [i, n] of ns.entries()) await this.call('setup', o[i], n);
          });
          await expectVeths(this.host, N);
          const down = await timed(async () => {
            for (const [i, n] of ns.entries()) await this.call('teardown', o[i], n);
          });
          return { up, down };
        } finally {
          await this.host.delNetns(ns);
        }
      },
    };
  }
}

// ---------------------------------------------------------------- peers: install or skip

function hasPackageBinary(file, pkg) {
  if (existsSync(file)) return true;
  log(`installing ${pkg} …`);
  try {
    execFileSync('apt-get', ['install', '-y', pkg], { stdio: 'ignore' });
  } catch {
    try {
      execFileSync('apt-get', ['update'], { stdio: 'ignore' });
      execFileSync('apt-get', ['install', '-y', pkg], { stdio: 'ignore' });
    } catch {}
  }
  return existsSync(file);
}

// ---------------------------------------------------------------- process counting (strace)

function hasStrace() {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** execve calls that succeeded in a strace -o file, total and by program. */
function countExecs(file) {
  const byProg = {};
  let total = 0;
  if (!existsSync(file)) return { total, byProg };
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    const m = /execve\("([^"]+)".*\) = 0$/.exec(l);
    if (!m) continue;
    total++;
    const p = path.basename(m[1]);
    byProg[p] = (byProg[p] ?? 0) + 1;
  }
  return { total, byProg };
}

/** Runs fn with strace following the (already running) helper and everything it starts. */
async function straceHelper(pid, file, fn) {
  const st = spawn('strace', ['-f', '-qq', '-e', 'trace=execve', '-e', 'signal=none', '-o', file, '-p', String(pid)], { stdio: 'ignore' });
  started.push(st);
  for (let i = 0; i < 100; i++) {
    const tracer = /TracerPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (tracer && tracer !== '0') break;
    await sleep(20);
  }
  try {
    await fn();
  } finally {
    st.kill('SIGINT'); // strace detaches cleanly on SIGINT
    await new Promise((r) => (st.exitCode !== null ? r() : st.once('exit', r)));
  }
}

// ---------------------------------------------------------------- main

const ROWS = [
  // [row label, scenario key]; an engine has a row when it implements that scenario
  ['S1 (20 networks)', 'S1'],
  ['S1b (20 networks × 1 container)', 'S1b'],
  ['S2 (20 netns on one network)', 'S2'],
  ['S2 (20 `berth run -d` containers)', 'S2run'],
];
const ops = { S1: 'network', S1b: 'network+container', S2: 'container', S2run: 'container' };

async function main() {
  const hostBefore = machineSnapshot();
  const engines = {}; // row label -> { s: scenario functions }
  const skipped = [];
  let berth;
  let hostsStray = 0;
  let results;
  let counts = {};
  let leftovers = {};
  let cliFloor;
  const loads = [];
  try {
    berth = await Berth.create();
    engines['Berth (CLI)'] = { s: berthScenarios(berth, berthCli(berth)) };
    if (!opts['no-rpc']) engines['Berth (RPC)'] = { s: berthScenarios(berth, berthRpc(berth)) };
    let cni;
    let nv;
    if (hasPackageBinary(`${CNI_DIR}/bridge`, 'containernetworking-plugins')) {
      cni = await Cni.create();
      engines.CNI = { s: cni.scenarios() };
    } else skipped.push('CNI: containernetworking-plugins could not be installed');
    if (hasPackageBinary(NETAVARK, 'netavark')) {
      nv = await Netavark.create();
      engines.netavark = { s: nv.scenarios() };
    } else skipped.push('netavark: the netavark package could not be installed');
    for (const s of skipped) log(`skipped ${s}`);

    results = {}; // scenario -> engine -> [{up, down}]
    // warm-up, untimed: first runs load kernel modules (bridge, veth, nf_tables), page in node and the binaries
    log('warm-up …');
    for (const e of Object.values(engines)) await e.s.S2();

    // other work on the machine inflates every row (node start-up most): record the load
    loads.push(loadavg()[0]);
    for (let rep = 0; rep < REPS; rep++) {
      log(`rep ${rep + 1}/${REPS}: load average ${loadavg()[0].toFixed(2)}`);
      for (const [, sc] of ROWS) {
        const entries = Object.entries(engines).filter(([, e]) => e.s[sc]);
        const order = entries.map((_, i) => entries[(i + rep) % entries.length]); // rotate per repetition
        for (const [label, e] of order) {
          const r = await e.s[sc]();
          ((results[sc] ??= {})[label] ??= []).push(r);
          log(`rep ${rep + 1}/${REPS} ${sc.padEnd(5)} ${label.padEnd(12)} up ${r.up.toFixed(0).padStart(6)} ms  down ${r.down.toFixed(0).padStart(6)} ms`);
        }
      }
    }

    loads.push(loadavg()[0]);
    // how much of a CLI row is node starting: `berth version` talks to no helper
    const floor = [];
    for (let i = 0; i < 10; i++) floor.push(await timed(() => run([process.execPath, BERTH, 'version'])));
    cliFloor = median(floor);

    if (!opts['no-count'] && hasStrace()) counts = await countPass(berth, cni, nv);
    else log('process counts skipped (no strace, or --no-count)');

    for (const h of hosts) leftovers[h.name] = await h.leftovers();
    printResults(results, counts, skipped, leftovers, cliFloor, loads);
  } catch (e) {
    console.error(`bench failed: ${e.stack ?? e}`);
    if (existsSync(path.join(dir, 'helper.log'))) console.error(`helper log:\n${readFileSync(path.join(dir, 'helper.log'), 'utf8')}`);
    process.exitCode = 1;
  } finally {
    // cleanup runs even when a scenario failed: the bench must leave nothing behind
    await berth?.stop().catch(() => {});
    for (const h of hosts) hostsStray += await h.destroy();
    rmSync(dir, { recursive: true, force: true });
    finalCheck(hostBefore, hosts, hostsStray);
  }
}

/** One extra, untimed pass per scenario under strace: how many programs each engine starts. */
async function countPass(berth, cni, nv) {
  log('counting processes (strace, untimed) …');
  const counts = {}; // sc -> label -> {total, byProg}
  const cliApi = berthScenarios(berth, berthCli(berth));
  for (const sc of ['S1', 'S1b', 'S2', 'S2run']) {
    const file = path.join(dir, `strace-berth-${sc}`);
    try {
      await straceHelper(berth.helper.pid, file, () => cliApi[sc]());
      (counts[sc] ??= {})['Berth (CLI)'] = countExecs(file);
    } catch (e) {
      log(`counting Berth ${sc} failed: ${e.message}`);
    }
  }
  for (const [label, peer] of [['CNI', cni], ['netavark', nv]]) {
    if (!peer) continue;
    for (const sc of ['S1b', 'S2']) {
      const file = `/run/strace-${sc}`; // inside the peer's host: strace runs there, wrapping every call
      peer.wrap = ['strace', '-f', '-qq', '-A', '-e', 'trace=execve', '-e', 'signal=none', '-o', file];
      try {
        await peer.scenarios()[sc]();
        const local = path.join(dir, `strace-${label}-${sc}`);
        execFileSync('sh', ['-c', `nsenter -t ${peer.host.pid} -n -m -- cat ${file} > ${local}`]);
        (counts[sc] ??= {})[label] = countExecs(local);
      } catch (e) {
        log(`counting ${label} ${sc} failed: ${e.message}`);
      } finally {
        peer.wrap = [];
      }
    }
  }
  return counts;
}

function printResults(results, counts, skipped, leftovers, cliFloor, loads) {
  const fmt = (x) => (x === undefined ? '—' : x.toFixed(0));
  const labels = [...new Set(Object.values(results).flatMap((r) => Object.keys(r)))];
  const reps = Math.max(0, ...Object.values(results).flatMap((r) => Object.values(r).map((x) => x.length)));
  console.log(`\n## engine.bench.mjs — ${new Date().toISOString().slice(0, 10)}, ${cpus().length} cores (${cpus()[0]?.model.trim()}), kernel ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}`);
  console.log(`\nMedians of ${reps} repetitions in ms: total (attach/create phase + detach/delete phase; each a median of its own, so they need not add up); peers interleaved, order rotated each repetition. 1-minute load average ${loads.map((l) => l.toFixed(1)).join(' → ')} (before → after the timed repetitions).\n`);
  console.log(`| scenario | ${labels.join(' | ')} |`);
  console.log(`|---|${labels.map(() => '---|').join('')}`);
  for (const [rowLabel, sc] of ROWS) {
    const r = results[sc] ?? {};
    const cells = labels.map((l) => {
      const xs = r[l];
      if (!xs) return '—';
      return `${fmt(median(xs.map((x) => x.up + x.down)))} (${fmt(median(xs.map((x) => x.up)))} + ${fmt(median(xs.map((x) => x.down)))})`;
    });
    console.log(`| ${rowLabel} | ${cells.join(' | ')} |`);
  }
  console.log('\nPer operation, ms (each phase median / 20: create or attach + delete or detach):\n');
  console.log(`| scenario | ${labels.join(' | ')} |`);
  console.log(`|---|${labels.map(() => '---|').join('')}`);
  for (const [rowLabel, sc] of ROWS) {
    const r = results[sc] ?? {};
    const cells = labels.map((l) => {
      const xs = r[l];
      if (!xs) return '—';
      return `${(median(xs.map((x) => x.up)) / N).toFixed(1)} + ${(median(xs.map((x) => x.down)) / N).toFixed(1)}`;
    });
    console.log(`| one ${ops[sc]} ${sc.startsWith('S1') ? 'create + delete' : 'attach + detach'} (${sc}) | ${cells.join(' | ')} |`);
  }
  console.log(`\nCLI start-up floor: \`berth version\` (no helper call) takes ${cliFloor.toFixed(0)} ms (median of 10); every Berth (CLI) operation pays it once.`);
  if (Object.keys(counts).length) {
    console.log('\nPrograms started per scenario (successful execve, from one extra untimed pass under `strace -f`; Berth: by the helper, plus one `node` CLI process per operation not counted here):\n');
    console.log('| scenario | engine | execs | by program |');
    console.log('|---|---|---|---|');
    for (const [rowLabel, sc] of ROWS) {
      for (const [l, c] of Object.entries(counts[sc] ?? {})) {
        const by = Object.entries(c.byProg).sort((a, b) => b[1] - a[1]).map(([p, n]) => `${p} ${n}`).join(', ');
        console.log(`| ${rowLabel} | ${l} | ${c.total} | ${by} |`);
      }
    }
  }
  console.log('\nQuoted from /work/shared/reference/peers.md, not measured here (12 reps on a comparable 2-core machine): ' +
    'S1 Docker 6070 / Docker no-proxy 6037 / podman 1818 (config file only); S1b CNI 3837, netavark 5044, Docker 7938, podman 8573; ' +
    'S2 CNI 3882, netavark 1400, Docker 1957, podman 3623.');
  for (const s of skipped) console.log(`Skipped: ${s}`);
  console.log('\nLeft inside each throwaway host after every teardown (gone with the host):');
  for (const [h, l] of Object.entries(leftovers)) console.log(`- ${h}: links [${l.links.join(', ')}], ${l.rules} iptables rules, netns [${l.netns.join(', ')}]`);
}

// ---------------------------------------------------------------- cleanliness

/** The machine's own network as seen from here: must be the same before and after. */
function machineSnapshot() {
  const sh = (c) => {
    try {
      return execFileSync('sh', ['-c', c], { encoding: 'utf8' });
    } catch {
      return '';
    }
  };
  return {
    links: sh("ip -o link show | awk -F': ' '{print $2}' | sort"),
    netns: sh('ls /run/netns 2>/dev/null | sort'),
    rules: sh('iptables-save 2>/dev/null | grep -c "^-A"').trim(),
  };
}

function finalCheck(before, hosts, stray) {
  const problems = [];
  const after = machineSnapshot();
  for (const k of Object.keys(before)) if (before[k] !== after[k]) problems.push(`machine ${k} changed:\n${before[k]}\n→\n${after[k]}`);
  for (const p of started) if (p.exitCode === null && p.signalCode === null) problems.push(`process ${p.pid} (${p.spawnargs.slice(0, 2).join(' ')}) still running`);
  for (const h of hosts) if (mntOf(h.pid) !== null) problems.push(`holder ${h.pid} (${h.name}) still alive`);
  if (existsSync(dir)) problems.push(`${dir} still exists`);
  if (stray) log(`note: ${stray} process(es) were still running in the throwaway hosts at the end and were killed`);
  console.log(problems.length ? `\nNOT CLEAN:\n${problems.join('\n')}` : '\nclean: every namespace, bridge, helper and temp dir this bench made is gone');
  if (problems.length) process.exitCode = 1;
}

await main();
