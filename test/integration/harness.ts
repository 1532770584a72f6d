import { build } from 'esbuild';
import { execa, type ResultPromise } from 'execa';
import { copyFileSync, cpSync, existsSync, linkSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, readFile, readlink, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach } from 'vitest';
import { connectHelper } from '../../helper/src/client/unix-client';
// the helper's malloc settings, as every start of a real helper gives them
import { HELPER_ENV } from '../../helper/src/helper-node-flags';

// A throwaway "host" for one test file: its own network, mount and PID
// namespace (netavark's holder-process pattern), so the machine's links and
// rules are never touched and the host sees none of the machine's processes.
// Everything — helper, containers, assertions — runs in it; the CLI talks to
// the helper through a socket in a temp dir.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// The build under test: dist/ as it was when this test process started,
// copied. `npm run build:helper` deletes dist/ and writes it again, and a
// helper started from dist/ runs its shims, spawner and lazily loaded chunks
// from there: a rebuild during a run made the next fresh shim fail to load
// ("the shim … ended (exit 1) before starting the command"). Under
// node_modules so its packages resolve from the repo; removed when the
// process ends, and a copy whose process is gone by the next start.
const DIST = copyDist();
export const BERTH = join(DIST, 'berth.mjs');
// The CLI as the tests run it: Node on the full bundle, or with
// BERTH_TEST_CLI=bun the client compiled for Bun that bin/berth runs
// (dist/berth-cli, docs/architecture.md#the-cli-start): the same tests, either runtime.
export const CLI = process.env.BERTH_TEST_CLI === 'bun' ? [bunCli()] : [process.execPath, BERTH];

function bunCli(): string {
  const f = join(DIST, 'berth-cli');
  if (!existsSync(f)) throw new Error('BERTH_TEST_CLI=bun: dist/berth-cli is missing (npm run build:helper builds it where npm installed Bun)');
  return f;
}

