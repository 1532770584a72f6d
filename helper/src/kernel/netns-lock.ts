import { readlinkSync } from 'node:fs';
import { BerthError } from '../../../src/shared/errors';
import { tryLock, type HeldLock } from './flock';
import { ensureSafeDir } from './safe-files';

// One helper per network namespace, whatever its data root: two would share
// berth0 and the BERTH chains, rewrite each other's rules and prune each
// other's namespaces. The lock is a flock(2) on a file named after the
// namespace's inode in a root-only directory (an abstract unix socket would
// be namespace-scoped too, but any local user could bind its name first and
// keep the helper from starting). The kernel releases it when the helper dies.
export const LOCK_DIR = '/run/berth';

export function lockNetns(holder: string): HeldLock {
  const ns = /\[(\d+)\]/.exec(readlinkSync('/proc/self/ns/net'))?.[1];
  if (!ns) throw new Error('cannot read this process network namespace');
  ensureSafeDir(LOCK_DIR, { trusted: [], leafSticky: false, what: 'lock directory' }, 0o755);
  const r = tryLock(`${LOCK_DIR}/netns-${ns}.lock`, holder);
  if ('heldBy' in r)
    throw new BerthError(
      'conflict',
      `another Berth helper runs in this network namespace (${r.heldBy.split('\n').filter(Boolean).join(', ') || 'holder unknown'}); ` +
        'stop it first: two helpers in one namespace would undo each other\'s bridges and rules',
    );
  return r.lock;
}
