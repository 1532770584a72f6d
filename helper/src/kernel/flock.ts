import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, fstatSync, ftruncateSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { openNoFollow } from './safe-files';

// flock(2) without a native addon: util-linux's flock(1) locks a descriptor
// it inherits from us. A flock belongs to the open file description, which
// the helper keeps open, so the lock outlives the flock(1) process and is
// released by the kernel when the helper exits or dies — no PID file to
// trust, and a PID reused by another process means nothing. Node opens
// files O_CLOEXEC, so containers the helper starts never inherit it.
const FLOCK = ['/usr/bin/flock', '/bin/flock'].find((p) => existsSync(p)) ?? '/usr/bin/flock';
const BUSY = 75;

export interface HeldLock {
  path: string;
  release(): void;
}

// Takes an exclusive lock on `path` and writes `holder` into it, or returns
// what the current holder wrote there.
export function tryLock(path: string, holder: string): { lock: HeldLock } | { heldBy: string } {
  for (;;) {
    const fd = openNoFollow(path, 0o600);
    let got: boolean;
    try {
      got = flockNow(fd, path);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
    if (!got) {
      closeSync(fd);
      return { heldBy: safeRead(path) };
    }
    // The previous holder may have unlinked the file between our open and
    // our lock: then we locked an orphan inode and must try again.
    if (!sameFile(fd, path)) {
      closeSync(fd);
      continue;
    }
    ftruncateSync(fd, 0);
    writeSync(fd, holder, 0);
    let held = true;
    return {
      lock: {
        path,
        release() {
          if (!held) return;
          held = false;
          // unlink while still holding it, so nobody locks a name about to vanish
          try {
            unlinkSync(path);
          } catch {
            /* gone */
          }
          closeSync(fd);
        },
      },
    };
  }
}

// An exclusive flock on the open file `fd` (of `path`), without waiting:
// false when another open file description holds it.
export function flockNow(fd: number, path: string): boolean {
  const r = spawnSync(FLOCK, ['--nonblock', '--conflict-exit-code', String(BUSY), '3'], {
    stdio: ['ignore', 'ignore', 'pipe', fd],
    env: {},
    timeout: 10_000,
  });
  if (r.status === BUSY) return false;
  if (r.status !== 0) throw new Error(`cannot lock ${path}: ${r.error?.message ?? String(r.stderr).trim()}`);
  return true;
}

function sameFile(fd: number, path: string): boolean {
  try {
    const a = fstatSync(fd);
    const b = statSync(path);
    return a.ino === b.ino && a.dev === b.dev;
  } catch {
    return false;
  }
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8').slice(0, 4096).trim();
  } catch {
    return '';
  }
}
