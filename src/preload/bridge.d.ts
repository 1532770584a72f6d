// Types of the bridge between main, preload and renderer. Shared by the node
// and web tsconfigs (both include src/preload/*.d.ts), so every hop agrees.
import type { BerthEvent } from '../shared/events';
import type { ErrorKind } from '../shared/errors';
import type { MethodName, ParamsOf, ResultOf } from '../shared/methods';

// What crosses IPC: Electron drops Error fields, so results travel as an envelope.
export type BridgeResult<T> = { ok: true; value: T } | { ok: false; error: { kind: ErrorKind; message: string } };

// The helper connection as the user sees it.
export type HelperState =
  | { state: 'not-running'; socket: string }
  | { state: 'starting'; socket: string }
  | { state: 'connected'; socket: string }
  | { state: 'failed'; socket: string; reason: string };

export type BridgeApi = { [M in MethodName]: (params: ParamsOf<M>) => Promise<BridgeResult<ResultOf<M>>> };

export interface BerthBridge {
  call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<BridgeResult<ResultOf<M>>>;
  api: BridgeApi;
  onEvent(cb: (e: BerthEvent) => void): () => void;
  onState(cb: (s: HelperState) => void): () => void;
  // "Open in browser" for a published port: main opens it with the desktop's
  // browser if it is a URL of src/shared/port-url.ts's shape, else nothing.
  openPortUrl(url: string): void;
}

// IPC channel names; main and preload each spell them as a value of this type.
export type Channels = { call: 'berth:call'; event: 'berth:event'; state: 'berth:state'; open: 'berth:open-port' };
