import { constants as osConstants, hostname } from 'node:os';
import { rm, stat } from 'node:fs/promises';
import type { z } from 'zod';
import { RunParams } from '../../../src/shared/container';
import { BerthError, conflict, invalid } from '../../../src/shared/errors';
import { removeEtc } from '../dns/files';
import { DEFAULT_LIMITS, currentLog } from '../kernel/json-log';
import type { Kernel } from '../kernel/host-kernel';
import type { Looker } from '../kernel/process';
import type { ContainerRecord, State } from '../store/state';
import { findContainer, findNetwork, type Engine } from './engine';
import { applyDnsOptions, containerEtc } from './container-dns';
import { scanLog, type LogQuery, type LogSink } from './log-read';
import { newId, randomName, shortId } from './naming';
import { createSandbox, destroySandbox, sandboxOf, utsOf } from './sandbox-lifecycle';
import type { Undo } from './undo-steps';

type RunOut = z.output<typeof RunParams>;
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// 'degraded' is running with part of its network missing (a port, an endpoint)
export const isUp = (c: ContainerRecord) => c.state.status === 'running' || c.state.status === 'degraded';

// <logDir>/<id>/: the container's json log, its rotations and its shim's exit record (docs/logs.md)
export const containerDir = (eng: Engine, id: string) => `${eng.opts.logDir}/${id}`;
export const logPath = (eng: Engine, id: string) => currentLog(containerDir(eng, id), id);
export const limitsOf = (c: ContainerRecord) => c.logLimits ?? DEFAULT_LIMITS;
// run -i/-t: a connection to the container's shim, which takes its input (kernel/shim.ts)
export const connectToShim = (eng: Engine, id: string) => eng.kernel.connectAttach(containerDir(eng, id));
const removeLogs = (eng: Engine, id: string) =>
  Promise.all(
    // the two plain files are where containers started before the shim wrote
    [containerDir(eng, id), `${eng.opts.logDir}/${id}.log`, `${eng.opts.logDir}/${id}-stderr.log`]
      // retried: a shim killed a moment ago may still be closing a file there
      .map((p) => rm(p, { force: true, recursive: true, maxRetries: 5, retryDelay: 100 }))
      .concat(removeEtc(eng.opts.etcDir, id)),
  );

// The next run's shim starts once this one has answered: the reply goes out
// in this turn of the event loop, the spawn in the next (kernel/shim.ts).
const spareShimAfter = <T>(eng: Engine, op: Promise<T>): Promise<T> => op.finally(() => setImmediate(() => eng.kernel.prepareShim(eng.opts.shim)));

export async function runContainer(eng: Engine, p: RunOut): Promise<ContainerRecord> {
  return spareShimAfter(eng, eng.tx(async (s, undo) => {
    const taken = (n: string) => Object.values(s.containers).some((c) => c.name === n);
    if (p.name && taken(p.name)) {
      const other = Object.values(s.containers).find((c) => c.name === p.name)!;
      throw conflict(`Conflict. The container name "/${p.name}" is already in use by container "${other.id}". You have to remove (or rename) that container to be able to reuse that name.`);
    }
    const id = newId();
    const c: ContainerRecord = {
      id,
      name: p.name ?? randomName(taken),
      created: new Date().toISOString(),
      cmd: p.cmd,
      env: p.env,
      workdir: p.workdir ?? '/',
      hostname: p.hostname ?? (p.network === 'host' ? hostname() : shortId(id)),
      uid: eng.opts.ownerUid,
      gid: 0,
      autoRemove: p.autoRemove,
      networkMode: '',
      networks: [],
      ports: [],
      portSpecs: p.ports,
      publishAll: p.publishAll,
      expose: p.expose,
      labels: p.labels,
      ...(p.logLimits ? { logLimits: p.logLimits } : {}),
      ...(p.interactive || p.tty ? { stdin: true } : {}),
      ...(p.tty ? { tty: true } : {}),
      state: { status: 'created', pid: 0, startTime: '', exitCode: 0, startedAt: '', finishedAt: '', error: '' },
      netns: null,
      endpoints: [],
    };
    resolveMode(s, c, p);
    applyDnsOptions(s, c, p);
    eng.ports.validate(s, c);
    // two file reads, side by side; the command is checked before anything is made
    const [user] = await Promise.all([eng.kernel.userOf(c.uid), checkCommand(eng.kernel, c)]);
    c.gid = user.gid;
    s.containers[id] = c;
    await startProcess(eng, s, c, undo, { cols: p.cols, rows: p.rows });
    return c;
  }));
}

