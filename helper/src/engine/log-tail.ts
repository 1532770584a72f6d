import type { FileHandle } from 'node:fs/promises';

const CHUNK = 64 * 1024;

// The last `tail` lines of the first `size` bytes of a log, read backwards
// in chunks: memory grows with the lines asked for, not with the log.
// Without `tail`, the whole log (as `docker logs` without --tail).
export async function readTail(fh: FileHandle, size: number, tail: number | undefined): Promise<string> {
  if (tail === undefined) {
    const b = Buffer.alloc(size);
    await fh.read(b, 0, size, 0);
    return b.toString('utf8');
  }
  const chunks: Buffer[] = [];
  let start = size;
  let newlines = 0;
  // tail lines need tail+1 newlines before them (the last byte may end the last line)
  while (start > 0 && newlines <= tail) {
    const n = Math.min(CHUNK, start);
    start -= n;
    const b = Buffer.alloc(n);
    await fh.read(b, 0, n, start);
    chunks.unshift(b);
    for (let i = 0; i < n; i++) if (b[i] === 10) newlines++;
  }
  return tailLines(Buffer.concat(chunks).toString('utf8'), tail);
}

export function tailLines(text: string, tail: number | undefined): string {
  if (tail === undefined) return text;
  const lines = text.split('\n');
  const partial = lines.pop() ?? ''; // after the last newline: '' or an unfinished line
  const kept = lines.slice(Math.max(0, lines.length - tail)).map((l) => l + '\n');
  return kept.join('') + partial;
}
