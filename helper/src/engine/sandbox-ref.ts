import type { NsRef } from '../kernel/links';
import { netnsPath } from '../kernel/netns';

// Where an endpoint's peer lives. `ns` is how ip reaches it; `linkTarget` is
// what `ip link add … netns X` takes (a netns name or a path).
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