// Docker's network modes and their conflicts (docs/docker-behaviour.md, "Network modes").
function resolveMode(s: State, c: ContainerRecord, p: RunOut): void {
  const want = p.network;
  const publishes = p.ports.length > 0 || p.publishAll;
  if (want.startsWith('container:')) {
    const donor = findContainer(s, want.slice(10));
    if (publishes) throw invalid('conflicting options: port publishing and the container type network mode');
    if (p.hostname) throw invalid('conflicting options: hostname and the network mode');
    if (p.ip) throw invalid('conflicting options: ip address and the container type network mode');
    c.networkMode = `container:${donor.id}`;
    return;
  }
  const net = findNetwork(s, want);
  if (net.driver === 'host') {
    if (p.ip || p.ip6) throw invalid('conflicting options: ip address and the host network mode');
    c.networkMode = 'host';
    c.portSpecs = [];
    c.publishAll = false;
    return;
  }
  if (net.driver === 'null') {
    if (publishes) throw invalid('conflicting options: port publishing and the none network mode');
    if (p.ip || p.ip6) throw invalid('conflicting options: ip address and the none network mode');
    c.networkMode = 'none';
    return;
  }
  c.networkMode = net.name === 'bridge' ? 'bridge' : net.name;
  c.networks.push({ networkId: net.id, staticIp: p.ip, ...(p.ip6 ? { staticIp6: p.ip6 } : {}) });
}

async function checkCommand(k: Kernel, c: ContainerRecord): Promise<void> {
  const who = { uid: c.uid, gid: c.gid, known: (await k.userOf(c.uid)).known };
  await checkCommandLine(k, c.cmd, c.env.find((e) => e.startsWith('PATH='))?.slice(5) ?? PATH, c.workdir, who);
}

// The command exists and can run, checked before anything starts (run and exec), in Docker's words.
// Root looks only where `who` (the user the command runs as) could: below a
// directory they cannot search the user stage answers, the same whether or
// not the path is there (kernel/reachable.ts commandLineView).
export async function checkCommandLine(k: Kernel, cmd: string[], path: string, workdir: string, who: Looker): Promise<void> {
  // `env` (the user stage, kernel/process.ts) would read NAME=VALUE as a variable
  if (cmd[0].includes('=')) throw invalid(`exec: "${cmd[0]}": a command name containing "=" is not supported`);
  const look = await k.commandLineView(who, workdir, cmd[0], path);
  if (look(workdir)) {
    try {
      await stat(workdir);
    } catch {
      throw invalid(`working directory ${workdir} does not exist`);
    }
  }
  try {
    await k.resolveExecutable(cmd[0], path, workdir, look);
  } catch (e) {
    // Docker's run: 127 when the command is not found, 126 when it cannot be executed
    const msg = (e as Error).message;
    throw new BerthError('invalid_argument', msg, { exitCode: /not found|no such file/.test(msg) ? 127 : 126 });
  }
}

