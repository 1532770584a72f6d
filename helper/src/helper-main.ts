import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BerthError } from '../../src/shared/errors';
import { connectHelper } from './client/unix-client';
import { finalizeExit } from './engine/containers';
import { Engine } from './engine/engine';
import { hostKernel } from './kernel/host-kernel';
import { checkDrift, restore } from './engine/restore';
import { repeatWithoutOverlap } from './engine/periodic';
import { hostNameservers } from './dns/files';
import { DnsService } from './dns/server';
import type { FirewallChoice } from './firewall/flag-values';
import { chooseFirewall } from './firewall/select-backend';
import { startDetached, userOf } from './kernel/process';
import { useSpawner } from './kernel/exec';
import { prepareUtsDir, releaseUtsDir } from './kernel/uts';
import { dropSpare } from './kernel/shim';
import { FileStore } from './store/file-store';
import { ACTIVITY_MAX, ActivityLog } from './store/activity-log';
import { currentDoer, onOwnAccount } from './server/actor';
import { emptyState, isEmptyState } from './store/state';
import { berthObjectsInKernel } from './engine/leftovers';
import { lockNetns } from './kernel/netns-lock';
import { takeGeneration } from './kernel/program-generation';
import { ensureSafeDir } from './kernel/safe-files';
import { HostOriginals } from './engine/host-originals';
import { makeHandlers } from './server/handlers';
import { RpcServer } from './server/rpc-server';
import { cleanupDeps } from './server/cleanup-deps';
import { PortService } from './engine/ports';
import { VERSION } from './version';
import { HELPER_ENV, HELPER_NODE_FLAGS, setHelperV8Flags } from './helper-node-flags';
import { useEngineSockets } from './inspect/engines';

export interface HelperOptions {
  socketPath: string;
  dataRoot: string;
  ownerUid: number;
  foreground: boolean;
  driftIntervalMs: number;
  firewall: FirewallChoice;
  dockerSocket?: string; // Docker's API, when not at /var/run/docker.sock
  // accept an empty, missing or unusable store although the kernel holds
  // Berth's objects: they are removed (an unusable file is set aside first)
  reset: boolean;
}

