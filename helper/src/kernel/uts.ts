import { readdir } from 'node:fs/promises';
import { run } from './exec';
import { mountAt, mountsBelow } from './mountinfo';
import { removeNsFiles, UTS_DIR_RULE } from './ns-files';
import { ensureSafeDir } from './safe-files';

// A container's hostname lives in a UTS namespace of its own, kept by a
// bind mount of the namespace file (as `ip netns` keeps network namespaces);
// kernel/sandbox-ns.ts makes it with the container's network namespace.
// The directory (root's alone, checked on the way as every directory root
// creates files in) is made a private mount of itself once, so those bind
// mounts never propagate elsewhere.
export async function prepareUtsDir(dir: string): Promise<void> {
  ensureSafeDir(dir, UTS_DIR_RULE, 0o700);
  if (!mountAt(dir)) await run('mount', ['--bind', dir, dir]);
  await run('mount', ['--make-private', dir]);
}

// A clean stop and `system reset`: the directory's mount of itself goes
// when nothing is mounted inside it (no container's UTS file: none is
// running), so a stopped Berth leaves the host's mount table as it found it
// and the data root can be deleted (a package purge does). While a container
// runs it stays, holding that container's UTS file for the next start
// (prepareUtsDir takes the directory mounted or not; docs/decisions.md,
// "Root boundary"). umount without --lazy: a mount made meanwhile fails it
// (EBUSY), never detaches a container's hostname.
export type UtsRelease = 'released' | 'in use' | 'not mounted';
export async function releaseUtsDir(dir: string): Promise<UtsRelease> {
  if (!mountAt(dir)) return 'not mounted';
  if (mountsBelow(dir).length) return 'in use';
  await run('umount', [dir]);
  return 'released';
}

// A UTS namespace file no container owns (restore): unmounted and removed,
// never through a symbolic link (kernel/ns-files.ts).
export async function deleteUts(file: string): Promise<void> {
  await removeNsFiles([file]);
}

// The UTS namespace files under `dir` (restore removes those no container owns).
export async function listUts(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [] as string[]);
}
