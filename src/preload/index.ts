// Sandboxed preload: imports only `electron` (the method list is bundled in).
// Exposes window.berth = { call, api, onEvent, onState, openPortUrl } and nothing else.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { METHOD_NAMES, type MethodName } from '../shared/method-names';
import type { ParamsOf, ResultOf } from '../shared/methods';
import type { BerthEvent } from '../shared/events';
import type { BerthBridge, BridgeApi, BridgeResult, Channels, HelperState } from './bridge';

const CH: Channels = { call: 'berth:call', event: 'berth:event', state: 'berth:state', open: 'berth:open-port' };

function call<M extends MethodName>(method: M, params: ParamsOf<M>): Promise<BridgeResult<ResultOf<M>>> {
  return ipcRenderer.invoke(CH.call, method, params ?? {});
}

function subscribe<T>(channel: string, cb: (v: T) => void): () => void {
  const listener = (_e: IpcRendererEvent, v: T) => cb(v);
  ipcRenderer.on(channel, listener);
  return () => {
    ipcRenderer.removeListener(channel, listener);
  };
}

const api = Object.fromEntries(
  METHOD_NAMES.map((m) => [m, (params: never) => call(m, params)]),
) as unknown as BridgeApi;

const bridge: BerthBridge = {
  call,
  api,
  onEvent: (cb) => subscribe<BerthEvent>(CH.event, cb),
  onState: (cb) => {
    const off = subscribe<HelperState>(CH.state, cb);
    // the current state, then every change
    void ipcRenderer.invoke(CH.state).then((s: HelperState) => cb(s));
    return off;
  },
  openPortUrl: (url) => ipcRenderer.send(CH.open, String(url)),
};

contextBridge.exposeInMainWorld('berth', bridge);
