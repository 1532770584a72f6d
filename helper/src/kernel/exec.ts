import { spawn } from 'node:child_process';
import { execa } from 'execa';
import { BerthError } from '../../../src/shared/errors';
import { FIXED_ENV, program } from './programs';
import { Spawner } from './spawner';

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  // exit codes that are answers, not failures (e.g. `ip netns pids` on a gone netns)
  okCodes?: number[];
}
export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

// The helper starts its programs through its spawner (kernel/spawner.ts)
// once it has one; anything else (tests, one-shot tools) from its own process.
let spawner: Spawner | null = null;
export function useSpawner(script: string): void {
  spawner = new Spawner(script);
}

// Every program Berth runs goes through here: by absolute path with a fixed
// environment (kernel/programs.ts), an argument array (never a shell), a
// timeout, and an error that names the command, exit code and stderr.
export async function run(file: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const r = spawner
    ? await spawner.run({ file: program(file), args, env: { ...FIXED_ENV }, input: opts.input, timeoutMs })
    : await inProcess(program(file), args, opts.input, timeoutMs);
  const exitCode = r.exitCode ?? -1;
  if (r.timedOut) throw kernelError(file, args, exitCode, `timed out after ${timeoutMs} ms`);
  if (exitCode !== 0 && !(opts.okCodes ?? []).includes(exitCode)) {
    throw kernelError(file, args, exitCode, String(r.stderr || r.stdout || r.error));
  }
  return { stdout: r.stdout, stderr: r.stderr, exitCode };
}

async function inProcess(file: string, args: string[], input: string | undefined, timeout: number) {
  const r = await execa(file, args, { input, timeout, reject: false, stripFinalNewline: false, env: { ...FIXED_ENV }, extendEnv: false });
  return { stdout: String(r.stdout), stderr: String(r.stderr), exitCode: r.exitCode ?? -1, timedOut: r.timedOut, error: r.message };
}

export function kernelError(file: string, args: string[], code: number, stderr: string): BerthError {
  const cmd = [file, ...args].join(' ');
  const short = cmd.length > 200 ? `${cmd.slice(0, 200)}…` : cmd;
  return new BerthError('kernel', `${short}: exit ${code}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`, {
    argv: [file, ...args],
    exitCode: code,
    stderr,
  });
}

export async function runJson<T>(file: string, args: string[], opts: RunOptions = {}): Promise<T> {
  const { stdout } = await run(file, args, opts);
  const text = stdout.trim();
  return (text ? JSON.parse(text) : []) as T;
}

// `run` for a program whose output is read as it comes (`berth nat ls` of a
// 50,000-rule iptables-save, docs/architecture.md "How a request flows"):
// `onStdout` gets it chunk by chunk, UTF-8 whole, and the result's stdout is
// empty. `signal` kills the program (its reader went away); it then fails.
export async function runStreaming(file: string, args: string[], onStdout: (chunk: string) => void, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const r = spawner
    ? await spawner.run({ file: program(file), args, env: { ...FIXED_ENV }, timeoutMs }, onStdout, opts.signal)
    : await streamInProcess(program(file), args, onStdout, timeoutMs, opts.signal);
  const exitCode = r.exitCode ?? -1;
  if (r.timedOut) throw kernelError(file, args, exitCode, `timed out after ${timeoutMs} ms`);
  if (exitCode !== 0) throw kernelError(file, args, exitCode, String(r.stderr || r.error || r.signal || ''));
  return { stdout: '', stderr: r.stderr, exitCode };
}

function streamInProcess(file: string, args: string[], onStdout: (chunk: string) => void, timeoutMs: number, signal?: AbortSignal) {
  return new Promise<{ stderr: string; exitCode: number; timedOut: boolean; error?: string; signal?: string }>((resolve) => {
    const c = spawn(file, args, { env: { ...FIXED_ENV }, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let timedOut = false;
    let error: string | undefined;
    const kill = () => c.kill('SIGKILL');
    const timer = setTimeout(() => ((timedOut = true), kill()), timeoutMs);
    signal?.addEventListener('abort', kill, { once: true });
    c.stdout.setEncoding('utf8');
    c.stdout.on('data', onStdout);
    c.stderr.setEncoding('utf8');
    c.stderr.on('data', (d: string) => (stderr += d));
    c.on('error', (e) => (error = e.message));
    c.on('close', (code, sig) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', kill);
      resolve({ stderr, exitCode: code ?? -1, timedOut, error, signal: sig ?? undefined });
    });
  });
}
