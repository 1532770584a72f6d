import type { BerthEvent } from '../../../src/shared/events';
import { makeInspectHandlers, type InspectDeps } from '../cleanup/handlers';
import { listForeign } from '../inspect/foreign';
import { connect, disconnect } from '../engine/connect';
import { LogFollower, type LogQuery } from '../engine/log-read';
import { containerDir, killContainer, limitsOf, readLogs, restartContainer, removeContainer, runContainer, startContainer, stopContainer, finishRemovals } from '../engine/containers';
import { findContainer, findNetwork, type Engine } from '../engine/engine';
import { addPort, removePort } from '../engine/port-edits';
import { checkDrift } from '../engine/restore';
import { systemReset } from '../engine/reset';
import { createNetwork, foreignRoutes, pruneNetworks, removeNetwork } from '../engine/networks';
import { systemInfo } from '../engine/system-info';
import { containerView, networkView } from '../engine/views';
import type { CallContext, Handlers } from './rpc-server';
import type { ActivityLog } from '../store/activity-log';
import { execInput, execResize, runAttach, runExec } from './exec-sessions';
import { networkProblems, runProblems } from '../engine/validate';
import { isMethodName } from '../../../src/shared/methods';
import { METHOD_CLASS } from './deadlines';

export interface HandlerDeps {
  engine: Engine;
  socketPath: string;
  dataRoot: string;
  startedAt: string;
  version: string;
  ownerUid: number;
  // ends the helper after this answer is sent (helper-main's stop)
  shutdown: () => void;
  // host inspection and cleanup: what they need of the engine
  inspect: InspectDeps;
  // berth system reset: the drift healer must not put back what reset removes; the helper stops after
  lifecycle?: { pauseDrift(): void; stop(): void };
  // the helper's history of events with who did them (absent in tests that do not keep one)
  activity?: ActivityLog;
}

// Every method of the contract, in one object: `satisfies Handlers` makes a
// missing, extra or mistyped handler a compile error. The inspect/cleanup
// part checks its own keys the same way (see cleanup/handlers.ts).
export function makeHandlers(d: HandlerDeps): Handlers {
  const eng = d.engine;
  const view = (id: string) => containerView(eng, eng.state, eng.state.containers[id], eng.ports.list(eng.state, id));
  return {
    'system.info': async () => systemInfo(eng, d),
    'system.shutdown': async () => {
      setImmediate(d.shutdown); // answer first, then stop as on SIGTERM
      return { stopping: true as const };
    },
    'system.reset': async () => {
      d.lifecycle?.pauseDrift();
      const r = await systemReset(eng);
      d.lifecycle?.stop();
      return r;
    },
    'events.subscribe': async (_p, ctx) => {
      ctx.subscribe();
      return { subscribed: true as const };
    },
    'network.list': async () => Object.values(eng.state.networks).map((n) => networkView(eng.state, n)),
    'network.inspect': async (p) => networkView(eng.state, findNetwork(eng.state, p.name)),
    'network.create': async (p) => networkView(eng.state, await createNetwork(eng, p)),
    'network.remove': async (p) => ({ removed: [await removeNetwork(eng, p.name)] }),
    'network.prune': async () => ({ removed: await pruneNetworks(eng) }),
    'network.checkSubnet': async (p) => {
      const routes = await foreignRoutes(eng, eng.state);
      const r = eng.ipam.checkSubnet(p.subnet || undefined, routes.map((cidr) => ({ cidr })));
      const names = new Map(Object.values(eng.state.networks).map((n) => [n.id, n.name]));
      return { ...r, overlaps: r.overlaps.map((o) => (o.kind === 'network' ? { ...o, what: names.get(o.what) ?? o.what } : o)) };
    },
    'network.connect': async (p) => connect(eng, p),
    'network.disconnect': async (p) => {
      await disconnect(eng, p);
      return { disconnected: true as const };
    },
    'container.list': async (p) =>
      Object.values(eng.state.containers)
        .filter((c) => p.all || c.state.status !== 'exited')
        .sort((a, b) => (a.created < b.created ? 1 : -1))
        .map((c) => view(c.id)),
    'container.inspect': async (p) => view(findContainer(eng.state, p.name).id),
    'container.run': async (p) => {
      const c = await runContainer(eng, p);
      return eng.state.containers[c.id] ? view(c.id) : containerView(eng, eng.state, c, []);
    },
    'container.start': async (p) => view((await startContainer(eng, p.name)).id),
    'container.stop': async (p) => view((await stopContainer(eng, p.name, p.timeout)).id),
    'container.remove': async (p) => ({ removed: [await removeContainer(eng, p.name, p.force)] }),
    'container.logs': async (p, ctx) => {
      const q: LogQuery = { tail: p.tail, since: p.since, until: p.until, timestamps: p.timestamps };
      if (p.follow) return followLogs(eng, p.name, q, ctx);
      const c = findContainer(eng.state, p.name);
      if (p.stream) {
        const sink = batched(c.id, ctx);
        await readLogs(eng, c.id, q, sink);
        sink.flush();
        return { data: '', stderr: '', exitCode: null };
      }
      // in the answer: bounded by the log's cap (docs/logs.md); `stream` for a bigger one
      const out = { data: '', stderr: '' };
      await readLogs(eng, c.id, q, (stream, text) => void (stream === 'stdout' ? (out.data += text) : (out.stderr += text)));
      return { ...out, exitCode: null };
    },
    'container.wait': async (p, ctx) => ({ exitCode: await waitExit(eng, p.name, ctx) }),
    'container.exec': async (p, ctx) => runExec(eng, p, ctx),
    'container.attach': async (p, ctx) => runAttach(eng, p, ctx, (id) => waitExit(eng, id, ctx)),
    'exec.input': async (p, ctx) => execInput(p, ctx),
    'exec.resize': async (p, ctx) => execResize(p, ctx),
    'container.kill': async (p) => view((await killContainer(eng, p.name, p.signal)).id),
    'container.restart': async (p) => view((await restartContainer(eng, p.name, p.timeout)).id),
    'sandbox.listForeign': async () => listForeign(eng.state),

    'port.list': async (p) => eng.ports.list(eng.state, findContainer(eng.state, p.container).id),
    // add/remove answer with the mappings added/removed; port.list has the rest
    'port.add': async (p) => addPort(eng, p.container, p.spec),
    'port.remove': async (p) => removePort(eng, p.container, p.spec),

    ...afterReaped(makeInspectHandlers(d.inspect), () => eng.settled()),
    'activity.list': async (p) => d.activity?.list(p) ?? [],
    'network.validate': async (p) => ({ problems: networkProblems(eng, eng.state, p) }),
    'container.validate': async (p) => ({ problems: await runProblems(eng.state, p) }),
    'doctor': async () => {
      // removals a full disk or a crash interrupted are finished, and said so
      const f = await finishRemovals(eng);
      const r = await checkDrift(eng, true);
      return { ...r, extra: [...f.done, ...f.failed, ...r.extra], healed: r.healed || f.done.length > 0 };
    },
  } satisfies Handlers;
}