async function startProcess(eng: Engine, s: State, c: ContainerRecord, undo: Undo, size = { cols: 80, rows: 24 }): Promise<void> {
  await createSandbox(eng, s, c, undo);
  await eng.ports.attach(s, c, undo);
  // The rules go in before the process starts (as Docker's do); the
  // container's user and /etc files touch no kernel state and are made
  // meanwhile. All settle before a failure is thrown, so the rollback never
  // races a step still running.
  const [fw, usr, files] = await Promise.allSettled([eng.syncFirewall(s, undo), eng.kernel.userOf(c.uid), containerEtc(eng, s, c)]);
  if (fw.status === 'rejected') throw fw.reason;
  if (usr.status === 'rejected') throw usr.reason;
  const user = usr.value;
  const envMap = containerEnv(c, user.home, c.env);
  const netnsPath = sandboxOf(s, c)?.path ?? null;
  let started;
  try {
    if (files.status === 'rejected') throw files.reason;
    const etc = files.value;
    started = await eng.kernel.startShim({
      ...eng.opts.shim, dir: containerDir(eng, c.id), id: c.id, limits: limitsOf(c),
      stdin: c.stdin === true, tty: c.tty ? size : undefined,
      netnsPath, utsPath: utsOf(eng, s, c), argv: c.cmd, uid: c.uid, gid: c.gid, knownUser: user.known, env: envMap, cwd: c.workdir, etc,
    });
  } catch (e) {
    throw invalid(`cannot start ${c.cmd[0]}: ${(e as Error).message}`);
  }
  undo.push(async () => eng.kernel.signalGroup(started.pid, 'SIGKILL'));
  c.state = {
    status: 'running', pid: started.pid, startTime: started.startTime, exitCode: 0, startedAt: new Date().toISOString(), finishedAt: '', error: '',
    shimPid: started.shimPid, shimStartTime: started.shimStartTime,
  };
  eng.watchExit(c.id, started.pid, started.exited);
  eng.emit({ type: 'container.changed', id: c.id, name: c.name, status: 'running' });
}

