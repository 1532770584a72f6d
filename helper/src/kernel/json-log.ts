import { closeSync, constants, fstatSync, openSync, renameSync, statfsSync, unlinkSync, writeSync } from 'node:fs';
import { DEFAULT_LOG_LIMITS } from '../../../src/shared/log-limits';

// A container's output as Docker's json-file driver keeps it: one JSON object
// per line, {"log":"text\n","stream":"stdout","time":"RFC 3339"}, in
// <dir>/<id>-json.log, rotated to -json.log.1 … -json.log.<maxFile-1> when a
// file would pass maxSize (Docker's --log-opt max-size / max-file). The
// container's shim (kernel/shim.ts) is the only writer; the helper reads
// (engine/log-read.ts). See docs/logs.md.

export interface LogEntry {
  log: string;
  stream: 'stdout' | 'stderr';
  time: string;
}

export interface LogLimits {
  maxSize: number; // bytes per file
  maxFile: number; // files kept, the current one included
}

// Docker's json-file keeps everything by default; a root daemon on a
// developer's disk must not (a `yes` container fills it in seconds), so the
// default is the `local` driver's spirit at a smaller scale: 3 × 10 MiB.
export const DEFAULT_LIMITS: LogLimits = DEFAULT_LOG_LIMITS;
// The log stops (entries dropped, counted) while its filesystem has less
// free than this: the store lives there too, and a full log must never block
// a mutation, even when the data root is smaller than the log's cap.
export const FREE_FLOOR = 4 * 1024 * 1024;
const CHECK_EVERY = 256 * 1024; // bytes offered between two looks at the free space
// a line longer than this is written in pieces (Docker's 16 KiB partial messages)
export const MAX_PIECE = 16 * 1024;

export const currentLog = (dir: string, id: string) => `${dir}/${id}-json.log`;
// newest first: the current file, then .1, .2, …
export const logFiles = (dir: string, id: string, maxFile: number) =>
  [currentLog(dir, id), ...Array.from({ length: Math.max(0, maxFile - 1) }, (_, i) => `${currentLog(dir, id)}.${i + 1}`)];

// Creates `path` afresh without following a link someone left there; the
// directory is root's own (mode 0700), this is the belt to that braces.
function createLog(path: string): number {
  try {
    unlinkSync(path);
  } catch {
    /* not there */
  }
  return openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | constants.O_APPEND, 0o640);
}

export class JsonLogWriter {
  private fd: number;
  private size: number;
  dropped = 0; // entries lost to a write error (a full disk): the container is never blocked by its log
  private partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  private offered = CHECK_EVERY; // look at the free space before the first entry
  private low = false;

  constructor(
    private readonly dir: string,
    private readonly id: string,
    private readonly limits: LogLimits,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {
    // a restarted container appends to its log, as Docker's does
    try {
      this.fd = openSync(currentLog(dir, id), constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW);
    } catch {
      this.fd = createLog(currentLog(dir, id));
    }
    this.size = fstatSync(this.fd).size;
  }

  // Output as it arrives: whole lines are written at once, the rest waits for
  // its newline (or flush(), or MAX_PIECE).
  write(stream: 'stdout' | 'stderr', chunk: string): void {
    let text = this.partial[stream] + chunk;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n')) {
      this.entry(stream, text.slice(0, nl + 1));
      text = text.slice(nl + 1);
    }
    while (text.length >= MAX_PIECE) {
      this.entry(stream, text.slice(0, MAX_PIECE));
      text = text.slice(MAX_PIECE);
    }
    this.partial[stream] = text;
  }

  // An unfinished line (a prompt, a progress bar) is written without its newline.
  flush(): void {
    for (const s of ['stdout', 'stderr'] as const) {
      if (this.partial[s]) this.entry(s, this.partial[s]);
      this.partial[s] = '';
    }
  }

  close(): void {
    this.flush();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private entry(stream: 'stdout' | 'stderr', log: string): void {
    const line = Buffer.from(JSON.stringify({ log, stream, time: this.now() } satisfies LogEntry) + '\n');
    this.offered += line.length;
    if (this.offered >= CHECK_EVERY) {
      this.offered = 0;
      this.low = freeBytes(this.dir) < FREE_FLOOR;
    }
    if (this.low) {
      this.dropped++;
      return;
    }
    try {
      if (this.fd < 0) this.fd = createLog(currentLog(this.dir, this.id)); // a rotation that could not create the new file
      if (this.size > 0 && this.size + line.length > this.limits.maxSize) this.rotate();
      let off = 0;
      while (off < line.length) off += writeSync(this.fd, line, off);
      this.size += line.length;
    } catch {
      // ENOSPC and friends: drop the entry and keep draining the pipe; a half
      // line may be left, which readers skip as unparsable
      this.dropped++;
    }
  }

  private rotate(): void {
    const files = logFiles(this.dir, this.id, this.limits.maxFile);
    closeSync(this.fd);
    this.fd = -1;
    // each rename replaces the older file in one step (max-file 1: the log starts over)
    for (let i = files.length - 1; i > 0; i--) {
      try {
        renameSync(files[i - 1], files[i]);
      } catch {
        /* a missing older file */
      }
    }
    this.size = 0;
    this.fd = createLog(files[0]);
  }
}

function freeBytes(dir: string): number {
  try {
    const st = statfsSync(dir);
    return st.bavail * st.bsize;
  } catch {
    return Infinity; // cannot tell: write, and let a failed write drop the entry
  }
}
