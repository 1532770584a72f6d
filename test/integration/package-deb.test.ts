import { execa } from 'execa';
import { existsSync, mkdtempSync, rmdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestHost, waitFor } from './harness';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
// built once for the file's tests
let built: Promise<string> | null = null;
const buildDeb = () =>
  (built ??= execa(process.execPath, [join(ROOT, 'scripts/package-deb.mjs')], { cwd: ROOT }).then((r) => r.stdout.trim().split('\n').pop()!));

// The Debian package, built by `npm run package:deb`, inspected, then run from
// its extracted tree in a throwaway namespace the way systemd runs it: the
// socket unit listens, the first CLI call starts the helper from the service's
// command line (systemd-socket-activate stands in for systemd).
describe('the Debian package', () => {
  let h: TestHost;
  let deb: string;
  let x: string; // the extracted tree
  beforeAll(async () => {
    h = await TestHost.create();
    deb = await buildDeb();
    x = join(h.dir, 'root');
    await mkdir(x);
    await execa('dpkg-deb', ['-x', deb, x]);
    await execa('dpkg-deb', ['-e', deb, join(x, 'DEBIAN')]);
  });
  afterAll(async () => h?.destroy());

  it('holds the CLI, the helper bundle, the units, the polkit action, the man page and sane maintainer scripts', async () => {
    const files = (await execa('dpkg-deb', ['-c', deb])).stdout;
    for (const f of [
      './usr/lib/berth/berth', './usr/lib/berth/dist/berth.cjs', './usr/lib/berth/dist/cli.cjs', './usr/lib/berth/dist/berth.mjs', './usr/lib/berth/dist/spawner.mjs', './usr/lib/berth/dist/shim.mjs', './usr/lib/berth/out/renderer/index.html',
      './usr/lib/systemd/system/berth-helper.socket', './usr/lib/systemd/system/berth-helper.service',
      './usr/share/polkit-1/actions/org.berth.helper.policy', './usr/share/man/man1/berth.1.gz', './usr/share/doc/berth/copyright',
    ])
      expect(files).toContain(f);
    expect(files).toMatch(/\.\/usr\/bin\/berth -> \.\.\/lib\/berth\/berth/);
    expect(files).not.toContain('node_modules');
    const control = await readFile(join(x, 'DEBIAN/control'), 'utf8');
    expect(control).toMatch(/^Package: berth$/m);
    expect(control).toMatch(/^Depends: nodejs \(>= 20\), iproute2/m);
    for (const s of ['postinst', 'prerm', 'postrm']) await execa('sh', ['-n', join(x, 'DEBIAN', s)]);
    // the bundle runs without the repository's node_modules
    const v = await execa(process.execPath, [join(x, 'usr/lib/berth/dist/berth.mjs'), '--version'], { cwd: '/' });
    expect(v.stdout).toMatch(/^berth \d/);
    // and so does the CLI's fast path, which the wrapper runs (docs/architecture.md#the-cli-start)
    const launcher = await readFile(join(x, 'usr/lib/berth/berth'), 'utf8');
    expect(launcher).toContain('exec node /usr/lib/berth/dist/berth.cjs "$@"');
    // the same environment as bin/berth: no CA bundle read, the helper's malloc settings for `berth helper`
    expect(launcher).toContain('unset NODE_EXTRA_CA_CERTS');
    expect(launcher).toMatch(/^case \$1 in helper\) export MALLOC_ARENA_MAX=2 /m);
    await execa('sh', ['-n', join(x, 'usr/lib/berth/berth')]);
    const lean = await execa(process.execPath, [join(x, 'usr/lib/berth/dist/cli.cjs'), '--version'], { cwd: '/' });
    expect(lean.stdout).toMatch(/^berth \d/);
  });

  it('its units pass systemd-analyze verify', async (ctx) => {
    if (!existsSync('/usr/bin/systemd-analyze')) ctx.skip();
    // verify checks that ExecStart exists on this machine: point it at one that does, the rest as shipped
    const units = join(h.dir, 'units');
    await mkdir(units);
    const sysd = join(x, 'usr/lib/systemd/system');
    await writeFile(join(units, 'berth-helper.socket'), await readFile(join(sysd, 'berth-helper.socket')));
    const service = await readFile(join(sysd, 'berth-helper.service'), 'utf8');
    expect(service).toMatch(/^LimitNOFILE=524288$/m); // a socket per published port and address (portmap/socket-budget.ts)
    await writeFile(join(units, 'berth-helper.service'), service.replace('ExecStart=/usr/lib/berth/berth ', 'ExecStart=/bin/true '));
    const r = await execa('systemd-analyze', ['verify', '--man=no', join(units, 'berth-helper.socket'), join(units, 'berth-helper.service')], { reject: false });
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('socket activation: the first CLI call starts the helper from the unit\'s command line, and it works', async (ctx) => {
    if (!existsSync('/usr/bin/systemd-socket-activate')) ctx.skip();
    const service = await readFile(join(x, 'usr/lib/systemd/system/berth-helper.service'), 'utf8');
    const exec = /^ExecStart=(.*)$/m.exec(service)![1].split(/\s+/);
    const sock = join(h.dir, 'pkg.sock');
    const data = join(h.dir, 'pkg-data');
    const berthJs = join(x, 'usr/lib/berth/dist/berth.mjs');
    // the unit's words, with this test's paths for the system's
    const argv = exec.flatMap((w) =>
      w === '/usr/lib/berth/berth' ? [process.execPath, berthJs]
        : w === '${BERTH_OWNER_UID}' ? ['0']
          : w === '/run/berth/berth.sock' ? [sock] : w === '/var/lib/berth' ? [data] : [w],
    );
    expect(argv.slice(2, 4)).toEqual(['helper', '--foreground']);
    const listener = h.spawn(['systemd-socket-activate', '-l', sock, '--', ...argv], { all: true }).proc;
    await waitFor(async () => existsSync(sock), 60_000, 'the activation socket');
    expect(existsSync(`${sock}.token`)).toBe(false); // nothing runs yet

    const cli = (args: string[]) => h.sh([process.execPath, berthJs, ...args, '--socket', sock], { timeoutMs: 90_000 });
    const st = await cli(['helper', 'status']);
    expect(st.stdout).toContain('running, berth');
    expect((await cli(['network', 'create', '--subnet', '10.91.0.0/24', 'pkgnet'])).code).toBe(0);
    expect((await cli(['network', 'ls', '--format', '{{.Name}}'])).stdout).toContain('pkgnet');
    expect((await cli(['network', 'rm', 'pkgnet'])).code).toBe(0);
    expect((await cli(['helper', 'stop'])).code).toBe(0);
    const r = await listener;
    expect(r.all).toContain('listening on');
    expect(r.all).toContain('helper stopped');
  });
});

// dpkg -i, an upgrade, then dpkg --purge, in a throwaway root: an overlay of
// / whose writes go to a tmpfs, in a mount and network namespace of their own,
// with an empty /run (no systemd to talk to, as in a container: the
// maintainer scripts skip systemctl there). Between install and purge the
// installed helper runs, as its unit would, and changes the namespace's
// "host" (berth0, its rules, ip_forward, a network made and removed); the
// purge's `system reset` must put that back. What is left in the overlay's
// upper layer after the purge is what the package would leave on a machine.
const THROWAWAY_ROOT = `set -e
t=$2 # made and removed by the test: the mounts below live and die in this namespace only
hp=
# the helper is this script's: ended by PID whatever happens
trap '[ -n "$hp" ] && kill -9 $hp $kids 2>/dev/null; true' EXIT
mount -t tmpfs berth-purge "$t"
mkdir "$t/upper" "$t/work" "$t/root"
mount -t overlay overlay -o "lowerdir=/,upperdir=$t/upper,workdir=$t/work" "$t/root"
mount -t tmpfs run "$t/root/run"
mount -t proc proc "$t/root/proc"
mount -t sysfs sys "$t/root/sys"
mount --rbind /dev "$t/root/dev"
ip link set lo up
mkdir "$t/root/run/pkg" && cp "$1" "$t/root/run/pkg/berth.deb"
in_root() { chroot "$t/root" "$@"; }
# the namespace's host as Berth finds it: links, firewall, forwarding
host() {
  ip -o link | sed 's/^[0-9]*: //; s/ state .*//'
  iptables-save | grep -v -e '^#' -e '^:' | sort
  nft list ruleset
  echo "ip_forward=$(cat /proc/sys/net/ipv4/ip_forward)"
}
host > "$t/before"
# Node.js >= 20 is there, but not as a Debian package: the dependency is forced
in_root dpkg --force-depends -i /run/pkg/berth.deb >/dev/null
echo "installed: $(in_root dpkg-query -W -f='\${Status}' berth)"
for f in /etc/default/berth /etc/systemd/system/berth-helper.socket.d/owner.conf /usr/lib/berth/berth /usr/bin/berth; do
  [ -e "$t/root$f" ] && echo "present: $f"
done
owner=$(cat "$t/root/etc/default/berth")
# an upgrade (the same version again: prerm upgrade, postinst configure) keeps the owner
in_root dpkg --force-depends -i /run/pkg/berth.deb >/dev/null
echo "upgraded: $(in_root dpkg-query -W -f='\${Status}' berth)"
[ "$(cat "$t/root/etc/default/berth")" = "$owner" ] && echo "owner kept"
# the helper from the service's paths (it daemonizes), then a network made and removed
in_root /usr/lib/berth/berth helper --owner 0 --socket /run/berth/berth.sock --data-root /var/lib/berth >/dev/null
hp=$(in_root /usr/lib/berth/berth helper status --format json --socket /run/berth/berth.sock | sed -n 's/^ *"pid": \\([0-9]*\\).*/\\1/p')
kids=$(pgrep -P "$hp" || true)
echo "helper: $hp"
in_root /usr/lib/berth/berth network create --subnet 10.93.0.0/24 pkgnet >/dev/null
in_root /usr/lib/berth/berth network rm pkgnet >/dev/null
ip -o link show berth0 >/dev/null && echo "berth0 up"
in_root dpkg --purge berth >/dev/null
echo "purged: $(in_root dpkg-query -W -f='\${Status}' berth 2>/dev/null || echo gone)"
# the reset stops the helper a moment after its answer, and its children (spawner, ip sessions,
# the link reaper finishing its pipe) end when they see it gone: each waited for, up to 60 s. A zombie
# its new parent has not reaped yet has ended (kill -0 would still find it).
alive() { st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1; st=\${st##*) }; [ "\${st%% *}" != Z ]; }
gone() { i=0; while alive "$1" && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done; ! alive "$1"; }
gone "$hp" && hp= || echo "left: helper process $hp"
for k in $kids; do gone "$k" || echo "left: helper child $k"; done
host > "$t/after"
diff "$t/before" "$t/after" | sed -n 's/^[<>] /left on the host: /p' || true
# left behind: files, and directories the machine did not have (dpkg's own records and the man-db cache
# aside, and root's own CLI code cache: a user's cache in their home, which no package script may touch,
# docs/architecture.md "The CLI start")
cd "$t/upper"
usercache='^\./root/\.cache(/berth(/cli-[^/]*\.v8cache)?)?$'
find . -mindepth 1 ! -type d | grep -v -e '^./var/lib/dpkg/' -e '^./var/log/' -e '^./var/cache/man/' | grep -Ev "$usercache" | sed 's/^/left: /' || true
find . -mindepth 1 -type d | grep -Ev "$usercache" | while read -r d; do [ -d "/$d" ] || echo "left: $d"; done
`;

describe('the Debian package installed and purged in a throwaway root', () => {
  it.skipIf(process.getuid?.() !== 0 || !existsSync('/usr/bin/dpkg'))('installs its files and owner, upgrades, and purge resets the host Berth changed and leaves nothing', async () => {
    const deb = await buildDeb();
    // dpkg runs man-db's trigger: slow on a loaded machine, hence the bounds
    const t = mkdtempSync(join(tmpdir(), 'berth-purge-'));
    const r = await execa('unshare', ['--mount', '--propagation', 'private', '--net', '--', 'sh', '-c', THROWAWAY_ROOT, 'sh', deb, t], { reject: false, timeout: 540_000 });
    // empty once its namespace is gone; rmdir, never a recursive removal (it held an overlay of /)
    try {
      rmdirSync(t);
    } catch {
      /* still in use (the namespace outlived a timeout): left, not forced */
    }
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    const out = r.stdout.split('\n');
    expect(out).toContain('installed: install ok installed');
    for (const f of ['/etc/default/berth', '/etc/systemd/system/berth-helper.socket.d/owner.conf', '/usr/lib/berth/berth', '/usr/bin/berth']) expect(out).toContain(`present: ${f}`);
    expect(out).toContain('upgraded: install ok installed');
    expect(out).toContain('owner kept');
    expect(out.find((l) => l.startsWith('helper: ')), r.stderr).toMatch(/^helper: \d+$/);
    expect(out).toContain('berth0 up');
    expect(out).toContain('purged: gone');
    expect(r.stderr).not.toContain('the host was not reset');
    expect(out.filter((l) => l.startsWith('left')), r.stderr).toEqual([]);
  }, 600_000);
});
