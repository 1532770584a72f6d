import { watch, type FSWatcher } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { currentLog, logFiles, type LogEntry } from '../kernel/json-log';

// Reading a container's json log (kernel/json-log.ts; docs/logs.md) with
// bounded memory: files are read in chunks, entries go to a callback as they
// are parsed, and only `tail` needs to keep anything (the last N entries).

const CHUNK = 64 * 1024;

export interface LogQuery {
  tail?: number; // the last N entries (lines) of what passes since/until
  since?: number; // ms since the epoch: entries at or after
  until?: number; // ms since the epoch: entries before
  timestamps: boolean; // each line prefixed with its time (`logs -t`)
}

export type LogSink = (stream: 'stdout' | 'stderr', text: string) => void;

export const render = (e: LogEntry, q: LogQuery) => (q.timestamps ? `${e.time} ${e.log}` : e.log);

function parse(line: string): LogEntry | null {
  try {
    const e = JSON.parse(line) as Partial<LogEntry>;
    if (typeof e.log !== 'string' || (e.stream !== 'stdout' && e.stream !== 'stderr') || typeof e.time !== 'string') return null;
    return e as LogEntry;
  } catch {
    return null; // a line a full disk cut short
  }
}

const passes = (e: LogEntry, q: LogQuery) => {
  if (q.since === undefined && q.until === undefined) return true;
  const t = Date.parse(e.time);
  return (q.since === undefined || t >= q.since) && (q.until === undefined || t < q.until);
};

// Complete lines of fh between start and end; returns where the last complete line ended.
export async function readLines(fh: FileHandle, start: number, end: number, each: (line: string) => void): Promise<number> {
  let pos = start;
  let rest = Buffer.alloc(0);
  let done = start;
  while (pos < end) {
    const b = Buffer.alloc(Math.min(CHUNK, end - pos));
    const { bytesRead } = await fh.read(b, 0, b.length, pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    let buf = rest.length ? Buffer.concat([rest, b.subarray(0, bytesRead)]) : b.subarray(0, bytesRead);
    for (let nl = buf.indexOf(10); nl >= 0; nl = buf.indexOf(10)) {
      each(buf.subarray(0, nl).toString('utf8'));
      done += nl + 1;
      buf = buf.subarray(nl + 1);
    }
    rest = Buffer.from(buf);
  }
  return done;
}

// Every entry of the container's log files, oldest first, that passes the
// query, to `sink`. `current` (already open) is read up to `currentEnd` so a
// caller that follows afterwards knows where it stopped.
export async function scanLog(
  dir: string,
  id: string,
  maxFile: number,
  q: LogQuery,
  sink: LogSink,
  current?: { fh: FileHandle; end: number },
): Promise<number> {
  const ring: LogEntry[] = [];
  const take = (line: string) => {
    const e = parse(line);
    if (!e || !passes(e, q)) return;
    if (q.tail === undefined) sink(e.stream, render(e, q));
    else if (q.tail > 0) {
      ring.push(e);
      if (ring.length > q.tail) ring.shift();
    }
  };
  for (const path of logFiles(dir, id, maxFile).slice(1).reverse()) {
    const fh = await open(path, 'r').catch(() => null);
    if (!fh) continue;
    try {
      await readLines(fh, 0, (await fh.stat()).size, take);
    } finally {
      await fh.close();
    }
  }
  let end = 0;
  if (current) end = await readLines(current.fh, 0, current.end, take);
  else {
    const fh = await open(currentLog(dir, id), 'r').catch(() => null);
    if (fh) {
      try {
        end = await readLines(fh, 0, (await fh.stat()).size, take);
      } finally {
        await fh.close();
      }
    }
  }
  for (const e of ring) sink(e.stream, render(e, q));
  return end;
}

// Follows the current file from `pos`: new entries to `sink` on each poll();
// a rotation (the path now names another file) is noticed, the old file read
// to its end, and the new one read from its start. changed() waits for the
// shim's next write (inotify on the container's directory, as Docker's
// json-file follower does) instead of waking on a timer.
export class LogFollower {
  private watcher: FSWatcher | null = null;
  private dirty = true;
  private wake: (() => void) | null = null;

  private constructor(
    private readonly path: string,
    private fh: FileHandle | null,
    private pos: number,
    private readonly q: LogQuery,
    private readonly sink: LogSink,
  ) {}

  static async start(dir: string, id: string, maxFile: number, q: LogQuery, sink: LogSink): Promise<LogFollower> {
    const path = currentLog(dir, id);
    const fh = await open(path, 'r').catch(() => null);
    const end = fh ? (await fh.stat()).size : 0;
    const pos = await scanLog(dir, id, maxFile, q, sink, fh ? { fh, end } : undefined);
    const f = new LogFollower(path, fh, pos, { ...q, tail: undefined }, sink);
    f.watch(dir);
    return f;
  }

  private watch(dir: string): void {
    try {
      this.watcher = watch(dir, () => {
        this.dirty = true;
        this.wake?.();
      });
      this.watcher.on('error', () => this.unwatch()); // the directory removed: the timer is left
    } catch {
      /* no inotify watch left (fs.inotify.max_user_watches): the timer alone */
    }
  }

  private unwatch(): void {
    this.watcher?.close();
    this.watcher = null;
    this.wake?.();
  }

  // Resolves at the next write to the directory, or after `ms` at most
  // (100 ms without a watch) - whichever comes first.
  async changed(ms: number): Promise<void> {
    if (!this.dirty)
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, this.watcher ? ms : Math.min(ms, 100));
        function done() {
          clearTimeout(t);
          resolve();
        }
        this.wake = done;
      });
    this.wake = null;
    this.dirty = false;
  }

  async poll(): Promise<void> {
    const now = await stat(this.path).catch(() => null);
    if (this.fh) {
      const mine = await this.fh.stat();
      this.pos = await this.read(this.fh, mine.size);
      if (now && now.ino === mine.ino && now.dev === mine.dev) return;
      await this.fh.close(); // rotated (or removed): the old file is read to its end
      this.fh = null;
      this.pos = 0;
    }
    if (!now) return;
    this.fh = await open(this.path, 'r').catch(() => null);
    if (this.fh) this.pos = await this.read(this.fh, (await this.fh.stat()).size);
  }

  private read(fh: FileHandle, end: number): Promise<number> {
    if (end <= this.pos) return Promise.resolve(this.pos);
    return readLines(fh, this.pos, end, (line) => {
      const e = parse(line);
      if (e && passes(e, this.q)) this.sink(e.stream, render(e, this.q));
    });
  }

  async close(): Promise<void> {
    this.unwatch();
    await this.fh?.close();
    this.fh = null;
  }
}
