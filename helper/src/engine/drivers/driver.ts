import type { EndpointRecord, NetworkRecord } from '../../store/state';
import type { SandboxRef } from '../sandbox-ref';

// One interface for network drivers (bridge, host, null). The firewall is
// not a driver's business: the engine renders it from the whole state.
export interface NetworkDriver {
  readonly name: NetworkRecord['driver'];
  // idempotent: restore and reconcile call it for networks that may exist
  ensureNetwork(net: NetworkRecord): Promise<void>;
  // a new network: fails with a conflict when its bridge name is taken, so
  // nobody else's link is ever adopted
  createNetwork(net: NetworkRecord): Promise<void>;
  deleteNetwork(net: NetworkRecord): Promise<void>;
  // creates the endpoint's link with its peer in the sandbox, with address;
  // `sandboxLines` (ip commands, e.g. the default route) run in the sandbox
  // right after, in the same ip process. `inSandbox` runs that part (the
  // engine's sandboxStep, which may leave it running: Engine.tx's overlap).
  join(net: NetworkRecord, ep: EndpointRecord, sb: SandboxRef, sandboxLines?: string[], inSandbox?: (step: () => Promise<void>) => Promise<void>): Promise<void>;
  leave(net: NetworkRecord, ep: EndpointRecord, sb: SandboxRef | null): Promise<void>;
}
