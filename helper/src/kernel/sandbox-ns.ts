import { BerthError } from '../../../src/shared/errors';
import { run } from './exec';
import { mountAt } from './mountinfo';
import { checkNetnsName, NETNS_DIR, netnsPath } from './netns';
import { NETNS_DIR_RULE, removeNsFiles, UTS_DIR_RULE } from './ns-files';
import { program } from './programs';
import { createMountTarget, ensureSafeDir } from './safe-files';

// The one way Berth makes a named namespace: a container's network
// namespace (/run/netns/NAME, as `ip netns add` makes it) and its
// hostname's UTS namespace (kernel/uts.ts) come from one `unshare
// --net=FILE --uts=FILE hostname H`: one program where `ip netns add` and
// `unshare --uts … hostname` were two (docs/decisions.md, "`rm -f`").
// `uts` null: a network namespace alone (cleanup's undo puts back one it
// removed), `unshare --net=FILE true`. Both files are made first,
// exclusively and never through a symlink (safe-files.ts createMountTarget):
// a netns name that is taken fails as `ip netns add` fails, and nobody
// else's file is touched. A failure leaves neither file.
export async function createSandboxNs(netns: string, uts: { file: string; hostname: string } | null): Promise<void> {
  checkNetnsName(netns);
  // validated by the contract (src/shared/container.ts); a leading '-' would be an option to hostname(1)
  if (uts && (!uts.hostname || uts.hostname.startsWith('-'))) throw new BerthError('invalid_argument', `invalid hostname ${JSON.stringify(uts.hostname)}`);
  await netnsDirShared();
  const made: string[] = [];
  try {
    createMountTarget(netnsPath(netns), NETNS_DIR_RULE, 0o755);
    made.push(netnsPath(netns));
    if (uts) {
      await createUtsTarget(uts.file);
      made.push(uts.file);
    }
    const args = [`--net=${netnsPath(netns)}`];
    if (uts) args.push(`--uts=${uts.file}`, program('hostname'), uts.hostname);
    else args.push(program('true'));
    await run('unshare', args);
  } catch (e) {
    // only what this call made: a name that was taken is not ours to remove
    await removeNsFiles(made).catch(() => {});
    throw e;
  }
}

// A UTS file of Berth's own left by a crash (a regular file in a directory
// only root can write; restore normally removes those first) is taken off
// and made anew; a symbolic link or anything else there is refused.
async function createUtsTarget(file: string): Promise<void> {
  try {
    createMountTarget(file, UTS_DIR_RULE, 0o700);
    return;
  } catch (e) {
    if (!(e instanceof BerthError) || (e.details as { exists?: string } | undefined)?.exists !== 'file') throw e;
  }
  await removeNsFiles([file]);
  createMountTarget(file, UTS_DIR_RULE, 0o700);
}

// What `ip netns add` does before each namespace: /run/netns a mount point
// of its own, shared, so a namespace file unmounted here is unmounted in
// every mount namespace that copied it (and the namespace freed). Asked of
// mountinfo each time (a read of a small file): programs run only when it
// is not so yet.
async function netnsDirShared(): Promise<void> {
  // checked (and made) first: mount(8) would follow a symbolic link at /run/netns
  ensureSafeDir(NETNS_DIR, NETNS_DIR_RULE, 0o755);
  const m = mountAt(NETNS_DIR);
  if (m?.shared) return;
  if (!m) await run('mount', ['--rbind', NETNS_DIR, NETNS_DIR]);
  await run('mount', ['--make-rshared', NETNS_DIR]);
}

// A container's two namespace files, its network namespace's under
// /run/netns and its hostname's (kernel/uts.ts), are bind mounts of nsfs
// files: one `umount` takes both off (lazily, as `ip netns delete` does),
// one program on the removal's path where `ip netns delete` and `umount`
// were two, one after the other (docs/decisions.md, "`rm -f`").
// Idempotent: a file not mounted (32) or gone is done already.
export async function deleteSandboxNs(netns: string, utsFile: string): Promise<void> {
  checkNetnsName(netns);
  await removeNsFiles([netnsPath(netns), utsFile]);
}

// cleanup's undo: a network namespace it removed, back under its name
export const createNetns = (name: string) => createSandboxNs(name, null);
