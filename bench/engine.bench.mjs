// Berth side by side with real peers (Docker, the CNI reference plugins,
// netavark), wiring bridge networks and containers, in one run:
//   S1      create and delete 20 bridge networks with explicit /24 subnets
//           (Berth and Docker: CNI and netavark have no network object)
//   S1b     20 networks, each with one container attached; then detached and
//           the networks deleted
//   S2      attach 20 containers to one bridge network with IPAM addresses,
//           then detach them; Berth also with `berth run -d … sleep` + `rm -f`
//   S3      one container with 50 published TCP ports (spaced 2 apart, so no
//           range rule can merge them), attached then detached
//   S3-500  the same with 500 ports
//   C20     20 clients at once, each attaching and detaching its own
//           container on one network; a reader lists networks meanwhile
// What a "container" is per engine: Berth and CNI and netavark attach a
// pre-made network namespace (S3: Berth runs a real `sleep` container, the
// only way it publishes ports); Docker connects running containers to the
// network (its S3 creates, starts and force-removes one).
//
// Every engine runs in its own throwaway "host": a holder process in a new
// network + mount namespace with a tmpfs on /run (test/integration/harness.ts
// does the same), so no link, rule, netns, socket or state file lands on the
// machine; dockerd runs in there with its own data and exec roots. Engines are
// interleaved and their order rotated every repetition, because on a shared
// machine timings drift over minutes: compare ratios within one repetition.
// At the end it checks that every holder, daemon, namespace and temp dir it
// made is gone and that the machine's links, netns and rules are as before.
//
// Run as root (npm run bench builds the helper first):
//   sudo node bench/engine.bench.mjs [--reps N] [--only S2,S3] [--no-cli] [--no-rpc]
//     [--no-docker] [--no-count] [--no-install]
import { build } from 'esbuild';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, symlinkSync, copyFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { mntOf, pidsInMount, spawnHolder } from './lib/host.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BERTH = path.join(root, 'dist/berth.mjs');
const BERTH_BIN = path.join(root, 'bin/berth'); // the command users run (what it sets for Node: there)
const CNI_DIR = '/usr/lib/cni';
const NETAVARK = '/usr/lib/podman/netavark'; // Debian ships it outside PATH, for podman
const DOCKERD = '/usr/sbin/dockerd';
const BUSYBOX = '/bin/busybox';
const N = 20; // networks (S1, S1b), containers (S2) or clients (C20) per scenario
const OVERHEAD_ROUNDS = 10; // back-to-back S2 pairs (CLI, RPC) for the CLI overhead per command
const SCENARIOS = ['S1', 'S1b', 'S2', 'S2run', 'S3', 'S3-500', 'C20'];
const PORTS = { S3: 50, 'S3-500': 500 };

const { values: opts } = parseArgs({
  options: {
    reps: { type: 'string', default: '5' },
    only: { type: 'string' },
    'no-rpc': { type: 'boolean' },
    'no-cli': { type: 'boolean' },
    'no-docker': { type: 'boolean' },
    'no-count': { type: 'boolean' },
    'no-install': { type: 'boolean' },
  },
});
const REPS = Number(opts.reps);
const ONLY = opts.only ? opts.only.split(',') : SCENARIOS;
for (const s of ONLY) if (!SCENARIOS.includes(s)) throw new Error(`--only: unknown scenario ${s} (${SCENARIOS.join(', ')})`);
if (process.getuid?.() !== 0) throw new Error('run as root: the bench creates network namespaces');
if (!existsSync(BERTH)) throw new Error('dist/berth.mjs is missing: node scripts/build-helper.mjs');

const dir = mkdtempSync(path.join(tmpdir(), 'berth-engine-bench-'));
// The CLI keeps its V8 code cache here rather than in root's home (docs/architecture.md#the-cli-start):
// written by its first command (the warm-up), gone with the bench's directory.
const cliEnv = (env) => ({ ...env, XDG_CACHE_HOME: path.join(dir, 'cli-cache') });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const log = (...a) => console.error(...a); // progress on stderr, results on stdout
const portList = (n) => Array.from({ length: n }, (_, i) => ({ host: 20000 + 2 * i, container: 8000 + 2 * i }));

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

/** Times one async step in ms; its start and end (epoch ms) go to `marks`, so the counting pass can split programs by phase. */
const marks = [];
const now = () => performance.timeOrigin + performance.now();
async function timed(fn) {
  const t = performance.now();
  const start = now();
  await fn();
  marks.push([start, now()]);
  return performance.now() - t;
}

// ---------------------------------------------------------------- throwaway hosts

const started = []; // every holder / helper / strace this bench spawned, for the final check
const hosts = []; // every throwaway host, registered as soon as it exists so a failure cannot leak one

class Host {
  constructor(name, holder, mnt, pid, pidNs) {
    this.name = name;
    this.holder = holder;
    this.pid = pid; // a process in the host's namespaces (the holder, or its child with a PID namespace)
    this.mnt = mnt;
    this.pidNs = pidNs;
  }

  /**
   * pidNs: the host also gets its own PID namespace, whose init (the holder's child) takes every
   * process in it along when it dies, even ones that made their own mount namespace (Docker's
   * containerd shims and containers); it has its own /proc, so commands for it run inside the PID
   * namespace too (`nsenter -p`).
   */
  static async create(name, { pidNs = false } = {}) {
    const { unshare: holder, pid, mnt } = await spawnHolder(name, { pidNs });
    started.push(holder);
    const h = new Host(name, holder, mnt, pid, pidNs);
    hosts.push(h);
    // a private /run: netns bind mounts, CNI's IPAM files and netavark's state stay in here
    await h.sh(['mount', '-t', 'tmpfs', `bench-${name}`, '/run']);
    await h.sh(['mkdir', '-p', '/run/netns']);
    await h.sh(['ip', 'link', 'set', 'lo', 'up']);
    return h;
  }

  /** argv inside this host's network and mount namespaces. */
  sh(argv, o) {
    return run(['nsenter', '-t', String(this.pid), '-n', '-m', ...(this.pidNs ? ['-p'] : []), '--', ...argv], o);
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
    const stray = mntOf(this.pid) === this.mnt ? pidsInMount(this.mnt, this.pid).filter((p) => p !== this.holder.pid) : [];
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
    for (let i = 0; i < 250 && mntOf(this.pid) !== null; i++) await sleep(20); // a PID namespace's init goes a moment later
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
    b.env = cliEnv({ ...process.env, BERTH_SOCKET: b.socket });
    for (let i = 0; i < 200; i++) {
      if (b.helper.exitCode !== null) throw new Error(`helper exited: ${readFileSync(b.logFile, 'utf8')}`);
      try {
        await b.cli(['info']);
        break;
      } catch {
        await sleep(50);
      }
    }
    const connector = await rpcConnector();
    // the token goes with a connection's first call, which must come within the helper's auth timeout:
    // authenticate at once, or a connection made now and first used after a slow peer's warm-up is refused
    b.connect = async (socket) => {
      const c = await connector(socket);
      await c.call('network.list', {});
      return c;
    };
    b.rpc = await b.connect(b.socket);
    return b;
  }

