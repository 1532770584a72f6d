import { closeSync, fsyncSync, openSync, readFileSync, writeSync, constants, unlinkSync, renameSync, mkdirSync } from 'node:fs';
import { BerthError } from '../../../src/shared/errors';
import { emptyState, STATE_VERSION, type State } from './state';

// Crash safety: write a temp file, fsync it, rename it over the old one,
// fsync the directory. A reader sees the old or the new document, never a mix.
export class FileStore {
  readonly path: string;
  private lockFd: number | null = null;

  constructor(readonly dataRoot: string) {
    this.path = `${dataRoot}/state.json`;
  }

  // One helper per data root: the lock file holds the owner's PID; a lock
  // left by a dead helper is taken over.
  lock(): void {
    mkdirSync(this.dataRoot, { recursive: true, mode: 0o700 });
    const lockPath = `${this.dataRoot}/lock`;
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        this.lockFd = openSync(lockPath, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
        writeSync(this.lockFd, String(process.pid));
        fsyncSync(this.lockFd);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const pid = Number(readFileSync(lockPath, 'utf8').trim());
        if (pid && pid !== process.pid && alive(pid))
          throw new BerthError('conflict', `another helper (pid ${pid}) is using ${this.dataRoot}`);
        unlinkSync(lockPath);
      }
    }
    throw new BerthError('conflict', `cannot lock ${this.dataRoot}`);
  }

  unlock(): void {
    if (this.lockFd === null) return;
    closeSync(this.lockFd);
    this.lockFd = null;
    try {
      unlinkSync(`${this.dataRoot}/lock`);
    } catch {
      /* already gone */
    }
  }

  load(): State {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptyState();
      throw e;
    }
    const s = JSON.parse(text) as State;
    if (s.version > STATE_VERSION)
      throw new BerthError('internal', `${this.path} is version ${s.version}; this helper knows ${STATE_VERSION}`);
    return { ...emptyState(), ...s };
  }

  save(state: State): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(state, null, 1));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    const dfd = openSync(this.dataRoot, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
