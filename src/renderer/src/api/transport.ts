import type { BerthEvent } from '../../../shared/events';
import type { MethodName, ParamsOf, ResultOf } from '../../../shared/methods';
import type { HelperState } from '../../../preload/bridge';

export type { HelperState };

// The one interface the views use. Two implementations: Electron IPC
// (window.berth) and a WebSocket to `berth ui --web`. Calls reject with a
// BerthError, so views branch on `kind` and show `message`.
export interface BerthTransport {
  readonly kind: 'electron' | 'web';
  call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<ResultOf<M>>;
  onEvent(cb: (e: BerthEvent) => void): () => void;
  onState(cb: (s: HelperState) => void): () => void;
  close?(): void;
  // a published port's http URL in a browser: the desktop's (Electron) or a new tab (web)
  openPortUrl?(url: string): void;
}
