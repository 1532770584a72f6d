import { ipcTransport } from './ipc-transport';
import type { BerthTransport } from './transport';
import { defaultWsUrl, wsTransport } from './ws-transport';

// window.berth when the preload put it there (Electron), else the WebSocket.
export function createTransport(w: Window = window): BerthTransport {
  if (w.berth) return ipcTransport(w.berth);
  return wsTransport({ url: defaultWsUrl(w.location) });
}
