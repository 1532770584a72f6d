import { lstat, readFile, readlink, readdir, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BERTH, hostPerTest, TestHost } from './harness';

// What the helper refuses at start-up, and that a refusal changes nothing:
// a damaged or emptied store, a second helper in the same network
// namespace, a token path someone planted. A stale lock does not block.
describe('helper start-up guards', () => {
  // every test on a host of its own: a helper with network keep and
  // container alive (then, in the second group, stopped), whatever the
  // tests before it did to the store, the lock or the socket
  let h: TestHost;
  let good: string;
  let before: Awaited<ReturnType<TestHost['snapshot']>>;
  const state = () => `${h.dataRoot}/state.json`;
  // a helper that is expected to refuse: its exit code and its one line
  const tryHelper = (args: string[] = [], dataRoot = h.dataRoot, socket = h.socket) =>
    h.sh([process.execPath, BERTH, 'helper', '--foreground', '--socket', socket, '--data-root', dataRoot, ...args], { timeoutMs: 60_000 });
  const withBerthObjects = async (host: TestHost) => {
    h = host;
    await h.startHelper();
    await h.berthOk(['network', 'create', '--subnet', '10.77.0.0/24', 'keep']);
    await h.berthOk(['run', '-d', '--name', 'alive', '--network', 'keep', 'sleep', '600']);
  };

  describe('with the helper running', () => {
    hostPerTest(async (host) => {
      await withBerthObjects(host);
      before = await h.snapshot();
    });

    it('a second helper in the same network namespace refuses, names the first, and prunes nothing', async () => {
      const r = await tryHelper([], join(h.dir, 'other-data'), join(h.dir, 'other.sock'));
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`another Berth helper runs in this network namespace (pid ${h.helperPid}, data root ${h.dataRoot}, socket ${h.socket})`);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(await h.snapshot()).toEqual(before);
      expect((await h.inspect('alive')).State.Running).toBe(true);
    });
  });

  describe('with the helper stopped', () => {
    hostPerTest(async (host) => {
      await withBerthObjects(host);
      await h.stopHelper();
      good = await readFile(state(), 'utf8');
      before = await h.snapshot();
    });

    it.each([
      ['{}', /version: /],
      ['[]', /expected object/],
      ['truncated', /not valid JSON/],
    ])('a %s store refuses to start, names the file and the way back, and the kernel keeps everything', async (kind, why) => {
      await writeFile(state(), kind === 'truncated' ? good.slice(0, good.length / 2) : kind);
      const r = await tryHelper();
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`the store ${state()} is unusable`);
      expect(r.stderr).toMatch(why);
      expect(r.stderr).toContain(`cp ${state()}.bak ${state()}`);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(await h.snapshot()).toEqual(before);
    });

    it('a valid but empty store next to Berth objects in the kernel is a refusal, not a teardown', async () => {
      await writeFile(state(), JSON.stringify({ version: 1, networks: {}, containers: {}, foreign: {} }));
      const r = await tryHelper();
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/is empty, but the kernel holds Berth's objects \(.*berth-/);
      expect(r.stderr).toContain('berth helper --reset');
      expect(await h.snapshot()).toEqual(before);
    });

    it('state.json.bak is the previous good version and restores everything', async () => {
      const bak = JSON.parse(await readFile(`${state()}.bak`, 'utf8'));
      expect(Object.values(bak.networks).map((n: any) => n.name)).toContain('keep');
    });

    it('a stale lock naming a live PID (reused) does not block the start', async () => {
      const holder = `pid 1\ndata root ${h.dataRoot}\n`; // alive (the test host's PID 1), holds nothing
      await writeFile(`${h.dataRoot}/lock`, holder);
      const ns = /\[(\d+)\]/.exec(await readlink(`/proc/${h.holderPid}/ns/net`))![1];
      await writeFile(`/run/berth/netns-${ns}.lock`, holder);
      await h.startHelper();
      expect((await h.inspect('alive')).State.Running).toBe(true);
      await h.stopHelper();
    });

    it('a symlink planted at the token path is replaced, not followed', async () => {
      const victim = join(h.dir, 'victim');
      await writeFile(victim, 'precious\n', { mode: 0o644 });
      await symlink(victim, `${h.socket}.token`);
      await h.startHelper();
      expect(await readFile(victim, 'utf8')).toBe('precious\n');
      expect((await stat(victim)).mode & 0o777).toBe(0o644);
      const t = await lstat(`${h.socket}.token`);
      expect(t.isFile()).toBe(true);
      expect(t.mode & 0o777).toBe(0o600);
      expect((await lstat(h.socket)).mode & 0o777).toBe(0o600);
      await h.stopHelper();
    });

    it('a socket directory anyone can write is refused', async () => {
      const open = join(h.dir, 'open');
      await h.shOk(['mkdir', '-m', '0777', open]);
      await h.shOk(['chmod', '0777', open]);
      const r = await tryHelper([], h.dataRoot, join(open, 'b.sock'));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/refusing socket directory .*writable by group or others/);
    });

    it('--reset accepts an unusable store: it is set aside and Berth objects are removed', async () => {
      await writeFile(state(), '[]');
      await h.startHelper(['--reset']);
      expect((await readdir(h.dataRoot)).some((f) => f.startsWith('state.json.reset-'))).toBe(true);
      expect((await h.snapshot()).netns.filter((n) => n.startsWith('berth-'))).toEqual([]);
      expect(await h.berthOk(['network', 'ls', '--format', '{{.Name}}'])).not.toMatch(/keep/);
    });
  });
});
