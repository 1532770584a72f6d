// The only IPC Berth has: 'berth:call' (contract methods, forwarded to the
// helper), 'berth:event' (helper events), 'berth:state' (connection state)
// and 'berth:open-port' (a published port in the desktop's browser).
import { ipcMain, shell, type BrowserWindow, type IpcMainEvent, type IpcMainInvokeEvent } from 'electron';
import { isPortUrl } from '../shared/port-url';
import { isBerthError } from '../shared/errors';
import { isMethodName } from '../shared/method-names';
import type { BridgeResult, Channels } from '../preload/bridge';
import type { HelperConnection } from './helper-connection';

export const CH: Channels = { call: 'berth:call', event: 'berth:event', state: 'berth:state', open: 'berth:open-port' };

// Calls are accepted only from the main frame of our own window.
export function isTrustedSender(e: IpcMainInvokeEvent | IpcMainEvent, win: BrowserWindow | null): boolean {
  if (!win || win.isDestroyed()) return false;
  const wc = win.webContents;
  const frame = e.senderFrame;
  return e.sender === wc && frame !== null && frame === wc.mainFrame;
}

export async function forwardCall(conn: HelperConnection, method: unknown, params: unknown): Promise<BridgeResult<unknown>> {
  if (!isMethodName(method))
    return { ok: false, error: { kind: 'invalid_argument', message: `unknown method: ${String(method).slice(0, 64)}` } };
  const client = conn.client();
  if (!client) return { ok: false, error: { kind: 'unavailable', message: 'the Berth helper is not connected' } };
  try {
    return { ok: true, value: await client.call(method, (params ?? {}) as never) };
  } catch (e) {
    return {
      ok: false,
      error: { kind: isBerthError(e) ? e.kind : 'internal', message: (e as Error)?.message ?? String(e) },
    };
  }
}

export function registerIpc(getWindow: () => BrowserWindow | null, conn: HelperConnection): void {
  ipcMain.handle(CH.call, async (e, method: unknown, params: unknown) => {
    if (!isTrustedSender(e, getWindow()))
      return { ok: false, error: { kind: 'unauthorized', message: 'call from an unknown frame' } };
    return forwardCall(conn, method, params);
  });
  // only http://<ip or localhost>:<port>/ (what the renderer builds for a published port), never another scheme or site
  ipcMain.on(CH.open, (e, url: unknown) => {
    if (isTrustedSender(e, getWindow()) && isPortUrl(url)) void shell.openExternal(url);
  });
  ipcMain.handle(CH.state, (e) => (isTrustedSender(e, getWindow()) ? conn.state : null));
  const send = (channel: string, v: unknown) => {
    const w = getWindow();
    if (w && !w.isDestroyed()) w.webContents.send(channel, v);
  };
  conn.onEvent((ev) => send(CH.event, ev));
  conn.onState((s) => send(CH.state, s));
}