  /** One CLI process per operation, exactly as a user (or a script) would run it: through bin/berth. */
  cli(args) {
    return run([BERTH_BIN, ...args], { env: this.env });
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
async function rpcConnector() {
  const out = await build({
    stdin: { contents: "export { connectHelper } from './helper/src/client/unix-client';", resolveDir: root, loader: 'ts' },
    bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'warning',
  });
  const { connectHelper } = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
  return connectHelper;
}

const pFlags = (n) => portList(n).flatMap((p) => ['-p', `${p.host}:${p.container}`]);

// The two front ends to the same engine: `berth …` processes and direct RPC calls.
const berthCli = (b) => ({
  netCreate: (name, subnet) => b.cli(['network', 'create', '--subnet', subnet, name]),
  netRm: (name) => b.cli(['network', 'rm', name]),
  connect: (net, ns) => b.cli(['network', 'connect', net, '--netns', ns]),
  disconnect: (net, ns) => b.cli(['network', 'disconnect', net, '--netns', ns]),
  runC: (name, net, ports = 0) => b.cli(['run', '-d', '--name', name, '--network', net, ...pFlags(ports), 'sleep', 'infinity']),
  rmC: (name) => b.cli(['rm', '-f', name]),
  client: async () => berthCli(b), // every CLI call is its own client already
  close: () => {},
});
const berthRpc = (b, rpc = b.rpc) => ({
  netCreate: (name, subnet) => rpc.call('network.create', { name, driver: 'bridge', subnet }),
  netRm: (name) => rpc.call('network.remove', { name }),
  connect: (net, ns) => rpc.call('network.connect', { network: net, target: { netns: ns } }),
  disconnect: (net, ns) => rpc.call('network.disconnect', { network: net, target: { netns: ns }, force: false }),
  runC: (name, net, ports = 0) => rpc.call('container.run', { name, cmd: ['sleep', 'infinity'], network: net, workdir: '/', ports: portList(ports).map((p) => `${p.host}:${p.container}`) }),
  rmC: (name) => rpc.call('container.remove', { name, force: true }),
  list: () => rpc.call('network.list', {}),
  client: async () => berthRpc(b, await b.connect(b.socket)), // its own connection
  close: () => rpc.close(),
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
        // a failure above is the one to report, not this removal's refusal it leaves behind
        await api.netRm('s2net').catch((e) => console.error(`(s2net not removed: ${e.message})`));
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
    ...Object.fromEntries(Object.entries(PORTS).map(([sc, n]) => [sc, async () => {
      await api.netCreate('s3net', '10.14.0.0/24');
      try {
        await b.beforeAttach?.(); // the counting pass: the work before (the network's, an earlier run's) is done
        const up = await timed(() => api.runC('s3c', 's3net', n));
        await expectVeths(b.host, 1);
        await expectDnats(b.host, n);
        const down = await timed(() => api.rmC('s3c'));
        await b.afterDetach?.(); // the counting pass: this pair's background work is done, before the network goes
        return { up, down };
      } finally {
        await api.netRm('s3net');
      }
    }])),
    C20: async () => {
      const ns = names('c20c');
      await api.netCreate('c20net', '10.15.0.0/24');
      await b.host.addNetns(ns);
      const clients = await Promise.all(ns.map(() => api.client()));
      const reader = api.list ? await api.client() : null;
      try {
        return await concurrently(ns.map((n, i) => async () => {
          await clients[i].connect('c20net', n);
          await clients[i].disconnect('c20net', n);
        }), reader?.list);
      } finally {
        for (const c of clients) c.close();
        reader?.close();
        await b.host.delNetns(ns);
        await api.netRm('c20net');
      }
    },
  };
}

/**
 * Starts every client's two operations at once; the reader (if any) lists in a loop meanwhile.
 * up = wall time for all of them; lat = each operation's latency; reads = each read's latency.
 */
async function concurrently(clients, read) {
  const lat = [];
  const reads = [];
  let done = false;
  const reader = (async () => {
    if (!read) return;
    while (!done) {
      const t = performance.now();
      await read();
      reads.push(performance.now() - t);
      await sleep(5);
    }
  })();
  const wall = await timed(async () => {
    await Promise.all(clients.map(async (c) => {
      const t = performance.now();
      await c();
      lat.push((performance.now() - t) / 2); // two operations per client, one after the other
    }));
  });
  done = true;
  await reader;
  return { up: wall, down: 0, ops: 2 * clients.length, lat, reads };
}

// Untimed. Polled: an engine that deletes detached veths in the background
// (Berth, docs/decisions.md "Links deleted in the background") may still hold
// the previous scenario's for a moment, so a count above n settles down.
async function expectVeths(host, n) {
  const end = Date.now() + 10_000;
  for (;;) {
    const got = await host.vethCount();
    if (got === n) return;
    if (got < n || Date.now() > end) throw new Error(`${host.name}: expected ${n} veths after attaching, found ${got}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Published ports really published: at least n DNAT rules in the host (iptables or nft). */
async function expectDnats(host, n) {
  const ipt = (await host.sh(['iptables-save', '-t', 'nat']).catch(() => '')).split('\n').filter((l) => l.includes('DNAT')).length;
  const nft = ipt >= n ? 0 : (await host.sh(['nft', 'list', 'ruleset']).catch(() => '')).split('\n').filter((l) => l.includes('dnat')).length;
  if (ipt + nft < n) throw new Error(`${host.name}: expected ${n} DNAT rules after publishing, found ${ipt + nft}`);
}

// ---------------------------------------------------------------- CNI reference plugins

/** bridge + host-local, ipMasq on; host-local's files go to the host's private /run. */
const cniConf = (name, bridge, subnet) => ({
  cniVersion: '1.0.0', name, type: 'bridge', bridge, isGateway: true, ipMasq: true,
  ipam: { type: 'host-local', ranges: [[{ subnet }]], dataDir: '/run/cni-ipam' },
});
/** portmap chained after bridge, as a runtime runs it: the bridge's result as prevResult, the mappings as runtimeConfig. */
const portmapConf = (name, n, prevResult) => ({
  cniVersion: '1.0.0', name, type: 'portmap', capabilities: { portMappings: true }, snat: true,
  runtimeConfig: { portMappings: portList(n).map((p) => ({ hostPort: p.host, containerPort: p.container, protocol: 'tcp' })) },
  ...(prevResult ? { prevResult } : {}),
});

class Cni {
  static async create() {
    const c = new Cni();
    c.host = await Host.create('cni');
    c.wrap = []; // prefix for the counting pass (strace)
    return c;
  }

  /** One plugin invocation, as a runtime makes it: env for the call, config on stdin. */
  async call(cmd, conf, id, ns, plugin = 'bridge') {
    const env = { PATH: process.env.PATH, CNI_COMMAND: cmd, CNI_CONTAINERID: id, CNI_NETNS: `/run/netns/${ns}`, CNI_IFNAME: 'eth0', CNI_PATH: CNI_DIR };
    const out = await this.host.sh([...this.wrap, `${CNI_DIR}/${plugin}`], { input: JSON.stringify(conf), env });
    return out.trim() ? JSON.parse(out) : null;
  }

  scenarios() {
    const attachEach = async (ns, confs) => {
      const up = await timed(async () => {
        for (const [i, n] of ns.entries()) await this.call('ADD', confs[i], n, n);
      });
      await expectVeths(this.host, ns.length);
      const down = await timed(async () => {
        for (const [i, n] of ns.entries()) await this.call('DEL', confs[i], n, n);
      });
      return { up, down };
    };
    const withNetns = async (ns, fn) => {
      await this.host.addNetns(ns);
      try {
        return await fn();
      } finally {
        await this.host.delNetns(ns);
      }
    };
    return {
      S1b: () => {
        const ns = names('s1bc');
        return withNetns(ns, () => attachEach(ns, ns.map((_, i) => cniConf(`s1b${i}`, `cni-s1b${i}`, `10.11.${i}.0/24`))));
      },
      S2: () => {
        const ns = names('s2c');
        return withNetns(ns, () => attachEach(ns, ns.map(() => cniConf('s2', 'cni-s2', '10.12.0.0/24'))));
      },
      ...Object.fromEntries(Object.entries(PORTS).map(([sc, n]) => [sc, () => withNetns(['s3c'], async () => {
        const conf = cniConf('s3', 'cni-s3', '10.14.0.0/24');
        let result;
        const up = await timed(async () => {
          result = await this.call('ADD', conf, 's3c', 's3c');
          await this.call('ADD', portmapConf('s3', n, result), 's3c', 's3c', 'portmap');
        });
        await expectVeths(this.host, 1);
        await expectDnats(this.host, n);
        const down = await timed(async () => {
          await this.call('DEL', portmapConf('s3', n, result), 's3c', 's3c', 'portmap');
          await this.call('DEL', conf, 's3c', 's3c');
        });
        return { up, down };
      })])),
      C20: () => {
        const ns = names('c20c');
        const conf = cniConf('c20', 'cni-c20', '10.15.0.0/24');
        return withNetns(ns, () => concurrently(ns.map((n) => async () => {
          await this.call('ADD', conf, n, n);
          await this.call('DEL', conf, n, n);
        })));
      },
    };
  }
}

// ---------------------------------------------------------------- netavark

/** netavark's network options: podman does IPAM, so each container comes with its static IP. */
function netavarkOpts(netIdx, netName, bridge, prefix, host, containerId, ports = 0) {
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
    port_mappings: portList(ports).map((p) => ({ host_ip: '', container_port: p.container, host_port: p.host, range: 1, protocol: 'tcp' })),
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
    const attachEach = async (ns, o) => {
      await this.host.addNetns(ns);
      try {
        const up = await timed(async () => {
          for (const [i, n] of ns.entries()) await this.call('setup', o[i], n);
        });
        await expectVeths(this.host, ns.length);
        if (o.ports) await expectDnats(this.host, o.ports);
        const down = await timed(async () => {
          for (const [i, n] of ns.entries()) await this.call('teardown', o[i], n);
        });
        return { up, down };
      } finally {
        await this.host.delNetns(ns);
      }
    };
    return {
      S1b: () => {
        const ns = names('s1bc');
        return attachEach(ns, ns.map((n, i) => netavarkOpts(i, `s1b${i}`, `nv-s1b${i}`, `10.11.${i}`, 2, hex64('c1', i))));
      },
      S2: () => {
        const ns = names('s2c');
        return attachEach(ns, ns.map((n, i) => netavarkOpts(100, 's2', 'nv-s2', '10.12.0', i + 2, hex64('c2', i))));
      },
      // S3 only: with 500 ports netavark needs minutes (one iptables process per rule, checked first), too long for a bounded run
      S3: () => {
        const o = [netavarkOpts(101, 's3', 'nv-s3', '10.14.0', 2, hex64('c3', 0), PORTS.S3)];
        o.ports = PORTS.S3;
        return attachEach(['s3c'], o);
      },
      C20: async () => {
        const ns = names('c20c');
        const o = ns.map((n, i) => netavarkOpts(102, 'c20', 'nv-c20', '10.15.0', i + 2, hex64('c4', i)));
        await this.host.addNetns(ns);
        try {
          // podman runs netavark under its network lock: two calls at once on one network race
          // (a teardown deletes the bridge another setup just joined)
          let lock = Promise.resolve();
          const locked = (fn) => (lock = lock.then(fn, fn));
          return await concurrently(ns.map((n, i) => async () => {
            await locked(() => this.call('setup', o[i], n));
            await locked(() => this.call('teardown', o[i], n));
          }));
        } finally {
          await this.host.delNetns(ns);
        }
      },
    };
  }
}

// ---------------------------------------------------------------- Docker

/** dockerd in its own throwaway host, spoken to through its API (a unix socket reached through the holder's /proc root). */
class Docker {
  static async create() {
    const d = new Docker();
    d.host = await Host.create('docker', { pidNs: true });
    // dockerd writes its trust key to /etc/docker (docker.io's directory) on first start: the
    // machine's own, unless the host's (private) mount namespace has a tmpfs there
    if (existsSync('/etc/docker')) await d.host.sh(['mount', '-t', 'tmpfs', 'bench-etc-docker', '/etc/docker']);
    const logFd = openSync(path.join(dir, 'dockerd.log'), 'a');
    // -p: nsenter forks, dockerd is its child inside the host's PID namespace
    d.daemon = spawn('nsenter', ['-t', String(d.host.pid), '-n', '-m', '-p', '--', DOCKERD, '--data-root', '/run/docker-data',
      '--exec-root', '/run/docker-exec', '--pidfile', '/run/docker.pid', '--host', 'unix:///run/docker.sock'],
    { stdio: ['ignore', logFd, logFd], cwd: '/' });
    started.push(d.daemon);
    d.socket = `/proc/${d.host.pid}/root/run/docker.sock`;
    for (let i = 0; i < 300; i++) {
      if (d.daemon.exitCode !== null) throw new Error(`dockerd exited: ${readFileSync(path.join(dir, 'dockerd.log'), 'utf8').slice(-2000)}`);
      try {
        await d.api('GET', '/_ping');
        break;
      } catch {
        await sleep(100);
      }
    }
    d.pid = Number(readFileSync(`/proc/${d.daemon.pid}/task/${d.daemon.pid}/children`, 'utf8').trim().split(' ')[0]); // dockerd itself
    // an image with nothing but busybox (no registry here): sleep is all a container runs
    const rootfs = path.join(dir, 'rootfs');
    mkdirSync(path.join(rootfs, 'bin'), { recursive: true });
    copyFileSync(BUSYBOX, path.join(rootfs, 'bin/busybox'));
    symlinkSync('busybox', path.join(rootfs, 'bin/sleep'));
    const tar = execFileSync('tar', ['-C', rootfs, '-c', '.'], { maxBuffer: 256 << 20 });
    await d.api('POST', '/images/create?fromSrc=-&repo=berth-bench&tag=1', tar, 'application/x-tar');
    // S1b, S2 and C20 connect these running containers (on Docker's default bridge) to their networks
    d.ctrs = names('dc');
    for (const c of d.ctrs) {
      await d.api('POST', `/containers/create?name=${c}`, { Image: 'berth-bench:1', Cmd: ['sleep', '100000'] });
      await d.api('POST', `/containers/${c}/start`);
    }
    return d;
  }

  /** One API call; rejects on an HTTP error. */
  api(method, p, body, type = 'application/json') {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
      const req = http.request({ socketPath: this.socket, method, path: `/v1.41${p}`, headers: data ? { 'Content-Type': type, 'Content-Length': data.length } : {} }, (res) => {
        let out = '';
        res.on('data', (c) => (out += c));
        res.on('end', () => (res.statusCode < 300 ? resolve(out) : reject(new Error(`docker ${method} ${p}: ${res.statusCode} ${out}`))));
      });
      req.on('error', reject);
      req.end(data);
    });
  }

  netCreate(name, subnet) {
    return this.api('POST', '/networks/create', { Name: name, Driver: 'bridge', CheckDuplicate: true, IPAM: { Config: [{ Subnet: subnet }] } });
  }

  scenarios() {
    const conn = (net, c) => this.api('POST', `/networks/${net}/connect`, { Container: c });
    const disc = (net, c) => this.api('POST', `/networks/${net}/disconnect`, { Container: c, Force: false });
    const vethsWith = async (n) => expectVeths(this.host, N + n); // the 20 containers' own bridge veths, plus n
    return {
      S1: async () => {
        const nets = names('s1n');
        const up = await timed(async () => {
          for (const [i, n] of nets.entries()) await this.netCreate(n, `10.10.${i}.0/24`);
        });
        const down = await timed(async () => {
          for (const n of nets) await this.api('DELETE', `/networks/${n}`);
        });
        return { up, down };
      },
      S1b: async () => {
        const nets = names('s1bn');
        const up = await timed(async () => {
          for (const [i, n] of nets.entries()) {
            await this.netCreate(n, `10.11.${i}.0/24`);
            await conn(n, this.ctrs[i]);
          }
        });
        await vethsWith(N);
        const down = await timed(async () => {
          for (const [i, n] of nets.entries()) {
            await disc(n, this.ctrs[i]);
            await this.api('DELETE', `/networks/${n}`);
          }
        });
        return { up, down };
      },
      S2: async () => {
        await this.netCreate('s2net', '10.12.0.0/24');
        try {
          const up = await timed(async () => {
            for (const c of this.ctrs) await conn('s2net', c);
          });
          await vethsWith(N);
          const down = await timed(async () => {
            for (const c of this.ctrs) await disc('s2net', c);
          });
          return { up, down };
        } finally {
          await this.api('DELETE', '/networks/s2net');
        }
      },
      // a container with published ports is created, started and force-removed (ports are bound on
      // start); not S3-500: two docker-proxy processes per port make that take minutes
      S3: async () => {
        const n = PORTS.S3;
        await this.netCreate('s3net', '10.14.0.0/24');
        const bindings = Object.fromEntries(portList(n).map((p) => [`${p.container}/tcp`, [{ HostPort: String(p.host) }]]));
        const exposed = Object.fromEntries(portList(n).map((p) => [`${p.container}/tcp`, {}]));
        try {
          const up = await timed(async () => {
            await this.api('POST', '/containers/create?name=s3c', { Image: 'berth-bench:1', Cmd: ['sleep', '100000'], ExposedPorts: exposed, HostConfig: { NetworkMode: 's3net', PortBindings: bindings } });
            await this.api('POST', '/containers/s3c/start');
          });
          await vethsWith(1);
          await expectDnats(this.host, n);
          const down = await timed(() => this.api('DELETE', '/containers/s3c?force=1'));
          return { up, down };
        } finally {
          await this.api('DELETE', '/networks/s3net');
        }
      },
      C20: async () => {
        // a network of its own per repetition: Docker 20.10 sometimes keeps an endpoint after 20
        // concurrent disconnects and then refuses the delete; one it kept must not end the run
        const net = `c20net${(this.c20 = (this.c20 ?? 0) + 1)}`;
        await this.netCreate(net, `10.15.${this.c20}.0/24`);
        try {
          return await concurrently(this.ctrs.map((c) => async () => {
            await conn(net, c);
            await disc(net, c);
          }), () => this.api('GET', '/networks'));
        } finally {
          await this.dropNetwork(net);
        }
      },
    };
  }

  /** Deletes a network, forcing off every endpoint Docker still lists (kept ones by their name too); logs, never throws, if Docker still refuses. */
  async dropNetwork(net) {
    for (let i = 0; i < 5; i++) {
      try {
        await this.api('DELETE', `/networks/${net}`);
        return;
      } catch (err) {
        const left = await this.api('GET', `/networks/${net}`).then((r) => Object.values(JSON.parse(r).Containers ?? {}).map((e) => e.Name)).catch(() => []);
        for (const c of [...this.ctrs, ...left]) await this.api('POST', `/networks/${net}/disconnect`, { Container: c, Force: true }).catch(() => {});
        if (i === 4) log(`Docker kept ${net} (${err.message.slice(0, 120)}); it goes with the bench's throwaway daemon`);
        else await sleep(200);
      }
    }
  }

  async stop() {
    for (const c of this.ctrs ?? []) await this.api('DELETE', `/containers/${c}?force=1`).catch(() => {});
    if (this.daemon.exitCode === null) {
      try {
        process.kill(this.pid, 'SIGTERM');
      } catch {}
      await Promise.race([new Promise((r) => this.daemon.once('exit', r)), sleep(15000)]);
    }
  }
}

// ---------------------------------------------------------------- peers: install or skip

let aptUpdated = false;
function hasPackageBinary(file, pkg) {
  if (existsSync(file)) return true;
  if (opts['no-install']) return false;
  log(`installing ${pkg} …`);
  const install = () => execFileSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  try {
    install();
  } catch {
    try {
      if (!aptUpdated) execFileSync('apt-get', ['update'], { stdio: 'ignore' });
      aptUpdated = true;
      install();
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

/** Successful execve calls in a `strace -f -ttt` file, each with its time (epoch ms) and program. */
function execsIn(file) {
  if (!existsSync(file)) return [];
  const out = [];
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    const m = /^(?:\d+\s+)?(\d+\.\d+) execve\("([^"]+)".*\) = 0$/.exec(l);
    if (m) out.push({ t: Number(m[1]) * 1000, prog: path.basename(m[2]) });
  }
  return out;
}

// How Berth starts a container's own process (the shim drops privileges with
// setpriv, sets the environment with env, then execs the command, `sleep`
// here): the workload, not the wiring, so it is shown apart and not counted;
// Docker's count (dockerd) does not hold its runc/containerd-shim either.
const WORKLOAD = new Set(['setpriv', 'env', 'sleep']);

/** Programs started within [from, to], per operation (ops operations in that phase), by program; `workload` ones apart. */
function perOp(execs, [from, to], ops, workload = new Set()) {
  const byProg = {};
  const apart = {};
  let total = 0;
  for (const e of execs) {
    if (e.t < from || e.t > to) continue;
    if (workload.has(e.prog)) {
      apart[e.prog] = (apart[e.prog] ?? 0) + 1;
      continue;
    }
    total++;
    byProg[e.prog] = (byProg[e.prog] ?? 0) + 1;
  }
  const per = (x) => Object.fromEntries(Object.entries(x).map(([p, n]) => [p, n / ops]));
  return { total: total / ops, byProg: per(byProg), workload: per(apart) };
}

/**
 * Waits until a strace output file has not grown for 500 ms (at most 5 s): work an engine does after it
 * answered (Berth deletes unplugged links and commits deletions in the background, and starts its next
 * spare shim) belongs to the operation that caused it, so the count waits for it.
 */
async function settled(file) {
  const size = () => (existsSync(file) ? statSync(file).size : 0);
  const end = Date.now() + 5000;
  let last = size();
  let since = Date.now();
  while (Date.now() < end && Date.now() - since < 500) {
    await sleep(50);
    const now = size();
    if (now !== last) [last, since] = [now, Date.now()];
  }
  marks.push([since - 500, since]); // the end of the settled window, for the whole-operation count
}

/**
 * Berth's work for a container's attach + detach is done, background included (the S3 counts: one
 * container, so "done" is the host as before the attach): no DNAT rule left (deletions commit in the
 * background) and no `table ip raw` (iptables-nft makes it with the first endpoint's rules; Berth drops
 * it, empty, once no endpoint came back for 2 s: engine.ts dropRawWhenIdle). Polled from outside the
 * helper (these programs are not the helper's), at most 15 s.
 */
async function berthIdle(host) {
  const nft = await host.sh(['nft', '--version']).then(() => true, () => false);
  const raw = () => (nft ? host.sh(['nft', 'list', 'table', 'ip', 'raw']).then(() => true, () => false) : false);
  const dnats = async () => (await host.sh(['iptables-save', '-t', 'nat']).catch(() => '')).split('\n').some((l) => l.includes('DNAT'));
  const end = Date.now() + 15_000;
  while ((await raw()) || (await dnats())) {
    if (Date.now() > end) throw new Error('Berth\'s background work (DNAT rules deleted, the empty raw table dropped) not done after 15 s');
    await sleep(100);
  }
}

/** Runs fn with strace following an (already running) daemon and everything it starts. */
async function straceDaemon(pid, file, fn) {
  // the daemon's long-lived children too (Berth's spawner and ip co-process): -f follows only new ones
  const tree = (p) => [p, ...readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').split(' ').filter(Boolean).flatMap((c) => { try { return tree(c); } catch { return []; } })];
  const pids = tree(String(pid)).flatMap((p) => ['-p', p]);
  const st = spawn('strace', ['-f', '-qq', '-ttt', '-e', 'trace=execve', '-e', 'signal=none', '-o', file, ...pids], { stdio: 'ignore' });
  started.push(st);
  for (let i = 0; i < 100; i++) {
    const tracer = /TracerPid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (tracer && tracer !== '0') break;
    await sleep(20);
  }
  try {
    const r = await fn();
    await settled(file);
    return r;
  } finally {
    st.kill('SIGINT'); // strace detaches cleanly on SIGINT
    await new Promise((r) => (st.exitCode !== null ? r() : st.once('exit', r)));
  }
}

const opsPerPhase = (sc) => (sc === 'S3' || sc === 'S3-500' ? 1 : N);

/** One extra, untimed pass per scenario under strace: programs each engine starts per operation, attach and detach apart. */
async function countPass(engines, peers) {
  log('counting programs (strace, untimed) …');
  const counts = {}; // sc -> label -> { up, down }
  const scs = ONLY.filter((s) => s !== 'C20');
  for (const [label, e] of Object.entries(engines)) {
    if (label === 'Berth (CLI)') continue; // the same helper work as RPC, plus one node per operation
    for (const sc of scs) {
      if (!e.s[sc]) continue;
      const file = path.join(dir, `strace-${label.replace(/\W+/g, '_')}-${sc}`);
      // S3 on Berth: the count ends when the pair's work is done, background included (berthIdle), and
      // before the network is removed: the "until quiet" window no longer ends by timing alone
      let quietMark = null;
      if (e.berth && PORTS[sc]) {
        e.berth.beforeAttach = () => berthIdle(e.berth.host);
        e.berth.afterDetach = async () => {
          await berthIdle(e.berth.host);
          await settled(file);
          quietMark = marks.at(-1);
        };
      }
      try {
        marks.length = 0;
        if (e.daemonPid) await straceDaemon(e.daemonPid(), file, () => e.s[sc]());
        else {
          const peer = peers[label];
          const inHost = `/run/strace-${sc}`; // inside the peer's host: strace runs there, wrapping every call
          peer.wrap = ['strace', '-f', '-qq', '-ttt', '-A', '-e', 'trace=execve', '-e', 'signal=none', '-o', inHost];
          try {
            await e.s[sc]();
          } finally {
            peer.wrap = [];
          }
          execFileSync('sh', ['-c', `nsenter -t ${peer.host.pid} -n -m -- cat ${inHost} > ${file}`]);
        }
        const execs = execsIn(file);
        // a daemon's pass ends with the settled window (see settled()); a wrapped peer's programs end with its calls
        const [up, down] = marks; // every scenario times its attach, then its detach
        const quiet = quietMark ?? (e.daemonPid ? marks.at(-1) : null);
        const apart = label.startsWith('Berth') ? WORKLOAD : new Set();
        const ops = opsPerPhase(sc);
        // attach and detach split by time, and the whole pair (from the attach's start until the engine went
        // quiet): background work can cross the line between the phases, the whole pair cannot miss it
        const whole = perOp(execs, [up[0], quiet ? quiet[1] : down[1]], ops, apart);
        (counts[sc] ??= {})[label] = { up: perOp(execs, up, ops, apart), down: perOp(execs, down, ops, apart), whole };
      } catch (err) {
        log(`counting ${label} ${sc} failed: ${err.message}`);
      } finally {
        if (e.berth) e.berth.beforeAttach = e.berth.afterDetach = undefined;
      }
    }
  }
  return counts;
}

// ---------------------------------------------------------------- calibration

/**
 * Reference costs on this machine, in a bare throwaway host: a veth pair through ip(8), node's own start, the CLI's start.
 * `node -e 0` is timed in this environment and, where NODE_EXTRA_CA_CERTS is set, without it too: Node 20 reads that
 * file at every start, and bin/berth drops it (Berth never speaks TLS), so the second is the floor of a CLI command.
 */
async function calibrate() {
  const h = await Host.create('calibration');
  const veth = [];
  for (let i = 0; i < 10; i++) {
    veth.push(await timed(async () => {
      await h.sh(['ip', 'link', 'add', 'calA', 'type', 'veth', 'peer', 'name', 'calB']);
      await h.sh(['ip', 'link', 'del', 'calA']);
    }));
  }
  // the two nsenter hops are part of every call above: take them out
  const nsenter = [];
  for (let i = 0; i < 10; i++) nsenter.push(await timed(() => h.sh(['true'])));
  const node = [];
  for (let i = 0; i < 10; i++) node.push(await timed(() => run([process.execPath, '-e', '0'])));
  const bareEnv = { ...process.env };
  delete bareEnv.NODE_EXTRA_CA_CERTS;
  const bare = [];
  if (process.env.NODE_EXTRA_CA_CERTS) for (let i = 0; i < 10; i++) bare.push(await timed(() => run([process.execPath, '-e', '0'], { env: bareEnv })));
  const version = [];
  for (let i = 0; i < 10; i++) version.push(await timed(() => run([BERTH_BIN, 'version'], { env: cliEnv(process.env) })));
  await h.destroy();
  return { veth: median(veth) - 2 * median(nsenter), node: median(node), nodeBare: bare.length ? median(bare) : null, version: median(version) };
}

// ---------------------------------------------------------------- main

const ROWS = [
  // [row label, scenario key]; an engine has a row when it implements that scenario
  ['S1: 20 networks create + delete', 'S1'],
  ['S1b: 20 × (network + container) attach, detach, delete', 'S1b'],
  ['S2: 20 containers attached to one network, detached', 'S2'],
  ['S2run: 20 `berth run -d` + `rm -f`', 'S2run'],
  ['S3: one container, 50 published ports, attach + detach', 'S3'],
  ['S3-500: the same with 500 ports', 'S3-500'],
].filter(([, sc]) => ONLY.includes(sc));

async function main() {
  const hostBefore = machineSnapshot();
  const engines = {}; // label -> { s: scenario functions, daemonPid?: () => pid }
  const peers = {};
  const skipped = [];
  let berth;
  let docker;
  let hostsStray = 0;
  let results;
  let counts = {};
  let leftovers = {};
  let cal;
  const loads = [];
  try {
    berth = await Berth.create();
    if (!opts['no-cli']) engines['Berth (CLI)'] = { s: berthScenarios(berth, berthCli(berth)) };
    if (!opts['no-rpc']) engines['Berth (RPC)'] = { s: berthScenarios(berth, berthRpc(berth)), daemonPid: () => berth.helper.pid, berth };
    if (hasPackageBinary(`${CNI_DIR}/bridge`, 'containernetworking-plugins')) {
      peers.CNI = await Cni.create();
      engines.CNI = { s: peers.CNI.scenarios() };
    } else skipped.push('CNI: containernetworking-plugins could not be installed');
    if (hasPackageBinary(NETAVARK, 'netavark')) {
      peers.netavark = await Netavark.create();
      engines.netavark = { s: peers.netavark.scenarios() };
    } else skipped.push('netavark: the netavark package could not be installed');
    if (opts['no-docker']) skipped.push('Docker: --no-docker');
    else if (hasDocker()) {
      docker = await Docker.create();
      engines.Docker = { s: docker.scenarios(), daemonPid: () => docker.pid };
    } else skipped.push('Docker: docker.io or busybox-static could not be installed');
    for (const s of skipped) log(`skipped ${s}`);

    results = {}; // scenario -> engine -> [{up, down}] (index = repetition)
    // warm-up, untimed: first runs load kernel modules (bridge, veth, nf_tables), page in node and the binaries
    log('warm-up …');
    for (const e of Object.values(engines)) if (e.s.S2) await e.s.S2();

    loads.push(loadavg()[0]);
    const deadline = Date.now() + 60 * 60 * 1000; // bounded: stop repeating after an hour
    for (let rep = 0; rep < REPS && Date.now() < deadline; rep++) {
      log(`rep ${rep + 1}/${REPS}: load average ${loadavg()[0].toFixed(2)}`);
      for (const sc of ONLY) {
        const entries = Object.entries(engines).filter(([, e]) => e.s[sc]);
        const order = entries.map((_, i) => entries[(i + rep) % entries.length]); // rotate per repetition
        for (const [label, e] of order) {
          const r = await e.s[sc]();
          ((results[sc] ??= {})[label] ??= [])[rep] = r;
          log(`rep ${rep + 1}/${REPS} ${sc.padEnd(6)} ${label.padEnd(12)} up ${r.up.toFixed(0).padStart(6)} ms  down ${r.down.toFixed(0).padStart(6)} ms`);
        }
      }
    }
    loads.push(loadavg()[0]);

    // The CLI overhead per command: S2 through the CLI and through RPC back to back, which
    // one first alternating, OVERHEAD_ROUNDS times: the two halves of each difference see
    // the same load (in the repetitions above they are other engines' runs apart).
    const overhead = [];
    if (engines['Berth (CLI)'] && engines['Berth (RPC)'] && ONLY.includes('S2')) {
      log(`CLI overhead: ${OVERHEAD_ROUNDS} rounds of S2 through the CLI and through RPC, back to back …`);
      for (let i = 0; i < OVERHEAD_ROUNDS && Date.now() < deadline + 10 * 60 * 1000; i++) {
        const pair = {};
        for (const label of i % 2 ? ['Berth (RPC)', 'Berth (CLI)'] : ['Berth (CLI)', 'Berth (RPC)']) pair[label] = await engines[label].s.S2();
        const total = (r) => r.up + r.down;
        overhead.push((total(pair['Berth (CLI)']) - total(pair['Berth (RPC)'])) / (2 * N));
      }
    }

    cal = await calibrate();
    if (!opts['no-count'] && hasStrace()) counts = await countPass(engines, peers);
    else log('program counts skipped (no strace, or --no-count)');

    for (const h of hosts) if (h.name !== 'calibration') leftovers[h.name] = await h.leftovers();
    printResults(results, counts, skipped, leftovers, cal, loads, overhead);
    // what the helper complained about during the run (a DNS listener it could not open, a failed drift check)
    const complaints = existsSync(path.join(dir, 'helper.log')) ? readFileSync(path.join(dir, 'helper.log'), 'utf8').split('\n').filter((l) => /cannot|failed|not saved/.test(l)) : [];
    console.log(`\nHelper log: ${complaints.length ? `${complaints.length} complaint(s):\n${complaints.slice(0, 5).map((l) => `- ${l}`).join('\n')}` : 'no complaints (no DNS listener refused, no failed drift check)'}`);
  } catch (e) {
    console.error(`bench failed: ${e.stack ?? e}`);
    if (existsSync(path.join(dir, 'helper.log'))) console.error(`helper log:\n${readFileSync(path.join(dir, 'helper.log'), 'utf8').slice(-4000)}`);
    process.exitCode = 1;
  } finally {
    // cleanup runs even when a scenario failed: the bench must leave nothing behind
    await berth?.stop().catch(() => {});
    await docker?.stop().catch(() => {});
    for (const h of hosts) hostsStray += await h.destroy();
    // what the hosts' ends killed: let their exits be noticed (bounded) before the final check
    await Promise.all(started.map((p) => (p.exitCode === null && p.signalCode === null ? Promise.race([new Promise((r) => p.once('exit', r)), sleep(5000)]) : null)));
    rmSync(dir, { recursive: true, force: true });
    finalCheck(hostBefore, hosts, hostsStray);
  }
}

/**
 * dockerd and a busybox to make an image from. Installing docker.io must not start a daemon on the
 * machine itself (its postinst would, where systemd runs): a policy-rc.d refuses service starts
 * for the install, and the units it enables are disabled again.
 */
function hasDocker() {
  if (existsSync(DOCKERD) && existsSync(BUSYBOX)) return true;
  if (opts['no-install']) return false;
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  try {
    if (ownPolicy) execFileSync('sh', ['-c', `printf '#!/bin/sh\\nexit 101\\n' > ${policy} && chmod 755 ${policy}`]);
    const hadDocker = existsSync(DOCKERD);
    hasPackageBinary(DOCKERD, 'docker.io');
    hasPackageBinary(BUSYBOX, 'busybox-static');
    if (!hadDocker && existsSync(DOCKERD)) {
      try {
        execFileSync('systemctl', ['disable', 'docker.service', 'docker.socket'], { stdio: 'ignore' });
      } catch {}
    }
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
  return existsSync(DOCKERD) && existsSync(BUSYBOX);
}

// ---------------------------------------------------------------- report

const fmt = (x) => (x === undefined || Number.isNaN(x) ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(1));
const totals = (xs) => xs.filter(Boolean).map((x) => x.up + x.down);
const range = (xs) => `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;

/** Per-repetition ratios a/b (same repetition only): median and min–max. */
function ratios(a, b) {
  const rs = [];
  for (let i = 0; i < Math.min(a?.length ?? 0, b?.length ?? 0); i++) if (a[i] && b[i]) rs.push((a[i].up + a[i].down) / (b[i].up + b[i].down));
  return rs.length ? { med: median(rs), min: Math.min(...rs), max: Math.max(...rs), n: rs.length } : null;
}
const ratioText = (r) => (r ? `${r.med.toFixed(2)} (${r.min.toFixed(2)}–${r.max.toFixed(2)})` : '—');

function printResults(results, counts, skipped, leftovers, cal, loads, overhead = []) {
  const labels = [...new Set(Object.values(results).flatMap((r) => Object.keys(r)))];
  const reps = Math.max(0, ...Object.values(results).flatMap((r) => Object.values(r).map((x) => x.filter(Boolean).length)));
  const out = (l = '') => console.log(l);
  out(`\n## engine.bench.mjs — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} cores (${cpus()[0]?.model.trim()}), kernel ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}, Node ${process.versions.node}`);
  out(`\n${reps} interleaved repetitions (order rotated each time); 1-minute load average ${loads.map((l) => l.toFixed(1)).join(' → ')} (before → after).`);
  out('\nMedians in ms, total of the attach/create and detach/delete phases, with min–max over the repetitions:\n');
  out(`| scenario | ${labels.join(' | ')} |`);
  out(`|---|${labels.map(() => '---|').join('')}`);
  for (const [rowLabel, sc] of ROWS) {
    const r = results[sc] ?? {};
    out(`| ${rowLabel} | ${labels.map((l) => (r[l] ? `${fmt(median(totals(r[l])))} (${range(totals(r[l]))})` : '—')).join(' | ')} |`);
  }

  const peerLabels = labels.filter((l) => !l.startsWith('Berth'));
  const berthLabels = labels.filter((l) => l.startsWith('Berth'));
  out('\nBerth ÷ peer, per repetition (both measured in the same repetition): median (min–max). Below 1: Berth is faster.\n');
  out(`| scenario | ${berthLabels.flatMap((b) => peerLabels.map((p) => `${b} ÷ ${p}`)).join(' | ')} |`);
  out(`|---|${berthLabels.flatMap(() => peerLabels.map(() => '---|')).join('')}`);
  for (const [rowLabel, sc] of ROWS) {
    const r = results[sc] ?? {};
    out(`| ${rowLabel.split(':')[0]} | ${berthLabels.flatMap((b) => peerLabels.map((p) => ratioText(ratios(r[b], r[p])))).join(' | ')} |`);
  }

  out('\nPer operation, ms (phase medians ÷ operations: attach or create + detach or delete):\n');
  out(`| scenario | ${labels.join(' | ')} |`);
  out(`|---|${labels.map(() => '---|').join('')}`);
  for (const [, sc] of ROWS) {
    const r = results[sc] ?? {};
    const ops = opsPerPhase(sc);
    out(`| ${sc} | ${labels.map((l) => (r[l] ? `${fmt(median(r[l].filter(Boolean).map((x) => x.up)) / ops)} + ${fmt(median(r[l].filter(Boolean).map((x) => x.down)) / ops)}` : '—')).join(' | ')} |`);
  }

  const c20 = results.C20 ?? {};
  if (Object.keys(c20).length) {
    out(`\nC20: ${N} clients at once, each attaching and detaching its own container on one network (${2 * N} mutations); a reader lists networks meanwhile (Berth RPC, Docker). Medians over the repetitions:\n`);
    out('| engine | wall ms | mutations/s | latency p50 ms | reads p50 ms (n) |');
    out('|---|---|---|---|---|');
    for (const [l, xs] of Object.entries(c20)) {
      const ok = xs.filter(Boolean);
      const wall = median(ok.map((x) => x.up));
      const reads = ok.flatMap((x) => x.reads);
      out(`| ${l} | ${fmt(wall)} | ${(ok[0].ops / (wall / 1000)).toFixed(1)} | ${fmt(median(ok.flatMap((x) => x.lat)))} | ${reads.length ? `${fmt(median(reads))} (${reads.length})` : '—'} |`);
    }
  }

  const nodeCal = cal.nodeBare === null ? `\`node -e 0\` ${fmt(cal.node)} ms`
    : `\`node -e 0\` ${fmt(cal.node)} ms with NODE_EXTRA_CA_CERTS as set here, ${fmt(cal.nodeBare)} ms without (bin/berth drops it)`;
  out(`\nCalibration in a bare throwaway namespace (medians of 10): a veth pair add + del through ip(8) ${fmt(cal.veth)} ms; ${nodeCal}; \`bin/berth version\` ${fmt(cal.version)} ms.`);
  const cliOver = {};
  for (const sc of ['S2', 'S1']) {
    const cli = results[sc]?.['Berth (CLI)'];
    const rpc = results[sc]?.['Berth (RPC)'];
    if (!cli || !rpc) continue;
    const per = [];
    for (let i = 0; i < Math.min(cli.length, rpc.length); i++) if (cli[i] && rpc[i]) per.push(((cli[i].up + cli[i].down) - (rpc[i].up + rpc[i].down)) / (2 * N));
    cliOver[sc] = median(per);
    out(`CLI overhead per command (${sc}: (CLI − RPC) ÷ ${2 * N} commands, per repetition, median): ${fmt(cliOver[sc])} ms = ${(cliOver[sc] / cal.veth).toFixed(2)} × the veth pair.`);
  }
  if (overhead.length) {
    cliOver.S2 = median(overhead);
    const x = (v) => (v / cal.veth).toFixed(2);
    out(`CLI overhead per command, S2 through the CLI and through RPC back to back (${overhead.length} rounds, median (min–max)): ${fmt(cliOver.S2)} ms = ${x(cliOver.S2)} × the veth pair (${x(Math.min(...overhead))}–${x(Math.max(...overhead))}); the goal reads this one.`);
  }

  if (Object.keys(counts).length) {
    out('\nPrograms started per operation (successful execve by the engine and everything it started, from one extra untimed pass under `strace -f`; Berth (CLI) starts the same as Berth (RPC) plus one `node` per command; Docker: by dockerd; the process of a Berth container is shown apart), attach / detach:\n');
    out('| scenario | engine | attach | detach | attach + detach, until quiet | by program (attach; detach) |');
    out('|---|---|---|---|---|---|');
    for (const [, sc] of ROWS) {
      for (const [l, c] of Object.entries(counts[sc] ?? {})) {
        const list = (o) => Object.entries(o).sort((a, b) => b[1] - a[1]).map(([p, n]) => `${p} ${fmt(n)}`).join(', ');
        const by = (x) => (list(x.byProg) || 'none') + (Object.keys(x.workload).length ? ` (container's own process, not counted: ${list(x.workload)})` : '');
        out(`| ${sc} | ${l} | ${fmt(c.up.total)} | ${fmt(c.down.total)} | ${fmt(c.whole.total)} | ${by(c.up)}; ${by(c.down)} |`);
      }
    }
  }

  // The goals of the engine work, checked on this run's numbers.
  const goal = (text, value, ok) => out(`- ${ok === null ? '?' : ok ? 'met' : 'NOT met'}: ${text}${value ? ` — ${value}` : ''}`);
  const r = (sc, peer) => ratios(results[sc]?.['Berth (RPC)'], results[sc]?.[peer]);
  out('\nGoals (Berth over one RPC connection unless said otherwise; per-repetition ratio medians):');
  for (const [sc, peer, max] of [['S2', 'netavark', 0.7], ['S1b', 'CNI', 0.7], ['S1', 'Docker', 0.2], ['S3', 'CNI', 0.125], ['S3-500', 'CNI', 0.05]]) {
    if (!ONLY.includes(sc)) continue;
    const x = r(sc, peer);
    goal(`${sc} ≤ ${max} × ${peer}`, x ? `${x.med.toFixed(2)}` : `no ${peer} numbers`, x ? x.med <= max : null);
  }
  if (cliOver.S2 !== undefined) goal('CLI overhead per command ≤ 1 × a veth pair add+del', `${(cliOver.S2 / cal.veth).toFixed(2)} ×`, cliOver.S2 <= cal.veth);
  const p3 = counts.S3?.['Berth (RPC)'];
  const p500 = counts['S3-500']?.['Berth (RPC)'];
  // judged on the whole pair: a program that runs after the attach answered (a spare shim, a mount of the
  // container's start) lands in one phase or the other by timing alone
  if (p3 && p500) goal('programs per operation do not grow with ports (S3-500 = S3)', `attach + detach until quiet: S3 ${fmt(p3.whole.total)}, S3-500 ${fmt(p500.whole.total)} (attach / detach: ${fmt(p3.up.total)}/${fmt(p3.down.total)} vs ${fmt(p500.up.total)}/${fmt(p500.down.total)})`, p500.whole.total <= p3.whole.total);
  const cb = c20['Berth (RPC)']?.filter(Boolean);
  if (cb?.length) {
    const rate = cb[0].ops / (median(cb.map((x) => x.up)) / 1000);
    goal('20 concurrent clients: ≥ 30 mutations/s (10× the 3/s measured before this work)', `${rate.toFixed(1)}/s`, rate >= 30);
    const reads = cb.flatMap((x) => x.reads);
    const lat = median(cb.flatMap((x) => x.lat));
    if (reads.length) goal('reads do not wait behind mutations (read p50 < 1/4 of mutation p50)', `${fmt(median(reads))} vs ${fmt(lat)} ms`, median(reads) < lat / 4);
  }

  for (const s of skipped) out(`Skipped: ${s}`);
  out('\nLeft inside each throwaway host after every teardown (gone with the host):');
  for (const [h, l] of Object.entries(leftovers)) out(`- ${h}: links [${l.links.join(', ')}], ${l.rules} iptables rules, netns [${l.netns.join(', ')}]`);
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
  console.log(problems.length ? `\nNOT CLEAN:\n${problems.join('\n')}` : '\nclean: every namespace, bridge, daemon, helper and temp dir this bench made is gone');
  if (problems.length) process.exitCode = 1;
}

await main();
