import type { Container, ForeignSandbox } from '../../../shared/container';
import { joinArgv } from '../lib/argv';
import { containerName, containerNetworks, containerPorts } from '../lib/format';

// What the Containers search looks at: what the rows show.
export const containerText = (c: Container): string[] => [
  containerName(c),
  c.Id.slice(0, 12),
  c.State.Status,
  ...containerNetworks(c).flatMap((n) => [n.network, n.ip]),
  ...containerPorts(c),
  joinArgv([c.Path, ...c.Args]),
];

export const sandboxText = (s: ForeignSandbox): string[] => [s.name, s.source, s.id.slice(0, 12), s.status, ...s.addresses, ...s.attachedNetworks];
