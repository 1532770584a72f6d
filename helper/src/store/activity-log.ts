import { readFileSync, renameSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { z } from 'zod';
import { ActivityEntry, type Actor, type ClientKind } from '../../../src/shared/activity';
import type { BerthEvent } from '../../../src/shared/events';
import { createFresh, createFreshAsync } from '../kernel/safe-files';

export const ACTIVITY_MAX = 500;
const SAVE_AFTER_MS = 250;
const Doc = z.object({ version: z.literal(1), entries: z.array(z.unknown()) });

// <data-root>/activity.json: the last ACTIVITY_MAX things the helper did,
// with who did them. Written whole to a fresh temp file (O_EXCL, never
// through a symlink, mode 0600) and renamed over the old one, a few hundred
// ms after the last event, so a crash loses at most that much and never
// leaves half a file. Read back entry by entry: an entry that does not
// validate is skipped, a file that is not the document starts an empty log
// (the history is a convenience, never a reason not to start).
export class ActivityLog {
  private entries: ActivityEntry[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly path: string | null, private readonly max = ACTIVITY_MAX, private readonly log: (m: string) => void = () => {}) {
    if (path) this.load(path);
  }

  private load(path: string): void {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.log(`activity log ${path} unreadable (${(e as Error).message}): starting a new one`);
      return;
    }
    let doc: z.infer<typeof Doc>;
    try {
      doc = Doc.parse(JSON.parse(text));
    } catch (e) {
      this.log(`activity log ${path} is not valid (${(e as Error).message.split('\n')[0]}): starting a new one`);
      return;
    }
    for (const raw of doc.entries.slice(-this.max)) {
      const e = ActivityEntry.safeParse(raw);
      if (e.success) this.entries.push(e.data);
    }
    this.seq = this.entries.reduce((m, e) => Math.max(m, e.seq), 0);
  }

  // Log lines and progress ticks are not history.
  record(event: BerthEvent, actor: Actor, client?: ClientKind, at = new Date()): ActivityEntry | null {
    if (event.type === 'log' || event.type === 'progress') return null;
    const entry: ActivityEntry = { seq: ++this.seq, at: at.toISOString(), actor, ...(client ? { client } : {}), event };
    this.entries.push(entry);
    if (this.entries.length > this.max) this.entries.splice(0, this.entries.length - this.max);
    this.schedule();
    return entry;
  }

  list(o: { actor?: Actor; limit?: number } = {}): ActivityEntry[] {
    const all = o.actor ? this.entries.filter((e) => e.actor === o.actor) : this.entries;
    return all.slice(-(o.limit ?? this.max));
  }

  private schedule(): void {
    if (!this.path || this.timer) return;
    // in the thread pool: a sync write and fsync here stalled every request
    // the helper was serving (10-40 ms each time on a busy disk)
    this.timer = setTimeout(() => {
      this.timer = null;
      this.writing = this.writing.then(() => this.write());
    }, SAVE_AFTER_MS);
    this.timer.unref();
  }

  private writing: Promise<void> = Promise.resolve();
  private async write(): Promise<void> {
    if (!this.path) return;
    const tmp = `${this.path}.tmp`;
    try {
      await createFreshAsync(tmp, JSON.stringify({ version: 1, entries: this.entries }), { mode: 0o600 });
      await rename(tmp, this.path);
    } catch (e) {
      // a full disk loses the newest history, not the helper (nor does a flush() that took the temp file meanwhile)
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') this.log(`activity log not saved: ${(e as Error).message}`);
    }
  }

  // On shutdown (and in tests): what is pending is written now, synchronously.
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (!this.path) return;
    const tmp = `${this.path}.tmp`;
    try {
      createFresh(tmp, JSON.stringify({ version: 1, entries: this.entries }), { mode: 0o600 });
      renameSync(tmp, this.path);
    } catch (e) {
      // a full disk loses the newest history, not the helper
      this.log(`activity log not saved: ${(e as Error).message}`);
    }
  }
}
