import type { BerthEvent } from '../../../shared/events';
import type { MethodName } from '../../../shared/methods';

// Which queries an event makes stale. Query keys are [method, params].
const NETWORKS: MethodName[] = ['network.list', 'network.inspect', 'network.checkSubnet'];
const CONTAINERS: MethodName[] = ['container.list', 'container.inspect', 'sandbox.listForeign'];
const HOST: MethodName[] = ['host.inspect', 'cleanup.plan'];

// Every recorded event adds to the helper's history (log lines and progress are not recorded).
export function staleMethods(e: BerthEvent): MethodName[] {
  const stale = staleByEvent(e);
  return e.type === 'log' || e.type === 'progress' ? stale : [...stale, 'activity.list'];
}

function staleByEvent(e: BerthEvent): MethodName[] {
  switch (e.type) {
    case 'network.created':
    case 'network.removed':
      return [...NETWORKS, ...CONTAINERS, ...HOST];
    case 'container.changed':
    case 'container.removed':
      return [...CONTAINERS, 'network.list', 'network.inspect', 'port.list', 'container.logs', ...HOST];
    case 'endpoint.joined':
    case 'endpoint.left':
      return [...CONTAINERS, 'network.list', 'network.inspect', ...HOST];
    case 'ports.changed':
      return ['container.list', 'container.inspect', 'port.list', ...HOST];
    case 'drift.found':
    case 'cleanup.applied':
    case 'cleanup.undone':
      return [...HOST, ...NETWORKS, ...CONTAINERS, 'port.list'];
    case 'log':
      return ['container.logs'];
    case 'progress':
    case 'exec.started': // an exec session's own stream (docs/exec.md)
    case 'exec.output':
      return [];
  }
}

// What a successful mutation makes stale, in case its event is missed.
export function staleAfter(method: MethodName): MethodName[] {
  if (method.startsWith('network.')) return [...NETWORKS, ...CONTAINERS, ...HOST];
  if (method.startsWith('container.') || method.startsWith('port.'))
    return [...CONTAINERS, 'network.list', 'network.inspect', 'port.list', 'container.logs', ...HOST];
  return [...HOST, ...NETWORKS, ...CONTAINERS, 'port.list'];
}
