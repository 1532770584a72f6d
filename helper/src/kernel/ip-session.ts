import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { FIXED_ENV, program } from './programs';
import { generationFd } from './program-generation';

// One long-lived `ip -force -batch -` in the helper's own network namespace,
// so a link or address change costs a write to a pipe instead of a process
// start (a fork of the whole helper plus ip's own start-up: most of an
// attach's time on a small machine). Node has no netlink sockets without a
// native addon, and every netlink library on npm is one; iproute2 is already
// what Berth runs, with the same command lines.
//
// ip prints nothing on stdout for the changes sent here and writes each
// failure to stderr (unbuffered) as the line's own message followed by
// "Command failed -:N", N counting the lines it has read. After each group
// of lines comes a line that always fails (an unknown object, no kernel call):
// its marker says ip has finished the group, and the markers before it say
// which lines failed and why. `-force` keeps ip reading after a failure;
// `stopOnError` sends one line at a time and stops at the first failure,
// which is what a plain `ip -batch` does.
//
// ip exits on a malformed argument (a bug in the caller, not a kernel answer):
// the group in flight fails with what ip said and the next group starts a new ip.

export interface LineResult {
  ok: boolean;
  error: string; // ip's message for a failed line, '' for a good one
}

const SYNC = 'berth-sync'; // not an ip object: fails at once, touches nothing
const TIMEOUT_MS = 15_000;

type Child = ChildProcessByStdio<Writable, null, Readable>;

export class IpSession {
  private child: Child | null = null;
  private lineNo = 0; // lines this ip has read
  private stderr = '';
  private wake: (() => void) | null = null;
  private exited: string | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  // Runs `lines` in order; the result of each. A line that cannot be sent
  // safely (a line break in it would make two commands) is refused up front.
  run(lines: string[], opts: { stopOnError?: boolean } = {}): Promise<LineResult[]> {
    const bad = lines.find((l) => /[\n\r#\\]/.test(l));
    if (bad !== undefined) return Promise.reject(new Error(`ip line refused: ${JSON.stringify(bad)}`));
    const p = this.queue.then(() => (opts.stopOnError ? this.oneByOne(lines) : this.group(lines)));
    this.queue = p.catch(() => {});
    return p;
  }

  close(): void {
    this.child?.stdin.end();
    this.child = null;
  }

  private async oneByOne(lines: string[]): Promise<LineResult[]> {
    const out: LineResult[] = [];
    for (const l of lines) {
      const [r] = await this.group([l]);
      out.push(r);
      if (!r.ok) break;
    }
    return out;
  }

  private async group(lines: string[]): Promise<LineResult[]> {
    const c = this.start();
    const first = this.lineNo + 1;
    this.lineNo += lines.length + 1;
    const sync = this.lineNo;
    const from = this.stderr.length;
    c.stdin.write(`${lines.join('\n')}\n${SYNC}\n`);
    const marker = `Command failed -:${sync}\n`;
    const deadline = Date.now() + TIMEOUT_MS;
    while (!this.stderr.includes(marker, from)) {
      if (this.exited !== null) {
        throw new Error(`ip exited (${this.exited}): ${this.stderr.slice(from).trim() || 'no message'}`);
      }
      if (Date.now() >= deadline) {
        c.kill('SIGKILL');
        this.child = null;
        throw new Error(`ip did not answer within ${TIMEOUT_MS / 1000} s`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, deadline - Date.now());
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
    const text = this.stderr.slice(from, this.stderr.indexOf(marker, from));
    this.stderr = '';
    return parseFailures(text, first, lines.length);
  }

  private start(): Child {
    if (this.child) return this.child;
    this.lineNo = 0;
    this.stderr = '';
    this.exited = null;
    // the generation lock goes with it: a helper started after ours died waits for it (kernel/program-generation.ts)
    const gen = generationFd();
    const c = spawn(program('ip'), ['-force', '-batch', '-'], {
      stdio: ['pipe', 'ignore', 'pipe', ...(gen === null ? [] : [gen])],
      cwd: '/',
      env: { ...FIXED_ENV },
    }) as Child;
    c.stderr.setEncoding('utf8');
    c.stderr.on('data', (d: string) => {
      this.stderr += d;
      this.wake?.();
    });
    c.stdin.on('error', () => {}); // ip gone: the exit below says so
    c.on('error', (e) => this.died(c, e.message));
    c.on('exit', (code, sig) => this.died(c, sig ?? `exit ${code}`));
    // an idle co-process never keeps the helper alive; it ends with the helper's end of the pipe
    c.unref();
    (c.stdin as unknown as { unref?: () => void }).unref?.();
    (c.stderr as unknown as { unref?: () => void }).unref?.();
    this.child = c;
    return c;
  }

  private died(c: Child, why: string): void {
    if (this.child !== c) return;
    this.child = null; // the next group starts a new ip
    this.exited = why;
    this.wake?.();
  }
}

// Splits ip's stderr for lines first..first+n-1 (the sync line after them):
// each "Command failed -:N" closes line N's message.
export function parseFailures(text: string, first: number, n: number): LineResult[] {
  const out: LineResult[] = Array.from({ length: n }, () => ({ ok: true, error: '' }));
  const re = /Command failed -:(\d+)\n/g;
  let at = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const i = Number(m[1]) - first;
    if (i >= 0 && i < n) out[i] = { ok: false, error: text.slice(at, m.index).trim() };
    at = m.index + m[0].length;
  }
  return out;
}

// The helper's own namespace: one session for the whole process.
export const hostIp = new IpSession();
