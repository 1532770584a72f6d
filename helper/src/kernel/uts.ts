import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { run } from './exec';

// A container's hostname lives in a UTS namespace of its own, kept by a
// bind mount of the namespace file (as `ip netns` keeps network namespaces).
// The directory is made a private mount of itself once, so those bind
// mounts never propagate elsewhere.
export async function prepareUtsDir(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!isMountPoint(dir)) await run('mount', ['--bind', dir, dir]);
  await run('mount', ['--make-private', dir]);
}

// `system reset` (no container left): the directory's mount of itself goes
// too, so the host's mount table is as Berth found it and the data root can
// be deleted (a package purge does). False when it was not mounted.
export async function releaseUtsDir(dir: string): Promise<boolean> {
  if (!isMountPoint(dir)) return false;
  await run('umount', [dir]);
  return true;
}

const isMountPoint = (dir: string) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === dir);

export async function createUts(file: string, hostname: string): Promise<void> {
  writeFileSync(file, '');
  try {
    await run('unshare', [`--uts=${file}`, 'hostname', hostname]);
  } catch (e) {
    rmSync(file, { force: true });
    throw e;
  }
}

export async function deleteUts(file: string): Promise<void> {
  await run('umount', [file], { okCodes: [1, 32] });
  rmSync(file, { force: true });
}

// The UTS namespace files under `dir` (restore removes those no container owns).
export async function listUts(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => [] as string[]);
}
