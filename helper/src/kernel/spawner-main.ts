// The helper's spawner (kernel/spawner.ts): a small process that starts the
// helper's kernel programs for it. Its own entry in the bundle
// (dist/spawner.mjs), importing nothing but node:child_process, so it stays
// small: fork(2) copies the parent's page tables, and from a helper that has
// grown to 150 MB reading a big ruleset each program start cost 20–50 ms of
// blocked event loop against 2–3 ms from here.
//
// It only runs what the helper sends over the IPC channel (the program by
// absolute path, an argument array, the helper's fixed environment); it ends
// when the helper does. A streamed program's stdout is handed to the helper
// (both are root: the helper reads what it asked for, as it did when this
// process relayed it).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Socket } from 'node:net';
import { GENERATION_ARG, type SpawnKill, type SpawnReply, type SpawnRequest, type SpawnStdout } from './spawner-protocol';

const reply = (r: SpawnReply) => process.send?.(r);
// the helper's generation lock, when it passed one at fd 4: each program holds it too (kernel/program-generation.ts)
const generation = process.argv.includes(GENERATION_ARG) ? [4] : [];

// streamed programs still running, for SpawnKill
const streaming = new Map<number, ChildProcessWithoutNullStreams>();

process.on('message', (m: SpawnRequest | SpawnKill) => {
  if ('kill' in m) {
    streaming.get(m.id)?.kill('SIGKILL');
    return;
  }
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let timedOut = false;
  let done = false;
  // a streamed program's reply waits for its stderr too (its 'close' never
  // comes: its stdout went to the helper): what it printed there is in it
  let exited: Omit<SpawnReply, 'id' | 'stdout' | 'stderr' | 'timedOut'> | null = null;
  let errEnded = false;
  const finish = (r: Omit<SpawnReply, 'id' | 'stdout' | 'stderr' | 'timedOut'>) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    streaming.delete(m.id);
    reply({ id: m.id, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut, ...r });
  };
  let c: ChildProcessWithoutNullStreams;
  try {
    c = spawn(m.file, m.args, { env: m.env, cwd: '/', stdio: ['pipe', 'pipe', 'pipe', ...generation] }) as ChildProcessWithoutNullStreams;
  } catch (e) {
    done = true;
    reply({ id: m.id, stdout: '', stderr: '', timedOut: false, exitCode: -1, error: (e as Error).message });
    return;
  }
  const timer = setTimeout(() => {
    timedOut = true;
    c.kill('SIGKILL');
  }, m.timeoutMs);
  c.stderr.on('data', (d: Buffer) => err.push(d));
  c.stdin.on('error', () => {}); // a program that exits without reading its input: its exit code tells
  c.on('error', (e) => finish({ exitCode: -1, error: e.message }));
  if (m.stream) {
    // The program's stdout itself goes to the helper, which reads it there
    // (SpawnStdout): relayed here as a message per pipe read, it cost this
    // process ~6 ms of CPU and the helper a decode per message at 10,000
    // rules (docs/architecture.md "How a request flows"). Sent once it
    // started (a program that could not start has no stdout to send).
    streaming.set(m.id, c);
    c.on('spawn', () => {
      // Node starts reading a child's stdout here at once and, once the
      // handle is sent, drops what it still reads until the helper's
      // acknowledgement closes it: that read is stopped first, so every byte
      // is the helper's (the handle has no public way to stop it)
      (c.stdout as unknown as { _handle?: { readStop?: () => number } })._handle?.readStop?.();
      process.send?.({ id: m.id, stdout: true } satisfies SpawnStdout, c.stdout as Socket);
    });
    c.stderr.on('close', () => {
      errEnded = true;
      if (exited) finish(exited);
    });
    c.on('exit', (code, signal) => {
      exited = { exitCode: code ?? -1, signal: signal ?? undefined };
      if (errEnded) finish(exited);
    });
  } else {
    c.stdout.on('data', (d: Buffer) => out.push(d));
    c.on('close', (code, signal) => finish({ exitCode: code ?? -1, signal: signal ?? undefined }));
  }
  c.stdin.end(m.input ?? '');
});
// the helper is gone (or closed the channel): nothing more will come
process.on('disconnect', () => process.exit(0));
