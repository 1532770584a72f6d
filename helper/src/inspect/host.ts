import type { HostInspect } from '../../../src/shared/inspect';
import { readHostRaw } from '../kernel/host-readers';
import { buildHostInspect } from './build';
import { releaseMemorySoon } from './release-memory';

// One reading of the host: links, namespaces, routes, sockets, rules, each with its owner.
export async function inspectHost(): Promise<HostInspect> {
  releaseMemorySoon();
  return buildHostInspect(await readHostRaw());
}
