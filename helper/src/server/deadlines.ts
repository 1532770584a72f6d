import type { MethodName } from '../../../src/shared/methods';

// How long a request may take before its caller is answered `timeout`
// (docs/architecture.md, "Deadlines"). Every method of the contract is in
// one class: a new method that is not classed here does not compile.
// - read: answers from the helper's state or one short kernel reading
// - inspect: reads the whole host (tens of thousands of rules) or a log
// - change: a mutation; past its deadline it is answered, never cut short:
//   the engine's queue finishes it (committed) or undoes it, as for a caller that left
// - stream: lasts as long as its caller wants (events, waits, follow, exec);
//   bounded by the connection (it ends when the caller leaves) and its own stall limits
export type MethodClass = 'read' | 'inspect' | 'change' | 'stream';

export const METHOD_CLASS = {
  'system.info': 'read',
  'system.shutdown': 'change',
  'system.reset': 'change',
  'events.subscribe': 'read', // answers at once; the events that follow are the connection's
  'network.list': 'read',
  'network.inspect': 'read',
  'network.create': 'change',
  'network.remove': 'change',
  'network.prune': 'change',
  'network.checkSubnet': 'read',
  'network.connect': 'change',
  'network.disconnect': 'change',
  'container.list': 'read',
  'container.inspect': 'read',
  'container.run': 'change',
  'container.start': 'change',
  'container.stop': 'change',
  'container.remove': 'change',
  'container.logs': 'inspect', // follow: a stream (deadlineOf)
  'container.wait': 'stream',
  'container.kill': 'change',
  'container.restart': 'change',
  'container.exec': 'stream',
  'container.attach': 'stream',
  'exec.input': 'stream', // answered once the command takes the input, which may read it slowly; ends with its session
  'exec.resize': 'read',
  'sandbox.listForeign': 'read',
  'port.list': 'read',
  'port.add': 'change',
  'port.remove': 'change',
  'host.inspect': 'inspect',
  'nat.query': 'inspect',
  'nat.text': 'stream', // `berth nat ls | less`: sent as fast as it is read, stopped after NAT_STALL_MS without reading
  'nat.counters': 'inspect',
  'nat.conntrack': 'inspect',
  'cleanup.plan': 'inspect',
  'cleanup.apply': 'change',
  'cleanup.undo': 'change',
  'doctor': 'change', // it heals what drifted
  'activity.list': 'read',
  'network.validate': 'read',
  'container.validate': 'read',
} as const satisfies Record<MethodName, MethodClass>;

export interface DeadlineLimits {
  readMs: number;
  inspectMs: number;
  changeMs: number;
}

// Generous: a kernel program alone may take 15 s before it is killed
// (kernel/exec.ts), a change waits in the engine's queue behind the others,
// and the machine may be loaded. The deadline is for work that hangs, not slow work.
export const DEADLINES: DeadlineLimits = { readMs: 60_000, inspectMs: 180_000, changeMs: 180_000 };

// The request's deadline in ms from its start, or null (a stream: none).
export function deadlineOf(method: MethodName, params: unknown, l: DeadlineLimits): { cls: MethodClass; ms: number | null } {
  const cls: MethodClass = METHOD_CLASS[method];
  const p = (params ?? {}) as { follow?: boolean; timeout?: number };
  if (method === 'container.logs' && p.follow) return { cls: 'stream', ms: null };
  switch (cls) {
    case 'read':
      return { cls, ms: l.readMs };
    case 'inspect':
      return { cls, ms: l.inspectMs };
    case 'change':
      // stop and restart wait up to `timeout` seconds for the process before SIGKILL
      return { cls, ms: l.changeMs + (typeof p.timeout === 'number' ? p.timeout * 1000 : 0) };
    case 'stream':
      return { cls, ms: null };
  }
}
