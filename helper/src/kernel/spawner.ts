import { spawn, type ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { FIXED_ENV } from './programs';
import { generationFd } from './program-generation';
import { GENERATION_ARG, type SpawnKill, type SpawnReply, type SpawnRequest, type SpawnStdout } from './spawner-protocol';

// Starts the helper's kernel programs from a small long-lived process
// (spawner-main.ts) instead of from the helper itself. Node forks the whole
// parent to start a program, synchronously, page tables included: the cost
// grows with the helper's memory (2–3 ms at 50 MB, 20 ms at 200 MB, 55 ms at
// 450 MB on a 2-core machine) and blocks every other request meanwhile. The
// spawner stays at the size of a bare Node process. It gets the helper's
// fixed environment, not the caller's (no NODE_OPTIONS reaches it), and the
// programs it starts get exactly what the helper sends.
export class Spawner {
  private child: ChildProcess | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();

  constructor(private readonly script: string) {}

  // `onStdout`: the output as it comes (the reply's stdout is then empty),
  // read here from the program's own pipe (SpawnStdout) to its end, decoded
  // as UTF-8 (a character split across reads is kept whole); `signal` kills the program
  run(req: Omit<SpawnRequest, 'id' | 'stream'>, onStdout?: (chunk: string) => void, signal?: AbortSignal): Promise<SpawnReply> {
    const c = this.start();
    const id = this.nextId++;
    if (onStdout) {
      signal?.addEventListener('abort', () => {
        this.pending.get(id)?.stdout?.destroy(); // nothing more of it is wanted
        if (c.connected) c.send({ id, kill: true } satisfies SpawnKill);
      }, { once: true });
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onStdout, stdout: null, ended: null });
      // a request in flight keeps the helper alive until its answer (idle, the spawner never does)
      if (this.pending.size === 1) c.channel?.ref();
      c.send({ id, ...req, ...(onStdout ? { stream: true } : {}) } satisfies SpawnRequest, (e) => {
        if (e) this.settle(id, null, new Error(`spawner: ${e.message}`));
      });
    });
  }

  close(): void {
    this.child?.disconnect();
    this.child = null;
  }

  private settle(id: number, r: SpawnReply | null, e?: Error): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.stdout?.destroy(); // read to its end, or the spawner is gone
    if (!this.pending.size) this.child?.channel?.unref();
    if (r) p.resolve(r);
    else p.reject(e ?? new Error('spawner: no answer'));
  }

  private start(): ChildProcess {
    if (this.child) return this.child;
    // the generation lock at fd 4 of the spawner, passed on to each program (kernel/program-generation.ts)
    const gen = generationFd();
    const c = spawn(process.execPath, [this.script, ...(gen === null ? [] : [GENERATION_ARG])], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc', ...(gen === null ? [] : [gen])],
      serialization: 'advanced', // output strings as they are, no JSON escaping
      env: { ...FIXED_ENV },
      cwd: '/',
    });
    c.on('message', (r: SpawnReply | SpawnStdout, handle?: Socket) => {
      if (!('stdout' in r && r.stdout === true)) {
        // a streamed program's reply waits for the end of its stdout here
        const ended = this.pending.get(r.id)?.ended;
        if (ended) void ended.then(() => this.settle(r.id, r));
        else this.settle(r.id, r);
        return;
      }
      const p = this.pending.get(r.id);
      if (!handle) return;
      if (!p?.onStdout) return void handle.destroy();
      const onStdout = p.onStdout;
      p.stdout = handle;
      p.ended = new Promise((resolve) => handle.once('close', resolve));
      handle.on('error', () => {}); // its end is what counts: the reply says how the program ended
      handle.setEncoding('utf8');
      handle.on('data', (chunk: string) => onStdout(chunk));
    });
    const gone = (why: string) => {
      if (this.child !== c) return;
      this.child = null; // the next request starts a new spawner
      for (const id of [...this.pending.keys()]) this.settle(id, null, new Error(`spawner ${why}; the program's outcome is unknown`));
    };
    c.on('exit', (code, sig) => gone(`exited (${sig ?? code})`));
    c.on('error', (e) => gone(`failed: ${e.message}`));
    c.unref();
    c.channel?.unref();
    this.child = c;
    return c;
  }
}

interface Pending {
  resolve: (r: SpawnReply) => void;
  reject: (e: Error) => void;
  onStdout?: (chunk: string) => void;
  stdout: Socket | null; // a streamed program's stdout, once the spawner handed it over
  ended: Promise<void> | null; // its end
}
