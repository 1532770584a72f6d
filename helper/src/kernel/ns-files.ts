import { lstatSync, unlinkSync } from 'node:fs';
import { BerthError } from '../../../src/shared/errors';
import { run } from './exec';
import type { DirRule } from './safe-files';

// The files that keep Berth's named namespaces (bind mounts of nsfs files):
// the directories they may be made in, and their removal.

// /run/netns as `ip netns add` makes it: root's, mode 0755. A sticky
// directory others may write (a tmpfs mounted there, mode 1777) is taken
// too: nobody but root can then rename or remove root's files in it, and a
// name someone else took fails the exclusive creation (docs/decisions.md,
// "Namespace files").
export const NETNS_DIR_RULE: DirRule = { trusted: [], leafSticky: true, what: 'network namespace directory' };
// the data root's uts/ (kernel/uts.ts): root's alone
export const UTS_DIR_RULE: DirRule = { trusted: [], leafSticky: false, what: 'UTS namespace directory' };

// umount(8) resolves its argument, symbolic links included, so it is given
// only a regular file of root's (an nsfs mount shows as one); a symbolic
// link is unlinked (unlink never follows) and never unmounted through. In
// directories only root can change (or sticky ones, where root's file
// stays root's) the file checked is the file unmounted.
export async function removeNsFiles(paths: string[]): Promise<void> {
  const mounted: string[] = [];
  const gone: string[] = [];
  for (const p of paths) {
    const k = nsFileAt(p, `refusing to remove ${p}: it is not a namespace file of root's`);
    if (k === 'missing') continue;
    if (k === 'root-file') mounted.push(p);
    gone.push(p);
  }
  if (mounted.length) await run('umount', ['--lazy', ...mounted], { okCodes: [1, 32, 64] });
  // still mounted (a failure other than "not mounted"): unlink says EBUSY, and the removal fails here
  for (const p of gone) {
    try {
      unlinkSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
}

// What stands at a namespace file's path, read with one lstat: nothing, a
// symbolic link (to be unlinked, never followed), or a regular file of
// root's (an nsfs mount shows as one). Anything else is refused with
// `refusal`. The one check before a namespace file is unmounted or deleted
// (here and kernel/netns.ts deleteNetns).
export function nsFileAt(path: string, refusal: string): 'missing' | 'symlink' | 'root-file' {
  let st;
  try {
    st = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw e;
  }
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFile() && st.uid === 0) return 'root-file';
  throw new BerthError('conflict', refusal);
}
