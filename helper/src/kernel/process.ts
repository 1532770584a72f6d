import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { constants as fsConstants, openSync, closeSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { FIXED_ENV, program } from './programs';

// How a container's command is started, in three steps so nothing the
// client sent is seen by a program running as root:
//   nsenter (root, fixed env)    enters the network and hostname namespaces;
//   setpriv (root, fixed env)    becomes the user: uid, gid, supplementary groups;
//   env -i  (already the user)   sets the container's environment and working
//                                directory, then execs the command through the
//                                container's PATH.
// The loader reads LD_PRELOAD & co. only when `env` execs the command, as the
// user: they are the user's to use, and harmless to anyone else.
export interface UserCommand {
  netnsPath: string | null; // null: the helper's own namespace (network mode host)
  utsPath: string | null; // the container's hostname namespace, null: the host's
  argv: string[];
  uid: number;
  gid: number;
  knownUser: boolean; // in /etc/passwd: its groups come from /etc/group
  env: Record<string, string>;
  cwd: string;
  etc: EtcFiles | null; // the container's own resolv.conf and hosts (docs/dns.md); null: the host's (network mode host)
}

export function userStage(o: UserCommand): { file: string; args: string[] } {
  const ns: string[] = [];
  if (o.netnsPath) ns.push(`--net=${o.netnsPath}`);
  if (o.utsPath) ns.push(`--uts=${o.utsPath}`);
  const groups = o.knownUser ? '--init-groups' : '--clear-groups';
  const drop = [program('setpriv'), `--reuid=${o.uid}`, `--regid=${o.gid}`, groups, '--'];
  const vars = Object.entries(o.env).map(([k, v]) => `${k}=${v}`);
  const user = [program('env'), '-i', '-C', o.cwd, '--', ...vars, ...o.argv];
  // the private mount namespace with the container's /etc files comes before the drop: mounting needs root
  const mounts = o.etc ? etcStage(o.etc) : [];
  const argv = ns.length ? [program('nsenter'), ...ns, '--', ...mounts, ...drop, ...user] : [...mounts, ...drop, ...user];
  return { file: argv[0], args: argv.slice(1) };
}

// Docker's status for a process killed by a signal: 128 + its number.
export const statusOf = (code: number | null, signal: NodeJS.Signals | null): number =>
  code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 255);

export interface EtcFiles {
  resolvConf: string;
  hosts: string;
}

// A private mount namespace in which the container's own resolv.conf and
// hosts are bound over /etc's (docs/dns.md): the host's files are never
// written, and the mounts go away with the container's last process. Runs as
// root before the privilege drop; the paths are the helper's own files.
export function etcStage(etc: EtcFiles): string[] {
  // fixed script text; the mount program's path and the files are arguments, never parsed as code
  const script = '"$1" --bind -- "$2" /etc/resolv.conf && "$1" --bind -- "$3" /etc/hosts && shift 3 && exec "$@"';
  return [program('unshare'), '--mount', '--propagation', 'private', '--', program('sh'), '-c', script, 'berth-etc', program('mount'), etc.resolvConf, etc.hosts];
}


// A synchronous read, like isAlive's: /proc never waits for a disk, and a
// run reads two of these on its path (kernel/shim.ts), where the thread
// pool's round trips cost ms each on a loaded machine.
export async function procStartTime(pid: number): Promise<string | null> {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parentheses: fields start after the last ')'
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null; // field 22 overall
  } catch {
    return null;
  }
}

// One synchronous read of /proc/PID/stat (a few µs, never the disk): rm -f
// polls this every couple of ms after its SIGKILL (engine/containers.ts).
export async function isAlive(pid: number, startTime: string): Promise<boolean> {
  if (!pid) return false;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // comm may contain spaces and parentheses: fields start after the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (fields[19] === undefined || (startTime && fields[19] !== startTime)) return false;
  return fields[0] !== 'Z';
}

