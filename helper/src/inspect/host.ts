import type { HostInspect } from '../../../src/shared/inspect';
import { readHostRaw } from '../kernel/host-readers';
import { buildHostInspect } from './build';
import { releaseMemorySoon } from './release-memory';

// One reading of the host: links, namespaces, routes, sockets, rules, each with its owner.
// `join`: a firewall reading already running is shared (kernel/host-readers.ts).
export async function inspectHost(opts: { join?: boolean } = {}): Promise<HostInspect> {
  releaseMemorySoon();
  return buildHostInspect(await readHostRaw(opts));
}
