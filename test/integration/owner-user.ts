import { execa } from 'execa';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// A non-root user to own the helper, created for one test file and removed
// after, with a directory of its own (its "home", where it plants things).
export interface OwnerUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  remove(): Promise<void>;
}

export async function createOwnerUser(): Promise<OwnerUser> {
  const name = `berthit${process.pid}${Math.floor(Math.random() * 1e4)}`.slice(0, 31);
  await execa('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', name]);
  const uid = Number((await execa('id', ['-u', name])).stdout.trim());
  const gid = Number((await execa('id', ['-g', name])).stdout.trim());
  const home = await mkdtemp(join(tmpdir(), 'berth-owner-'));
  await chown(home, uid, gid);
  await chmod(home, 0o755);
  return {
    name,
    uid,
    gid,
    home,
    async remove() {
      await execa('userdel', [name], { reject: false });
      await rm(home, { recursive: true, force: true });
    },
  };
}
