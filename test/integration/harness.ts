import { build } from 'esbuild';
import { execa, type ResultPromise } from 'execa';
import { mkdtemp, readFile, readlink, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectHelper } from '../../helper/src/client/unix-client';

// A throwaway "host" for one test file: its own network and mount namespace
// (netavark's holder-process pattern), so the machine's links and rules are
// never touched. Everything — helper, containers, assertions — runs in it;
// the CLI talks to the helper through a socket in a temp dir.
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BERTH = join(ROOT, 'dist/berth.mjs');

// A TypeScript program bundled to one .mjs (once per test process), for a
// test to run inside its TestHost with `h.sh([process.execPath, file])`.
// It lands under node_modules/ so its packages resolve from the repo.
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

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export class TestHost {
  private helperProc: ResultPromise | null = null;
  helperPid = 0;
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

  static async create(): Promise<TestHost> {
    if (process.getuid?.() !== 0) throw new Error('integration tests need root (they create network namespaces)');
    const dir = await mkdtemp(join(tmpdir(), 'berth-it-'));
    const holder = execa('unshare', ['--net', '--mount', '--propagation', 'private', 'sleep', 'infinity'], {
      reject: false,
      cleanup: true,
    });
    const pid = holder.pid!;
    // wait until the holder is in its own namespaces: until then nsenter
    // would enter the runner's own, so going on without it is never an option
    const hostMnt = await readlink('/proc/self/ns/mnt');
    const hostNet = await readlink('/proc/self/ns/net');
    try {
      await waitFor(async () => {
        if (holder.exitCode !== null) throw new Error(`unshare exited ${holder.exitCode}`);
        const [m, n] = await Promise.all([readlink(`/proc/${pid}/ns/mnt`), readlink(`/proc/${pid}/ns/net`)]);
        return m !== hostMnt && n !== hostNet;
      }, 60_000, `the namespace holder ${pid} to enter its own namespaces`, 20);
    } catch (e) {
      holder.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
    const h = new TestHost(pid, holder, dir);
    await execa('mkdir', ['-p', '/run/netns']);
    await h.sh(['mount', '-t', 'tmpfs', 'berth-test', '/run/netns']);
    await h.sh(['ip', 'link', 'set', 'lo', 'up']);
    return h;
  }

  // Runs argv inside the test host's namespaces.
  async sh(argv: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<Run> {
    const r = await execa('nsenter', ['-t', String(this.holderPid), '-n', '-m', '--', ...argv], {
      reject: false,
      input: opts.input,
      timeout: opts.timeoutMs ?? 60_000,
      cwd: '/',
    });
    return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
  }

  async shOk(argv: string[]): Promise<string> {
    const r = await this.sh(argv);
    if (r.code !== 0) throw new Error(`${argv.join(' ')}: exit ${r.code}: ${r.stderr}`);
    return r.stdout;
  }

  async startHelper(extra: string[] = []): Promise<void> {
    const p = execa(
      'nsenter',
      ['-t', String(this.holderPid), '-n', '-m', '--', process.execPath, BERTH, 'helper', '--foreground',
        '--socket', this.socket, '--data-root', this.dataRoot, '--drift-interval', '500', ...extra],
      { reject: false, cleanup: true, all: true, cwd: '/' },
    );
    this.helperProc = p;
    this.helperPid = p.pid!;
    let exited = false;
    void p.then(() => (exited = true));
    await waitFor(async () => {
      if (exited) throw new Error(`helper exited: ${String((await p).all)}`);
      const c = await connectHelper(this.socket);
      try {
        await c.call('system.info', {});
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
    if (!this.helperProc) return;
    // nsenter execs node, so the pid is the helper's own
    process.kill(this.helperPid, signal);
    await this.helperProc;
    this.helperProc = null;
  }

  async berth(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<Run> {
    const r = await execa(process.execPath, [BERTH, ...args], {
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
  async snapshot(): Promise<{ links: string[]; netns: string[]; rules: string[]; routes: string[]; addrs: string[] }> {
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
    this.holder.kill('SIGKILL');
    await this.holder;
    await rm(this.dir, { recursive: true, force: true });
  }
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