// What a container's command sees: Docker's PATH, HOSTNAME and HOME, then the container's (and an exec's) KEY=VALUEs.
export function containerEnv(c: ContainerRecord, home: string, env: string[]): Record<string, string> {
  const m: Record<string, string> = { PATH, HOSTNAME: c.hostname, HOME: home };
  for (const kv of env) {
    const i = kv.indexOf('=');
    m[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return m;
}

// Called once a container's process has ended: tear its sandbox down.
export async function finalizeExit(eng: Engine, id: string, pid: number, exitCode: number, error = '', finishedAt = ''): Promise<void> {
  let removed: ContainerRecord | null = null;
  let changed: ContainerRecord | null = null;
  await eng.tx(async (s, undo) => {
    const c = s.containers[id];
    // a container being removed is finished by its removal (finishRemoval)
    if (!c || c.state.pid !== pid || c.state.status === 'exited' || c.state.status === 'removing') return;
    await eng.ports.detach(s, c);
    await destroySandbox(eng, s, c);
    c.state = { ...c.state, status: 'exited', exitCode, finishedAt: finishedAt || new Date().toISOString(), error };
    // containers sharing this one's netns lose their network with it
    for (const d of Object.values(s.containers))
      if (d.networkMode === `container:${id}` && isUp(d)) eng.kernel.signalGroup(d.state.pid, 'SIGKILL');
    if (c.autoRemove) {
      eng.lastExit.set(id, exitCode);
      delete s.containers[id];
      removed = c;
    } else changed = c;
    await eng.syncFirewall(s, undo);
  });
  const r = removed as ContainerRecord | null;
  const ch = changed as ContainerRecord | null;
  if (r) {
    // outside the transaction: a shim still writing into the directory is ended first (endShim)
    await endShim(eng.kernel, r);
    await removeLogs(eng, id);
    eng.emit({ type: 'container.removed', id: r.id, name: r.name });
  }
  if (ch) eng.emit({ type: 'container.changed', id: ch.id, name: ch.name, status: 'exited' });
}

export async function startContainer(eng: Engine, ref: string): Promise<ContainerRecord> {
  return spareShimAfter(eng, eng.tx(async (s, undo) => {
    const c = findContainer(s, ref);
    if (isUp(c)) return c;
    c.endpoints = [];
    c.netns = null;
    await startProcess(eng, s, c, undo);
    return c;
  }));
}

// SIGTERM, then SIGKILL after `timeout` seconds, like `docker stop`.
export async function stopContainer(eng: Engine, ref: string, timeout: number): Promise<ContainerRecord> {
  const c = findContainer(eng.state, ref);
  if (!isUp(c)) return c;
  const { pid, startTime } = c.state;
  await signalCommand(eng.kernel, c, timeout === 0 ? 'SIGKILL' : 'SIGTERM', true);
  let killed = timeout === 0;
  const deadline = Date.now() + timeout * 1000;
  while (await eng.kernel.isAlive(pid, startTime)) {
    if (!killed && Date.now() >= deadline) {
      eng.kernel.signalGroup(pid, 'SIGKILL');
      killed = true;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const code = (await eng.exitCodeOf(c.id, pid)) ?? (killed ? 137 : 143);
  await finalizeExit(eng, c.id, pid, code);
  return findContainer(eng.state, c.id);
}

// `docker kill`: the signal goes to the container's main process, as Docker
// sends it to the container's PID 1. SIGKILL goes to the whole process group:
// without a PID namespace, the rest would outlive the container.
export async function killContainer(eng: Engine, ref: string, signal: string): Promise<ContainerRecord> {
  const c = findContainer(eng.state, ref);
  const sig = signalName(signal);
  if (!isUp(c)) throw conflict(`cannot kill container: ${ref}: container ${c.id} is not running`);
  await signalCommand(eng.kernel, c, sig, sig === 'SIGKILL');
  return c;
}

// With -t the main process is script(1), which answers SIGTERM by ending the
// command itself and exiting 0: the signal goes to the command (script's
// child, in the terminal's own session) instead, so its status is the real one.
async function signalCommand(k: Kernel, c: ContainerRecord, sig: NodeJS.Signals, group: boolean): Promise<void> {
  const pid = c.state.pid;
  const targets = c.tty ? await k.childrenOf(pid) : [pid];
  for (const t of targets.length ? targets : [pid]) (group ? k.signalGroup : k.signalProcess)(t, sig);
  if (c.tty && sig === 'SIGKILL') k.signalGroup(pid, sig);
}

// KILL, SIGKILL, kill, 9 → SIGKILL; anything else is Docker's "Invalid signal".
export function signalName(s: string): NodeJS.Signals {
  const table = osConstants.signals as Record<string, number>;
  const up = s.toUpperCase();
  const name = /^\d+$/.test(s) ? Object.keys(table).find((k) => table[k] === Number(s)) : up.startsWith('SIG') ? up : `SIG${up}`;
  if (!name || !(name in table) || table[name] === 0) throw invalid(`Invalid signal: ${s}`);
  return name as NodeJS.Signals;
}

// `docker restart`: stop (a stopped container is just started), then start.
export async function restartContainer(eng: Engine, ref: string, timeout: number): Promise<ContainerRecord> {
  const c = findContainer(eng.state, ref);
  if (c.state.status === 'removing') throw conflict(`cannot restart container ${ref}: it is being removed`);
  await stopContainer(eng, c.id, timeout);
  return startContainer(eng, c.id);
}

export async function removeContainer(eng: Engine, ref: string, force: boolean): Promise<string> {
  const c = findContainer(eng.state, ref);
  if (isUp(c) && !force)
    throw conflict(`You cannot remove a running container ${c.id}. Stop the container before attempting removal or force remove`);
  const sharers = Object.values(eng.state.containers).filter((d) => d.networkMode === `container:${c.id}` && isUp(d));
  if (sharers.length) throw conflict(`container ${c.name} shares its network with running containers: ${sharers.map((d) => d.name).join(', ')}`);
  // The intent is saved first: a write that fails (a full disk) changes
  // nothing; one that succeeds is finished here, by `doctor` or at start-up.
  if (c.state.status !== 'removing')
    await eng.tx(async (s) => {
      const cur = s.containers[c.id];
      if (cur) cur.state = { ...cur.state, status: 'removing' };
    });
  eng.emit({ type: 'container.changed', id: c.id, name: c.name, status: 'removing' });
  await finishRemoval(eng, c.id);
  return c.name;
}

// Ends the process, then removes the sandbox, ports, rules and record of a
// container whose removal was recorded. Every step may already be done.
export async function finishRemoval(eng: Engine, id: string): Promise<void> {
  const c = eng.state.containers[id];
  if (!c || c.state.status !== 'removing') return;
  const { pid, startTime } = c.state;
  if (pid && (await eng.kernel.isAlive(pid, startTime))) {
    eng.kernel.signalGroup(pid, 'SIGKILL');
    await untilGone(eng.kernel, pid, startTime, `process ${pid} of container ${c.name}`);
  }
  // Its log and exit record go with the container: the shim is ended now
  // instead of waited for (docs/decisions.md, "rm -f"); only the container's
  // directory waits for it to be gone, the sandbox and rules go meanwhile.
  const shimGone = endShim(eng.kernel, c);
  await eng.tx(async (s, undo) => {
    const cur = s.containers[id];
    if (!cur) return;
    for (const d of Object.values(s.containers))
      if (d.networkMode === `container:${id}` && isUp(d)) eng.kernel.signalGroup(d.state.pid, 'SIGKILL');
    delete s.containers[id];
    // The state is final: its ports (sockets, conntrack flush), its sandbox
    // and its rules go side by side, all settled before the commit, which
    // is when its addresses can go to another container.
    await eng.alongFirewall(s, undo, async () => {
      const [p, b] = await Promise.allSettled([eng.ports.detach(s, cur), destroySandbox(eng, s, cur)]);
      if (p.status === 'rejected') throw p.reason;
      if (b.status === 'rejected') throw b.reason;
    });
  }).finally(() => shimGone);
  await removeLogs(eng, id);
  eng.emit({ type: 'container.removed', id, name: c.name });
}

// How often rm -f looks whether a killed process and its shim are gone (a
// read of /proc/PID/stat, a few µs): both go within a ms or two of the
// SIGKILL, and every wait here is part of the removal's time (bench/README.md).
const GONE_POLL_MS = 2;

async function untilGone(k: Kernel, pid: number, startTime: string, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (await k.isAlive(pid, startTime)) {
    if (Date.now() > deadline) throw new BerthError('internal', `${what} did not end after SIGKILL`);
    await new Promise((r) => setTimeout(r, GONE_POLL_MS));
  }
}

// A removed container's shim: what it still has to do (the last output,
// the exit record) is written into the directory being removed, so it is
// killed, and the directory is removed once it is gone.
async function endShim(k: Kernel, c: ContainerRecord): Promise<void> {
  const { shimPid, shimStartTime } = c.state;
  if (!shimPid || !shimStartTime) return; // without its start time a pid could be anybody's now
  if (!(await k.isAlive(shimPid, shimStartTime))) return;
  k.signalProcess(shimPid, 'SIGKILL');
  await untilGone(k, shimPid, shimStartTime, `shim ${shimPid} of container ${c.name}`);
}

// Removals a crash or a full disk interrupted (at start-up and from `doctor`).
export async function finishRemovals(eng: Engine): Promise<{ done: string[]; failed: string[] }> {
  const done: string[] = [];
  const failed: string[] = [];
  for (const c of Object.values(eng.state.containers)) {
    if (c.state.status !== 'removing') continue;
    try {
      await finishRemoval(eng, c.id);
      done.push(`container ${c.name}: interrupted removal finished`);
    } catch (e) {
      failed.push(`container ${c.name}: removal not finished: ${(e as Error).message}`);
    }
  }
  return { done, failed };
}

// The container's log as the query asks, entry by entry to `sink` (engine/log-read.ts).
export async function readLogs(eng: Engine, ref: string, q: LogQuery, sink: LogSink): Promise<void> {
  const c = findContainer(eng.state, ref);
  await scanLog(containerDir(eng, c.id), c.id, limitsOf(c).maxFile, q, sink);
}

// The exit status the container's shim recorded for run `pid`, if it did.
export async function recordedExit(eng: Engine, id: string, pid: number) {
  return eng.kernel.readExit(containerDir(eng, id), pid);
}
