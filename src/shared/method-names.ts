// The contract's method names alone, free of zod, for the sandboxed preload
// (which must stay a small single file). methods.ts checks at compile time
// that this list and the schemas name the same methods.
export const METHOD_NAMES = [
  'system.info', 'system.shutdown', 'system.reset', 'events.subscribe',
  'network.list', 'network.inspect', 'network.create', 'network.remove', 'network.prune', 'network.checkSubnet',
  'network.connect', 'network.disconnect',
  'container.list', 'container.inspect', 'container.run', 'container.start', 'container.stop', 'container.remove',
  'container.logs', 'container.wait', 'container.kill', 'container.restart',
  'container.exec', 'container.attach', 'exec.input', 'exec.resize', 'sandbox.listForeign',
  'port.list', 'port.add', 'port.remove',
  'host.inspect', 'nat.query', 'nat.text', 'nat.counters', 'nat.conntrack', 'cleanup.plan', 'cleanup.apply', 'cleanup.undo', 'doctor',
  'activity.list', 'network.validate', 'container.validate',
] as const;
export type MethodName = (typeof METHOD_NAMES)[number];
export const isMethodName = (m: unknown): m is MethodName =>
  typeof m === 'string' && (METHOD_NAMES as readonly string[]).includes(m);