// Signals the container's whole process group (it was started as a group leader).
// A pid of 0 or 1 from a record of a container that is not running must never
// reach kill(2): -0 is the helper's own process group and -1 every process.
export function signalGroup(pid: number, sig: NodeJS.Signals): void {
  if (!Number.isInteger(pid) || pid <= 1) return;
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

export async function childrenOf(pid: number): Promise<number[]> {
  const t = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return t.trim().split(/\s+/).filter(Boolean).map(Number).filter((n) => Number.isInteger(n) && n > 1);
}

// One process only (`berth kill -s HUP`), with the same guard as signalGroup.
export function signalProcess(pid: number, sig: NodeJS.Signals): void {
  if (!Number.isInteger(pid) || pid <= 1) return;
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

export async function userOf(uid: number): Promise<{ gid: number; home: string; name: string; known: boolean }> {
  try {
    const lines = (await readFile('/etc/passwd', 'utf8')).split('\n');
    for (const l of lines) {
      const f = l.split(':');
      if (f.length > 3 && f[2] === String(uid)) return { name: f[0], gid: Number(f[3]), home: f[5] || '/', known: true };
    }
  } catch {
    /* fall through */
  }
  return { name: String(uid), gid: uid, home: '/', known: false };
}

// `exec -u`: a user by name or uid from /etc/passwd (a uid it does not list
// is taken as given, as Docker does), a group by name or gid from /etc/group.
export async function lookupUser(spec: string): Promise<{ uid: number; gid: number; home: string; known: boolean; groupGiven: boolean } | null> {
  const [u, g] = spec.split(':');
  const passwd = (await readFile('/etc/passwd', 'utf8').catch(() => '')).split('\n').map((l) => l.split(':')).filter((f) => f.length > 5);
  const byName = passwd.find((f) => f[0] === u);
  let uid: number;
  if (byName) uid = Number(byName[2]);
  else if (/^\d+$/.test(u)) uid = Number(u);
  else return null;
  const entry = await userOf(uid);
  let gid = entry.gid;
  if (g !== undefined) {
    const group = (await groupEntries()).find((f) => f[0] === g);
    if (group) gid = Number(group[2]);
    else if (/^\d+$/.test(g)) gid = Number(g);
    else return null;
  }
  return { uid, gid, home: entry.home, known: entry.known, groupGiven: g !== undefined };
}

// The user a container's command runs as: root's pre-checks look only where they could.
export interface Looker {
  uid: number;
  gid: number;
  known: boolean; // in /etc/passwd: its groups (setpriv --init-groups) count too
}

// /etc/group's lines as fields (name, password, gid, members); nothing matches when it cannot be read.
async function groupEntries(): Promise<string[][]> {
  return (await readFile('/etc/group', 'utf8').catch(() => '')).split('\n').map((l) => l.split(':'));
}

// The supplementary groups `setpriv --init-groups` gives a user listed in /etc/passwd.
export async function groupsOf(uid: number): Promise<number[]> {
  const { name } = await userOf(uid);
  return (await groupEntries()).filter((f) => f.length > 3 && f[3].split(',').includes(name)).map((f) => Number(f[2]));
}

// Starts a long-lived program of Berth's own (the daemonized helper),
// detached, its output appended to a log file. `exited` resolves with its
// exit code if it ends.
export function startDetached(file: string, args: string[], logPath: string, env: Readonly<Record<string, string>> = {}): { pid: number; exited: Promise<number> } {
  // appended to, never through a symbolic link (the data root is checked before: daemonize)
  const fd = openSync(logPath, fsConstants.O_WRONLY | fsConstants.O_APPEND | fsConstants.O_CREAT | fsConstants.O_NOFOLLOW, 0o600);
  try {
    const child = spawn(file, args, { detached: true, stdio: ['ignore', fd, fd], env: { ...FIXED_ENV, ...env } });
    child.unref();
    const exited = new Promise<number>((resolve) => {
      child.once('exit', (c) => resolve(c ?? 1));
      child.once('error', () => resolve(127));
    });
    return { pid: child.pid ?? 0, exited };
  } finally {
    closeSync(fd);
  }
}

// Opens a URL in the desktop's browser: a fixed program and one argument.
export function openUrl(url: string): void {
  try {
    const child = spawn('xdg-open', [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => {}); // no desktop: the printed URL is enough
    child.unref();
  } catch {
    /* as above */
  }
}
