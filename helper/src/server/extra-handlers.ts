import type { PortMapping } from '../../../src/shared/ports';
import type { Engine } from '../engine/engine';
import type { Handlers } from './rpc-server';

// Areas built on the engine (published ports, host inspection, cleanup)
// contribute their handlers here, so the helper's bootstrap stays one list.
export interface ExtraHandlers {
  handlers: Partial<Handlers>;
  listPorts: (containerId: string) => PortMapping[];
  restore(): Promise<void>;
  shutdown(): Promise<void>;
}

export function makeExtraHandlers(_engine: Engine, _dataRoot: string): ExtraHandlers {
  return {
    handlers: {},
    listPorts: () => [],
    restore: async () => {},
    shutdown: async () => {},
  };
}
