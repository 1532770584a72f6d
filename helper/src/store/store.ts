import type { State } from './state';

// What the engine needs of persistence: the committed state at start, and
// every new state saved before a caller hears success (engine.ts tx). The
// helper uses FileStore (state.json, atomic, with a .bak); root-free tests
// use MemoryStore. Locking, --reset and the refusal messages are the file's
// own business (helper-main.ts), not the engine's.
export interface Store {
  load(): State;
  save(state: State): void;
  // Optional: writes `state` durably beside the store without making it the
  // store's, while the operation's programs run; a save() of the same state
  // then only switches the files (FileStore). A stage that fails, or a state
  // that changed since, is simply written again by save().
  stage?(state: State): void;
}
