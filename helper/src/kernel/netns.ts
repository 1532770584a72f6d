import { readdir, readlink, stat } from 'node:fs/promises';
import { run } from './exec';

export const NETNS_DIR = '/run/netns';
export const netnsPath = (name: string) => `${NETNS_DIR}/${name}`;

export async function addNetns(name: string): Promise<void> {
  await run('ip', ['netns', 'add', name]);
}
// Idempotent: a namespace already gone counts as deleted. Says whether this
// call was the one that deleted it.
export async function deleteNetns(name: string): Promise<boolean> {
  const r = await run('ip', ['netns', 'delete', name], { okCodes: [1] });
  return r.exitCode === 0;
}
export async function listNetns(): Promise<string[]> {
  try {
    return await readdir(NETNS_DIR);
  } catch {
    return [];
  }
}
export async function netnsInode(path: string): Promise<number | null> {
  try {
    return (await stat(path)).ino;
  } catch {
    return null;
  }
}
// The inode of a process's network namespace, to tell whether two refer to the same one.
export async function pidNetnsInode(pid: number): Promise<number | null> {
  try {
    const l = await readlink(`/proc/${pid}/ns/net`); // net:[4026532] form
    const m = /\[(\d+)\]/.exec(l);
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