// `berth helper`: without --foreground it starts itself detached and returns
// once the socket answers, so sudo/pkexec prompts come back.
export async function helperMain(o: HelperOptions, argv: string[]): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('berth helper must run as root (try: sudo berth helper)\n');
    return 1;
  }
  if (!o.foreground) return daemonize(o, argv);
  setHelperV8Flags();
  if (o.dockerSocket) useEngineSockets({ docker: o.dockerSocket });
  const log = (m: string) => process.stderr.write(`${new Date().toISOString()} ${m}\n`);
  // A promise some code path forgot to await must not end a root daemon that
  // holds everyone's networks (Node's default); it is logged as the bug it is.
  process.on('unhandledRejection', (e) => log(`BUG: unhandled rejection: ${(e as Error)?.stack ?? e}`));
  // kernel programs start from the small spawner beside the bundle (kernel/spawner.ts), not from this process
  const spawner = join(dirname(realpathSync(process.argv[1])), 'spawner.mjs');
  if (existsSync(spawner)) useSpawner(spawner);
  else log(`no ${spawner}: kernel programs start from the helper itself`);
  const shimScript = join(dirname(realpathSync(process.argv[1])), 'shim.mjs');
  // Start-up refusals (another helper, an unsafe directory, a bad store) are
  // one line and exit 1, before anything in the kernel is touched.
  let started;
  try {
    started = await startUp(o, log);
  } catch (e) {
    process.stderr.write(`berth helper: ${(e as Error).message}\n`);
    return 1;
  }
  const { firewall, store, netnsLock, late } = started;
  const utsDir = `${o.dataRoot}/uts`;
  await prepareUtsDir(utsDir);
  const engine = new Engine({
    store,
    kernel: hostKernel,
    firewall,
    ownerUid: o.ownerUid,
    logDir: `${o.dataRoot}/containers`,
    utsDir,
    etcDir: `${o.dataRoot}/etc`,
    originals: new HostOriginals(o.dataRoot),
    // the engine asks the port service at run/connect/exit and renders its rules with the rest of the firewall
    ports: (eng) => new PortService(eng),
    // containers' shims (kernel/shim.ts): the lean shim.mjs beside the bundle, else this same program
    shim: { node: process.execPath, script: existsSync(shimScript) ? shimScript : process.argv[1] },
    onExit: (eng, id, pid, code, error, finishedAt) => void onOwnAccount(() => finalizeExit(eng, id, pid, code, error, finishedAt)).catch((e) => log(`exit of ${id}: ${e}`)),
  });
  if (late) engine.warnings.push(late);
  if (firewall.name === 'none') engine.warnings.push('neither iptables nor nftables is available: networks have no NAT or isolation');
  await restore(engine);
  await engine.ports.restore();
  // containers' DNS server: a socket on each bridge's gateway, following the networks (docs/dns.md)
  // (a query from a container not yet committed waits for the operations queued before it)
  const dns = new DnsService(() => engine.state, () => hostNameservers(), log, undefined, () => engine.serial(async () => {}));
  await dns.sync();
  engine.on((e) => {
    if (e.type === 'network.created' || e.type === 'network.removed') void dns.sync();
  });
  // what the helper did and for whom, kept across restarts (the Activity view replays it)
  const activity = new ActivityLog(`${o.dataRoot}/activity.json`, ACTIVITY_MAX, log);
  engine.on((e) => {
    const d = currentDoer();
    activity.record(e, d?.actor ?? (e.type === 'drift.found' ? 'drift' : 'helper'), d?.client);
  });
  let driftPaused = false;
  let reset = false;
  const owner = await userOf(o.ownerUid);
  // SIGTERM, SIGINT or `berth helper stop` (system.shutdown) end the helper the same way.
  // `on`, not `once`: a second signal during the shutdown must not kill the
  // helper half-way (socket and token left behind).
  let stop: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  for (const sig of ['SIGTERM', 'SIGINT'] as const)
    process.on(sig, () => {
      log(`${sig} received`);
      stop();
    });
  const server = new RpcServer({
    socketPath: o.socketPath,
    inheritedFd: activationFd(),
    ownerUid: o.ownerUid,
    ownerGid: owner.gid,
    log,
    handlers: makeHandlers({
      engine,
      socketPath: o.socketPath,
      dataRoot: o.dataRoot,
      startedAt: new Date().toISOString(),
      version: VERSION,
      ownerUid: o.ownerUid,
      shutdown: () => stop(),
      inspect: cleanupDeps(engine, o.dataRoot, store.path, { planAhead: true }),
      activity,
      lifecycle: {
        pauseDrift: () => (driftPaused = true),
        // after the reply is on its way
        stop: () => {
          reset = true;
          setTimeout(() => stop(), 200);
        },
      },
    }),
  });
  engine.on((e) => server.broadcast(e));
  await server.listen();
  log(`berth helper ${VERSION} listening on ${o.socketPath} (owner uid ${o.ownerUid}, data ${o.dataRoot}, firewall ${firewall.name})`);

  // A firewall reload, someone's `iptables -F` or `nft flush table ip berth` removed Berth's rules: put them back.
  const drift = repeatWithoutOverlap(async () => {
    if (driftPaused) return;
    try {
      const r = await checkDrift(engine, true);
      if (r.healed) {
        log(`drift healed: ${r.missing.length} missing, ${r.extra.length} extra`);
        engine.emit({ type: 'drift.found', missing: r.missing.length, extra: r.extra.length, healed: true });
      }
    } catch (e) {
      log(`drift check failed: ${(e as Error).message}`);
    }
  }, o.driftIntervalMs);

  await stopped;
  drift.stop();
  engine.stopWatching();
  await engine.settle();
  await dropSpare();
  await engine.ports.shutdown();
  dns.close();
  await server.close();
  // the uts/ directory's mount of itself, unless a running container's hostname is mounted in it (kernel/uts.ts)
  await releaseUtsDir(utsDir).then(
    (r) => r === 'in use' && log(`${utsDir} stays mounted: it holds the hostnames of the containers that keep running`),
    (e) => log(`${utsDir} stays mounted: ${(e as Error).message}`),
  );
  activity.flush();
  store.unlock();
  netnsLock.release();
  log(reset ? 'helper stopped after berth system reset: the host is as Berth found it' : 'helper stopped; containers keep running');
  return 0;
}

