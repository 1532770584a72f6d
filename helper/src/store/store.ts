import type { State } from './state';

// What the engine needs of persistence: the committed state at start, and
// every new state saved before a caller hears success (engine.ts tx). The
// helper uses FileStore (state.json, atomic, with a .bak); root-free tests
// use MemoryStore. Locking, --reset and the refusal messages are the file's
// own business (helper-main.ts), not the engine's.
export interface Store {
  load(): State;
  save(state: State): void;
}
