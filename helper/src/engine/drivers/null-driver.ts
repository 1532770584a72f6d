import type { NetworkDriver } from './driver';

// host and none: nothing in the kernel to create (netavark's fwnone idea).
const noop = async () => {};
export const hostDriver: NetworkDriver = { name: 'host', ensureNetwork: noop, createNetwork: noop, deleteNetwork: noop, join: noop, leave: noop };
export const nullDriver: NetworkDriver = { name: 'null', ensureNetwork: noop, createNetwork: noop, deleteNetwork: noop, join: noop, leave: noop };
