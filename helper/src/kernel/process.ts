import { execa } from 'execa';
import { openSync, closeSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export interface StartedProcess {
  pid: number;
  startTime: string; // /proc/PID/stat field 22: tells a live process from a reused PID
  exited: Promise<number>; // exit code (128+signal when killed)
}

// Starts a container's command inside its network namespace as the given
// user, detached in its own process group so it outlives a helper restart,
// with stdout and stderr appended to the log file.
export async function startInNetns(opts: {
  netnsPath: string | null; // null: the helper's own namespace (network mode host)
  argv: string[];
  uid: number;
  gid: number;
  env: Record<string, string>;
  cwd: string;
  logPath: string;
}): Promise<StartedProcess> {
  closeSync(openSync(opts.logPath, 'a', 0o640));
  const args: string[] = [];
  if (opts.netnsPath) args.push(`--net=${opts.netnsPath}`);
  args.push(`--setuid=${opts.uid}`, `--setgid=${opts.gid}`, '--', ...opts.argv);
  const child = execa('nsenter', args, {
    detached: true,
    cleanup: false,
    reject: false,
    stdin: 'ignore',
    // both appended to one file: O_APPEND keeps their lines whole
    stdout: { file: opts.logPath, append: true },
    stderr: { file: opts.logPath, append: true },
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: false,
  });
  const pid = child.pid;
  if (pid === undefined) {
    const r = await child;
    throw new Error(`cannot start ${opts.argv[0]}: ${r.message ?? 'spawn failed'}`);
  }
  child.unref();
  const exited = child.then((r) => (r.exitCode ?? (r.signal ? 128 + signalNumber(r.signal) : 255)));
  const startTime = (await procStartTime(pid)) ?? '';
  return { pid, startTime, exited };
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 };
const signalNumber = (s: string) => SIGNALS[s] ?? 0;

export async function procStartTime(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parentheses: fields start after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null; // field 22 overall
  } catch {
    return null;
  }
}

export async function isAlive(pid: number, startTime: string): Promise<boolean> {
  if (!pid) return false;
  const st = await procStartTime(pid);
  if (st === null || (startTime && st !== startTime)) return false;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

// Signals the container's whole process group (it was started as a group leader).
export function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  }
}

export async function userOf(uid: number): Promise<{ gid: number; home: string; name: string }> {
  try {
    const lines = (await readFile('/etc/passwd', 'utf8')).split('\n');
    for (const l of lines) {
      const f = l.split(':');
      if (Number(f[2]) === uid) return { name: f[0], gid: Number(f[3]), home: f[5] || '/' };
    }
  } catch {
    /* fall through */
  }
  return { name: String(uid), gid: uid, home: '/' };
}
