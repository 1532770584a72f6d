import { readdir } from 'node:fs/promises';
import { run } from './exec';
import { mountAt } from './mountinfo';
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

// `system reset` (no container left): the directory's mount of itself goes
// too, so the host's mount table is as Berth found it and the data root can
// be deleted (a package purge does). False when it was not mounted.
export async function releaseUtsDir(dir: string): Promise<boolean> {
  if (!mountAt(dir)) return false;
  await run('umount', [dir]);
  return true;
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