// Resolves with the exit code once the container is no longer running.
async function waitExit(eng: Engine, ref: string, ctx: CallContext): Promise<number> {
  const c = findContainer(eng.state, ref);
  const done = () => {
    const cur = eng.state.containers[c.id];
    return !cur || cur.state.status === 'exited' ? (cur?.state.exitCode ?? eng.lastExit.get(c.id) ?? 0) : null;
  };
  const now = done();
  if (now !== null) return now;
  return new Promise<number>((resolve) => {
    const off = eng.on((e: BerthEvent) => {
      if ((e.type === 'container.changed' || e.type === 'container.removed') && e.id === c.id) {
        const r = done();
        if (r !== null) {
          off();
          resolve(r);
        }
      }
    });
    void ctx.closed.then(off);
  });
}

// Log entries to one caller as `log` events, consecutive entries of a stream
// joined up to 64 KiB, so a big log is not one event per line.
function batched(id: string, ctx: CallContext) {
  let cur: { stream: 'stdout' | 'stderr'; data: string } | null = null;
  const send = () => {
    if (cur) ctx.notify({ type: 'log', container: id, stream: cur.stream, data: cur.data });
    cur = null;
  };
  const sink = (stream: 'stdout' | 'stderr', text: string) => {
    if (cur && (cur.stream !== stream || cur.data.length + text.length > 65536)) send();
    if (cur) cur.data += text;
    else cur = { stream, data: text };
  };
  return Object.assign(sink, { flush: send });
}

// Streams the container's log as `log` events (each with its stream) to
// this caller until the container exits, the query's `until` passes, or the caller leaves.
async function followLogs(eng: Engine, ref: string, q: LogQuery, ctx: CallContext) {
  const c = findContainer(eng.state, ref);
  const sink = batched(c.id, ctx);
  const f = await LogFollower.start(containerDir(eng, c.id), c.id, limitsOf(c).maxFile, q, sink);
  sink.flush();
  let open_ = true;
  void ctx.closed.then(() => (open_ = false));
  const exit = waitExit(eng, c.id, ctx).then((code) => ({ code }));
  try {
    for (;;) {
      const r = await Promise.race([exit, f.changed(1000).then(() => null)]);
      await ctx.drained(); // a slow reader is sent the log as fast as it reads, not faster
      await f.poll();
      sink.flush();
      if (r || !open_) return { data: '', stderr: '', exitCode: r ? r.code : null };
      if (q.until !== undefined && Date.now() >= q.until) return { data: '', stderr: '', exitCode: null };
    }
  } finally {
    await f.close();
  }
}

// A removal answers before the kernel has deleted its links
// (kernel/link-reaper.ts) and before a firewall deletion has committed
// (firewall/write-queue.ts): host inspection, NAT views and cleanup read the
// host once those are done, so nothing on its way out is shown or proposed as a stray.
// A read whose caller left or whose deadline passed meanwhile is not started
// (its answer would be built for nobody); a change always is (server/deadlines.ts).
export function afterReaped<T extends object>(handlers: T, reaped: () => Promise<void>): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(handlers) as [string, (p: unknown, ctx?: CallContext) => Promise<unknown>][]) {
    const read = isMethodName(name) && METHOD_CLASS[name] !== 'change';
    out[name] = async (p: unknown, ctx?: CallContext) => {
      await reaped();
      if (read) ctx?.signal?.throwIfAborted(); // (test callers may pass no signal)
      return fn(p, ctx);
    };
  }
  return out as T;
}
