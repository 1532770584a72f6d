import { emptyState, State } from './state';
import type { Store } from './store';

// A Store in memory, for tests that run the engine without root or a disk.
// It keeps what FileStore keeps, a serialized document, and checks it with
// the same schema on every save and load: a draft the file store would
// refuse to load later fails at the save that wrote it. `failNextSave`
// stands in for a full disk or an I/O error mid-transaction.
export class MemoryStore implements Store {
  saves = 0;
  private doc: string;
  private failure: Error | null = null;

  constructor(initial: State = emptyState()) {
    this.doc = JSON.stringify(State.parse(initial));
  }

  load(): State {
    return State.parse(JSON.parse(this.doc));
  }

  save(state: State): void {
    const failure = this.failure;
    this.failure = null;
    if (failure) throw failure;
    this.doc = JSON.stringify(State.parse(state));
    this.saves++;
  }

  failNextSave(e: Error = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })): void {
    this.failure = e;
  }
}
