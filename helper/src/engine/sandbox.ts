import type { NsRef } from '../kernel/links';
import { netnsPath } from '../kernel/netns';

// Where an endpoint's peer lives. `ns` is how ip reaches it; `linkTarget` is
// what `ip link add … netns X` takes (a netns name or a PID).
export interface SandboxRef {
  id: string; // container id, or foreign id
  name: string; // for messages
  ns: NsRef & string;
  linkTarget: string;
  path: string;
}

export const namedSandbox = (id: string, name: string, netns: string): SandboxRef => ({
  id,
  name,
  ns: netns,
  linkTarget: netns,
  path: netnsPath(netns),
});
export const pidSandbox = (id: string, name: string, pid: number): SandboxRef => ({
  id,
  name,
  ns: `/proc/${pid}/ns/net`,
  linkTarget: String(pid),
  path: `/proc/${pid}/ns/net`,
});
