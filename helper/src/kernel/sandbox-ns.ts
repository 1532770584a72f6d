import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { run } from './exec';
import { NETNS_DIR, netnsPath } from './netns';

// A container's network namespace (/run/netns/NAME, as `ip netns add`
// makes it) and its hostname's UTS namespace (kernel/uts.ts) come from one
// `unshare --net=FILE --uts=FILE hostname H`: one program where `ip netns
// add` and `unshare --uts … hostname` were two (docs/decisions.md, "`rm
// -f`"). The netns file is made first and exclusively, so a name that is
// taken fails as `ip netns add` fails, and nobody else's file is touched.
export async function createSandboxNs(netns: string, utsFile: string, hostname: string): Promise<void> {
  await netnsDirShared();
  writeFileSync(netnsPath(netns), '', { flag: 'wx', mode: 0 });
  try {
    writeFileSync(utsFile, '');
    await run('unshare', [`--net=${netnsPath(netns)}`, `--uts=${utsFile}`, 'hostname', hostname]);
  } catch (e) {
    await deleteSandboxNs(netns, utsFile).catch(() => {});
    throw e;
  }
}

// What `ip netns add` does before each namespace: /run/netns a mount point
// of its own, shared, so a namespace file unmounted here is unmounted in
// every mount namespace that copied it (and the namespace freed). Asked of
// mountinfo each time (a read of a small file): programs run only when it
// is not so yet.
async function netnsDirShared(): Promise<void> {
  // the last mount on the directory is the one seen there
  const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4] === NETNS_DIR).at(-1);
  if (line && / shared:\d+/.test(line.split(' - ')[0])) return;
  if (!line) {
    mkdirSync(NETNS_DIR, { recursive: true, mode: 0o755 });
    await run('mount', ['--rbind', NETNS_DIR, NETNS_DIR]);
  }
  await run('mount', ['--make-rshared', NETNS_DIR]);
}

// A container's two namespace files, its network namespace's under
// /run/netns and its hostname's (kernel/uts.ts), are bind mounts of nsfs
// files: one `umount` takes both off (lazily, as `ip netns delete` does),
// one program on the removal's path where `ip netns delete` and `umount`
// were two, one after the other (docs/decisions.md, "`rm -f`").
// Idempotent: a file not mounted (32) or gone is done already.
export async function deleteSandboxNs(netns: string, utsFile: string): Promise<void> {
  await run('umount', ['--lazy', netnsPath(netns), utsFile], { okCodes: [1, 32, 64] });
  // still mounted (a failure other than "not mounted"): unlink says EBUSY, and the removal fails here
  rmSync(netnsPath(netns), { force: true });
  rmSync(utsFile, { force: true });
}
