import type { z } from 'zod';
import type { methods } from '../../../src/shared/methods';
import type { PortMapping } from '../../../src/shared/ports';
import { findContainer, type Engine } from '../engine/engine';
import { addPort, removePort } from '../engine/port-edits';
import { PortService } from '../engine/ports';
import type { Handlers } from './rpc-server';

type P<M extends keyof typeof methods> = z.output<(typeof methods)[M]['params']>;

// Areas built on the engine (published ports, host inspection, cleanup)
// contribute their handlers here, so the helper's bootstrap stays one list.
export interface ExtraHandlers {
  handlers: Partial<Handlers>;
  listPorts: (containerId: string) => PortMapping[];
  // the port service, for cleanup (held ports, releasing orphans)
  ports: PortService;
  restore(): Promise<void>;
  shutdown(): Promise<void>;
}

export function makeExtraHandlers(engine: Engine, _dataRoot: string): ExtraHandlers {
  // Published ports: the engine asks the service at run/connect/exit, and
  // renders its rules with the rest of the firewall.
  const ports = new PortService(engine);
  engine.publisher = ports;
  engine.publishedPorts = (s) => ports.published(s);
  const portHandlers: Partial<Handlers> = {
    'port.list': async (p: P<'port.list'>) => ports.list(engine.state, findContainer(engine.state, p.container).id),
    // add/remove answer with the mappings added/removed; port.list has the rest
    'port.add': async (p: P<'port.add'>) => addPort(engine, ports, p.container, p.spec),
    'port.remove': async (p: P<'port.remove'>) => removePort(engine, ports, p.container, p.spec),
  };
  return {
    handlers: portHandlers,
    listPorts: (id) => ports.list(engine.state, id),
    ports,
    restore: () => ports.restore(),
    shutdown: () => ports.shutdown(),
  };
}