async function startUp(o: HelperOptions, log: (m: string) => void) {
  const holder = `pid ${process.pid}\ndata root ${o.dataRoot}\nsocket ${o.socketPath}\n`;
  const netnsLock = lockNetns(holder);
  try {
    ensureSafeDir(o.dataRoot, DATA_ROOT_RULE);
    const store = new FileStore(o.dataRoot);
    store.lock(holder);
    try {
      // the previous helper's kernel programs end before this one reads the kernel (kernel/program-generation.ts)
      const late = await takeGeneration(join(o.dataRoot, 'programs.lock'), log);
      let loaded = { state: emptyState(), exists: false };
      try {
        loaded = store.read();
      } catch (e) {
        if (!o.reset) throw e;
        log(`--reset: ${(e as Error).message.split('. ')[0]}; set aside as ${store.setAside()}`);
      }
      const firewall = await chooseFirewall(o.firewall);
      if (isEmptyState(loaded.state)) {
        const found = await berthObjectsInKernel(hostKernel, firewall);
        if (found.length && !o.reset)
          throw new BerthError(
            'conflict',
            `the store ${store.path} ${loaded.exists ? 'is empty' : 'does not exist'}, but the kernel holds Berth's objects ` +
              `(${found.slice(0, 3).join('; ')}${found.length > 3 ? `; ${found.length - 3} more` : ''}): refusing to remove them. ` +
              `Restore the store with: cp ${store.backupPath} ${store.path} (if it exists), or accept the loss with: berth helper --reset`,
          );
        if (found.length) log(`--reset: removing ${found.length} Berth objects the empty store does not know`);
      }
      return { firewall, store, netnsLock, late };
    } catch (e) {
      store.unlock();
      throw e;
    }
  } catch (e) {
    netnsLock.release();
    throw e;
  }
}

// The data root holds what root believes (the store) and writes (logs,
// hostnames, snapshots): nobody but root may be able to change it or any
// directory above it, sticky ones like /tmp excepted.
const DATA_ROOT_RULE = { trusted: [], leafSticky: false, what: 'data root' };

async function daemonize(o: HelperOptions, argv: string[]): Promise<number> {
  try {
    ensureSafeDir(o.dataRoot, DATA_ROOT_RULE);
  } catch (e) {
    process.stderr.write(`berth helper: ${(e as Error).message}\n`);
    return 1;
  }
  const logFile = `${o.dataRoot}/helper.log`;
  // the helper's own Node flags first: a flag given to this process as well wins (V8 takes the last)
  const node = [...HELPER_NODE_FLAGS, ...process.execArgv];
  const child = startDetached(process.execPath, [...node, process.argv[1], ...argv, '--foreground', '--owner', String(o.ownerUid)], logFile, HELPER_ENV);
  let exited: number | null = null;
  void child.exited.then((c) => (exited = c));
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (exited !== null) {
      const tail = readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join('\n');
      process.stderr.write(`berth helper failed to start:\n${tail}\n`);
      return 1;
    }
    try {
      const c = await connectHelper(o.socketPath);
      await c.call('system.info', {});
      c.close();
      process.stdout.write(`berth helper started (pid ${child.pid}), socket ${o.socketPath}, log ${logFile}\n`);
      return 0;
    } catch (e) {
      if (!(e instanceof BerthError) || e.kind !== 'unavailable') {
        /* not up yet */
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stderr.write(`berth helper did not answer within 20 s; see ${logFile}\n`);
  return 1;
}

// systemd socket activation (sd_listen_fds): one listening socket at fd 3,
// meant for this process. The variables are unset so no child inherits them.
function activationFd(): number | undefined {
  const mine = process.env.LISTEN_PID === String(process.pid) && process.env.LISTEN_FDS === '1';
  delete process.env.LISTEN_PID;
  delete process.env.LISTEN_FDS;
  delete process.env.LISTEN_FDNAMES;
  return mine ? 3 : undefined;
}