function copyDist(): string {
  const parent = join(ROOT, 'node_modules/.cache/berth-tests');
  mkdirSync(parent, { recursive: true });
  for (const d of readdirSync(parent)) {
    const pid = /^dist-(\d+)$/.exec(d)?.[1];
    if (pid && !existsSync(`/proc/${pid}`)) rmSync(join(parent, d), { recursive: true, force: true });
  }
  const dir = join(parent, `dist-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  // dist/berth-cli (100 MB) linked, not copied, where it can be: a rebuild writes a new file
  const cli = join(ROOT, 'dist/berth-cli');
  cpSync(join(ROOT, 'dist'), dir, { recursive: true, filter: (src) => src !== cli });
  if (existsSync(cli)) {
    try {
      linkSync(cli, join(dir, 'berth-cli'));
    } catch {
      copyFileSync(cli, join(dir, 'berth-cli'));
    }
  }
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// A TypeScript program bundled to one .mjs (once per test process), for a
// test to run inside its TestHost with `h.sh([process.execPath, file])`.
// It lands under node_modules/ so its packages resolve from the repo, and
// goes when the test process ends.
const bundles = new Map<string, Promise<string>>();
export function bundleForHost(entry: string): Promise<string> {
  let p = bundles.get(entry);
  if (!p) {
    const name = entry.replace(/^.*\//, '').replace(/\.ts$/, '');
    const outfile = join(ROOT, 'node_modules/.cache/berth-tests', `${name}.mjs`);
    const tmp = `${outfile}.${process.pid}.tmp`;
    // one file whatever the number of test processes: each builds its own and renames it over
    p = build({
      absWorkingDir: ROOT, entryPoints: [entry], outfile: tmp, bundle: true, platform: 'node', format: 'esm',
      target: 'node20', packages: 'external', logLevel: 'warning',
    }).then(async () => {
      await rename(tmp, outfile);
      return outfile;
    });
    bundles.set(entry, p);
  }
  return p;
}

// PID 1 of a test host: waits for any child, its own or adopted, forever.
const REAPER = 'import os, time\nwhile True:\n    try:\n        os.wait()\n    except ChildProcessError:\n        time.sleep(0.2)';

// The first child of a process (0 when it has none yet).
async function childOf(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return Number(text.trim().split(' ')[0]) || 0;
}

// A process's PID in the innermost PID namespace it is in (a test host's).
async function innerPid(pid: number): Promise<number> {
  return Number(/^NSpid:.*\s(\d+)\s*$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? pid);
}

// A long-running program in a test host (TestHost.spawn).
export interface InHost {
  proc: ResultPromise;
  // its PID inside the host (what the helper and `ps` there see) and outside (the runner's)
  pids(): Promise<{ inner: number; outer: number }>;
  // nsenter forks to enter the PID namespace and passes no signal on: this reaches the program itself
  signal(sig: NodeJS.Signals): Promise<void>;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export class TestHost {
  private helper: InHost | null = null;
  // the helper's PID as seen inside the host (what it reports and writes in
  // its lock), and as seen by the runner
  helperPid = 0;
  helperHostPid = 0;
  // what the running helper has printed so far (its log)
  helperLog = '';
  readonly socket: string;
  readonly dataRoot: string;

  private constructor(
    readonly holderPid: number,
    private readonly holder: ResultPromise,
    readonly dir: string,
  ) {
    this.socket = join(dir, 'berth.sock');
    this.dataRoot = join(dir, 'data');
  }

  // privateRun: a tmpfs on /run inside the host first, for a program that
  // writes fixed paths there (dockerd's containerd keeps its shims' sockets
  // in /run/containerd whatever its roots), so nothing lands on the machine's.
  static async create(opts: { privateRun?: boolean } = {}): Promise<TestHost> {
    if (process.getuid?.() !== 0) throw new Error('integration tests need root (they create network namespaces)');
    const dir = await mkdtemp(join(tmpdir(), 'berth-it-'));
    // its own PID namespace too: the helper inspects every process's network
    // namespace, and on a shared machine it must see this host's only, not
    // other tests' containers (a Docker bench's 172.17.0.3 made a "dead"
    // DNAT look alive). unshare forks: PID 1 of the new namespace is its
    // child, and as init it reaps the orphans adopted there (a container a
    // shell started in the background), which `sleep` would leave as zombies
    // that still look alive.
    const holder = execa('unshare', ['--net', '--mount', '--pid', '--fork', '--mount-proc', '--propagation', 'private', 'python3', '-c', REAPER], {
      reject: false,
      cleanup: true,
    });
    // wait until the holder is in its own namespaces with its own /proc (it
    // is python3 once --mount-proc is done): until then nsenter would enter
    // the runner's own, so going on without it is never an option
    const hostMnt = await readlink('/proc/self/ns/mnt');
    const hostNet = await readlink('/proc/self/ns/net');
    let pid = 0;
    try {
      await waitFor(async () => {
        if (holder.exitCode !== null) throw new Error(`unshare exited ${holder.exitCode}`);
        const c = await childOf(holder.pid!);
        if (!c || (await readFile(`/proc/${c}/comm`, 'utf8')).trim() !== 'python3') return false;
        const [m, n] = await Promise.all([readlink(`/proc/${c}/ns/mnt`), readlink(`/proc/${c}/ns/net`)]);
        if (m === hostMnt || n === hostNet) return false;
        pid = c;
        return true;
      }, 60_000, 'the namespace holder to enter its own namespaces', 20);
    } catch (e) {
      holder.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
    const h = new TestHost(pid, holder, dir);
    if (opts.privateRun) await h.shOk(['mount', '-t', 'tmpfs', 'berth-run', '/run']);
    await h.shOk(['mkdir', '-p', '/run/netns']);
    await h.sh(['mount', '-t', 'tmpfs', 'berth-test', '/run/netns']);
    await h.sh(['ip', 'link', 'set', 'lo', 'up']);
    return h;
  }

  // Runs argv inside the test host's namespaces.
  async sh(argv: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<Run> {
    const r = await execa('nsenter', [...this.enter(), ...argv], {
      reject: false,
      input: opts.input,
      timeout: opts.timeoutMs ?? 60_000,
      cwd: '/',
    });
    return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  }

  // nsenter into the host's network, mount and PID namespaces (it forks for the last)
  private enter(): string[] {
    return ['-t', String(this.holderPid), '-n', '-m', '-p', '--'];
  }

  // Starts argv inside the test host and leaves it running.
  spawn(argv: string[], opts: { all?: boolean; env?: Readonly<Record<string, string>> } = {}): InHost {
    const proc = execa('nsenter', [...this.enter(), ...argv], { reject: false, cleanup: true, all: opts.all ?? false, cwd: '/', env: opts.env });
    let found: Promise<{ inner: number; outer: number }> | null = null;
    const pids = () =>
      (found ??= waitFor(async () => {
        const c = await childOf(proc.pid!);
        if (c) return { inner: await innerPid(c), outer: c };
        if (proc.exitCode !== null) throw new Error(`${argv[0]} ended (exit ${proc.exitCode})`);
        return false;
      }, 60_000, `${argv[0]} to start in the test host`, 20));
    const signal = async (sig: NodeJS.Signals) => {
      const { outer } = await pids().catch(() => ({ outer: 0 }));
      try {
        if (outer) process.kill(outer, sig);
        else proc.kill('SIGKILL'); // it never got as far as its program
      } catch {
        /* gone */
      }
    };
    return { proc, pids, signal };
  }

  // Whether a PID of the test host's is alive (the runner's /proc does not know it). A zombie is
  // not: `rm -f` kills the shim with its container, so a killed command can wait a moment as a
  // zombie until its new parent reaps it (the engine's isAlive counts it as ended too).
  async alive(pid: number): Promise<boolean> {
    const r = await this.sh(['cat', `/proc/${pid}/stat`]);
    if (r.code !== 0) return false;
    return r.stdout.slice(r.stdout.lastIndexOf(')') + 2, r.stdout.lastIndexOf(')') + 3) !== 'Z';
  }

  // Runs `change`, then `read` in the same shell right after it: a test that
  // breaks what the helper repairs by itself (its drift check, every 500 ms
  // by default here) and looks that the break took, without a second
  // nsenter's start (tens of ms under load) in between for the repair to land.
  // `read`'s result; `change` must succeed.
  async shThenRead(change: string[], read: string[]): Promise<Run> {
    const q = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    const r = await this.sh(['sh', '-c', `${change.map(q).join(' ')} || { echo "change failed: $?" >&2; exit 97; }\nexec ${read.map(q).join(' ')}`]);
    if (r.code === 97 && r.stderr.includes('change failed')) throw new Error(`${change.join(' ')}: ${r.stderr}`);
    return r;
  }

  // Runs a bundled one-shot driver (test/integration/step-driver.ts) inside
  // the host: its steps on stdin, the answer of each back.
  async driveSteps<R>(driver: string, steps: unknown[]): Promise<R[]> {
    const r = await this.sh([process.execPath, driver], { input: JSON.stringify(steps) });
    if (r.code !== 0) throw new Error(`${driver}: exit ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as R[];
  }

  async shOk(argv: string[]): Promise<string> {
    const r = await this.sh(argv);
    if (r.code !== 0) throw new Error(`${argv.join(' ')}: exit ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  async startHelper(extra: string[] = []): Promise<void> {
    const helper = this.spawn([process.execPath, BERTH, 'helper', '--foreground',
      '--socket', this.socket, '--data-root', this.dataRoot, '--drift-interval', '500', ...extra], { all: true, env: HELPER_ENV });
    const p = helper.proc;
    this.helper = helper;
    this.helperLog = '';
    p.all?.on('data', (d: Buffer) => (this.helperLog += d.toString()));
    let exited = false;
    void p.then(() => (exited = true));
    await waitFor(async () => {
      if (exited) throw new Error(`helper exited: ${String((await p).all)}`);
      ({ inner: this.helperPid, outer: this.helperHostPid } = await helper.pids());
      const c = await connectHelper(this.socket);
      try {
        // each try bounded: a helper that took the connection and never answers must not hang the wait
        await Promise.race([c.call('system.info', {}), sleep(15_000).then(() => Promise.reject(new Error('system.info: no answer in 15 s')))]);
      } finally {
        c.close();
      }
      return true;
    }, 120_000, 'the helper to answer system.info', 50).catch(async (e) => {
      // an exit is the real reason: say it rather than the timeout
      if (exited) throw new Error(`helper exited: ${String((await p).all)}`);
      throw e;
    });
  }

  async stopHelper(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.helper) return;
    await this.helper.signal(signal);
    await this.helper.proc;
    this.helper = null;
  }

  // The CLI, run by the test runner (outside the test host: the socket is
  // all it needs), or with inHost inside its namespaces, as a user on that
  // host: what reads the helper's PID (`helper stop` waits for it to end)
  // must see the host's PID namespace.
  async berth(args: string[], opts: { input?: string; timeoutMs?: number; inHost?: boolean } = {}): Promise<Run> {
    const argv = [...CLI, ...args];
    const r = await execa(opts.inHost ? 'nsenter' : argv[0], opts.inHost ? [...this.enter(), ...argv] : argv.slice(1), {
      reject: false,
      env: { BERTH_SOCKET: this.socket },
      input: opts.input,
      timeout: opts.timeoutMs ?? 120_000,
    });
    return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  }

  async berthOk(args: string[]): Promise<string> {
    const r = await this.berth(args);
    if (r.code !== 0) throw new Error(`berth ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  // Back to a bare helper: every container and user network removed (and
  // the named namespaces a test made, but those in `keep`: the host's own
  // outside a shared host's other tests still need), so a test sharing this
  // host with others never finds what another one left, whatever its outcome.
  async clearBerth(keep: string[] = []): Promise<void> {
    const ids = (await this.berthOk(['ps', '-aq'])).split('\n').filter(Boolean);
    if (ids.length) await this.berthOk(['rm', '-f', ...ids]);
    await this.berthOk(['network', 'prune', '-f']);
    for (const ns of (await this.shOk(['ls', '/run/netns'])).split('\n').filter((n) => n && !n.startsWith('berth-') && !keep.includes(n)))
      await this.sh(['ip', 'netns', 'delete', ns]);
  }

  async inspect(name: string): Promise<any> {
    return JSON.parse(await this.berthOk(['inspect', name]))[0];
  }

  // Runs argv inside a container's network namespace.
  async inContainer(name: string, argv: string[], timeoutMs = 60_000): Promise<Run> {
    const key: string = (await this.inspect(name)).NetworkSettings.SandboxKey;
    if (!key) throw new Error(`${name} has no sandbox`);
    return this.sh(['nsenter', `--net=${key}`, '--', ...argv], { timeoutMs });
  }

  // Waits until a container answers ping: the first packet also waits for
  // ARP, which a loaded machine can take longer than one ping's second for.
  async pings(name: string, ip: string): Promise<boolean> {
    return waitFor(async () => (await this.inContainer(name, ping(ip))).code === 0, 60_000, `${name} to ping ${ip}`);
  }

  // An "outside" network: a namespace behind a veth, like the LAN beyond the host.
  async addOutside(name = 'outside', hostIp = '198.51.100.1', outsideIp = '198.51.100.2'): Promise<string> {
    await this.shOk(['ip', 'netns', 'add', name]);
    await this.shOk(['ip', 'link', 'add', `up-${name}`.slice(0, 15), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name]);
    await this.shOk(['ip', 'addr', 'add', `${hostIp}/24`, 'dev', `up-${name}`.slice(0, 15)]);
    await this.shOk(['ip', 'link', 'set', `up-${name}`.slice(0, 15), 'up']);
    await this.shOk(['ip', '-n', name, 'addr', 'add', `${outsideIp}/24`, 'dev', 'eth0']);
    await this.shOk(['ip', '-n', name, 'link', 'set', 'eth0', 'up']);
    await this.shOk(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
    return outsideIp;
  }

  // What the kernel holds, for "nothing left behind" comparisons.
  // A removal's links are deleted after it answers (docs/decisions.md, "Links
  // deleted in the background"): the helper's host reading waits for them.
  // A removal answers before its kernel work is over: veths and bridges are
  // deleted, and firewall deletions committed, in the background
  // (docs/decisions.md, "Links deleted in the background", "Firewall deletions
  // committed in the background"). A reading through the helper waits for
  // them, so a test that reads the kernel after a removal calls this first.
  async settled(): Promise<void> {
    const c = await connectHelper(this.socket);
    try {
      await c.call('host.inspect', {});
    } finally {
      c.close();
    }
  }

  async snapshot(): Promise<{ links: string[]; netns: string[]; rules: string[]; routes: string[]; addrs: string[] }> {
    if (this.helper) await this.settled();
    const links = JSON.parse(await this.shOk(['ip', '-j', '-d', 'link', 'show'])) as { ifname: string; master?: string; ifalias?: string }[];
    const addrs = JSON.parse(await this.shOk(['ip', '-4', '-j', 'addr', 'show'])) as { ifname: string; addr_info: { local: string; prefixlen: number }[] }[];
    const netns = (await this.shOk(['ls', '/run/netns'])).split('\n').filter(Boolean).sort();
    // a table the kernel created on first use but that holds no rule says nothing
    const rules = (await this.shOk(['iptables-save']))
      .split('*')
      .filter((t) => /\n-A |\n:[A-Z-]+ - /.test(t))
      .flatMap((t) => t.split('\n'))
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.replace(/\[\d+:\d+\]/, ''));
    // `linkdown` is carrier state (a bridge whose last port went), not a route anyone made or removed
    const routes = (await this.shOk(['ip', '-4', 'route', 'show', 'table', 'all'])).split('\n').filter(Boolean).map((r) => r.replace(/ linkdown\b/, '')).sort();
    return {
      links: links.map((l) => `${l.ifname} master=${l.master ?? '-'} alias=${l.ifalias ?? '-'}`).sort(),
      netns,
      rules,
      routes,
      addrs: addrs.flatMap((a) => a.addr_info.filter((i) => !i.local.startsWith('fe80')).map((i) => `${a.ifname} ${i.local}/${i.prefixlen}`)).sort(),
    };
  }

  async destroy(): Promise<void> {
    await this.stopHelper('SIGTERM').catch(() => {});
    // everything the helper started lives in our mount namespace: end it all
    const mnt = await readlink(`/proc/${this.holderPid}/ns/mnt`).catch(() => null);
    // containers have private mount namespaces of their own (docs/dns.md), copied
    // from ours: they still hold our /run/netns tmpfs, known by its device number
    const ours = netnsDevice(await readFile(`/proc/${this.holderPid}/mountinfo`, 'utf8').catch(() => ''));
    if (mnt) {
      for (const d of await readdir('/proc')) {
        if (!/^\d+$/.test(d) || Number(d) === this.holderPid || Number(d) === process.pid || Number(d) === process.ppid) continue;
        const m = await readlink(`/proc/${d}/ns/mnt`).catch(() => null);
        const inherited = m !== mnt && ours !== null && netnsDevice(await readFile(`/proc/${d}/mountinfo`, 'utf8').catch(() => '')) === ours;
        if (m === mnt || inherited) {
          try {
            process.kill(Number(d), 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }
    }
    // PID 1 of the host's PID namespace: anything left goes with it
    try {
      process.kill(this.holderPid, 'SIGKILL');
    } catch {
      /* gone */
    }
    this.holder.kill('SIGKILL');
    await this.holder;
    await rm(this.dir, { recursive: true, force: true });
  }
}

// A throwaway host for EACH test of the describe block it is called in:
// made (then `setup` run on it) before the test, destroyed after it whatever
// its outcome. No test sees what another left behind, none depends on running
// after another (test:repeat --shuffle checks), and a test that times out
// under load takes only its own host down, not the ones after it. The
// returned function gives the current test's host.
export function hostPerTest(setup: (h: TestHost) => Promise<void>, setupTimeoutMs = 600_000): () => TestHost {
  let h: TestHost | undefined;
  beforeEach(async () => {
    h = await TestHost.create();
    await setup(h);
  }, setupTimeoutMs);
  afterEach(async () => {
    const was = h;
    h = undefined;
    await was?.destroy();
  }, 120_000);
  return () => {
    if (!h) throw new Error('hostPerTest: no test host (used outside a test, or its set-up failed)');
    return h;
  };
}

// The device (major:minor) of the tmpfs a process sees on /run/netns: the
// LAST such mount in its mountinfo. The test host's own tmpfs lies on top of
// the one scripts/test.mjs mounted for the whole run, which the runner itself
// sees: matching the first line would end the test runner.
function netnsDevice(mountinfo: string): string | null {
  const l = mountinfo.split('\n').findLast((x) => x.split(' ')[4] === '/run/netns');
  return l && l.includes(' - tmpfs berth-test ') ? l.split(' ')[2] : null;
}

// A small TCP/HTTP probe from inside a namespace: exit 0 when the URL answers.
export const httpGet = (url: string, timeoutS = 3) => [
  'python3', '-c',
  'import sys,urllib.request\ntry:\n print(urllib.request.urlopen(sys.argv[1],timeout=float(sys.argv[2])).status)\nexcept Exception as e:\n print(e); sys.exit(1)',
  url, String(timeoutS),
];
export const ping = (ip: string) => ['ping', '-c', '1', '-W', '1', ip];
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// The lines of a listing that publish this host port: a rule's `--dport N`
// (iptables) or `dport N` (nft), or a mapping `ADDR:N -> ...` (`berth nat
// ls`). A bare substring test is not enough: bridge names and rule tags
// carry random hex ids, and one holding '9501' once failed a check that
// port 9501 was gone.
export const hostPortLines = (text: string, port: number): string[] =>
  text.split('\n').filter((l) => new RegExp(`\\bdport ${port}(?![0-9])|:${port} -> `).test(l));

// Polls a real condition until it holds, for at most `ms` (a bound for a
// loaded machine, not a speed check); the error names what was awaited and
// the last failure seen.
export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, ms = 60_000, what = 'condition', everyMs = 100): Promise<T> {
  const end = Date.now() + ms;
  let last = '';
  for (;;) {
    const v = await fn().catch((e: unknown) => {
      last = e instanceof Error ? e.message : String(e);
      return null;
    });
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
    await sleep(everyMs);
  }
}
