import { closeSync, constants, existsSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { BerthError } from '../../../src/shared/errors';
import { tryLock, type HeldLock } from '../kernel/flock';
import { emptyState, State, STATE_VERSION } from './state';
import type { Store } from './store';

// <data-root>/state.json, the desired state. Crash safety: a temp file
// (O_EXCL, never through a symlink) is written and fsync'd, the current file
// is hard-linked to state.json.bak, the temp renamed over state.json, the
// directory fsync'd. A reader sees the old or the new document, never a mix,
// and the previous good version is always one `cp` away.
export class FileStore implements Store {
  readonly path: string;
  readonly backupPath: string;
  private held: HeldLock | null = null;

  constructor(readonly dataRoot: string) {
    this.path = `${dataRoot}/state.json`;
    this.backupPath = `${this.path}.bak`;
  }

  // One helper per data root, by flock(2) on <data-root>/lock: the kernel
  // drops it when the helper dies, so a stale file or a reused PID never
  // blocks a start. `holder` (pid, socket) is written for the next one's error.
  lock(holder: string): void {
    const r = tryLock(`${this.dataRoot}/lock`, holder);
    if ('heldBy' in r)
      throw new BerthError('conflict', `another Berth helper is using data root ${this.dataRoot} (${oneLine(r.heldBy) || 'holder unknown'}); stop it first`);
    this.held = r.lock;
  }

  unlock(): void {
    this.held?.release();
    this.held = null;
  }

  // The store as the file says, validated; a missing file is an empty store
  // (`exists` tells the caller which). Anything else refuses, naming the
  // file, the reason and the way back.
  load(): State {
    return this.read().state;
  }

  read(): { state: State; exists: boolean } {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: emptyState(), exists: false };
      throw this.refuse((e as Error).message);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw this.refuse(text.trim() ? `not valid JSON (${(e as Error).message})` : 'the file is empty');
    }
    const version = (doc as { version?: unknown } | null)?.version;
    if (typeof version === 'number' && version > STATE_VERSION)
      throw this.refuse(`it is version ${version}, written by a newer Berth; this helper knows version ${STATE_VERSION}`);
    const parsed = State.safeParse(doc);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw this.refuse(i.path.length ? `${i.path.join('.')}: ${i.message}` : `not a Berth store (${i.message})`);
    }
    return { state: parsed.data, exists: true };
  }

  // What to tell the user about a store the helper will not use.
  refuse(reason: string): BerthError {
    const back = existsSync(this.backupPath)
      ? `Restore the previous version with: cp ${this.backupPath} ${this.path}, or start empty`
      : `There is no previous version (${this.backupPath}) to restore; to start empty`;
    return new BerthError(
      'internal',
      `the store ${this.path} is unusable: ${reason}. ${back} with: berth helper --reset ` +
        '(the file is set aside, and Berth removes its networks and containers from the kernel)',
    );
  }

  // `berth helper --reset`: the current file is kept aside, never deleted.
  setAside(): string | null {
    const aside = `${this.path}.reset-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    try {
      renameSync(this.path, aside);
      return aside;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  save(state: State): void {
    const tmp = `${this.path}.tmp`;
    const text = JSON.stringify(state, null, 1);
    if (this.staged !== text) this.writeTemp(text);
    this.staged = null;
    this.keepBackup();
    renameSync(tmp, this.path);
    const dfd = openSync(this.dataRoot, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  }

  // The temp file with its data fsync'd, written while the operation's
  // programs run (engine.ts alongFirewall): the commit's save then has only
  // the rename and the directory's fsync left. Until that save, state.json is
  // untouched, so a failed operation or a crash leaves the store as it was
  // (the next write replaces the temp file).
  stage(state: State): void {
    const text = JSON.stringify(state, null, 1);
    this.staged = null;
    this.writeTemp(text);
    this.staged = text;
  }
  private staged: string | null = null;

  private writeTemp(text: string): void {
    const tmp = `${this.path}.tmp`;
    unlinkIfThere(tmp); // left by a crash mid-write, or a stage not used
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  // The current file (it was loaded or written by this helper, so it is
  // valid) becomes state.json.bak by a hard link: no copy, atomic by rename.
  private keepBackup(): void {
    const tmp = `${this.backupPath}.tmp`;
    unlinkIfThere(tmp);
    try {
      linkSync(this.path, tmp);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return; // first save
      throw e;
    }
    renameSync(tmp, this.backupPath);
  }
}

function unlinkIfThere(p: string): void {
  try {
    unlinkSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}

const oneLine = (s: string) => s.split('\n').filter(Boolean).join(', ');
