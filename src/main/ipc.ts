// The only IPC Berth has: 'berth:call' (contract methods, forwarded to the
// helper), 'berth:event' (helper events) and 'berth:state' (connection state).
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { isBerthError } from '../shared/errors';
import { isMethodName } from '../shared/method-names';
import type { BridgeResult, Channels } from '../preload/bridge';
import type { HelperConnection } from './helper-connection';

export const CH: Channels = { call: 'berth:call', event: 'berth:event', state: 'berth:state' };

// Calls are accepted only from the main frame of our own window.
export function isTrustedSender(e: IpcMainInvokeEvent, win: BrowserWindow | null): boolean {
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
  ipcMain.handle(CH.state, (e) => (isTrustedSender(e, getWindow()) ? conn.state : null));
  const send = (channel: string, v: unknown) => {
    const w = getWindow();
    if (w && !w.isDestroyed()) w.webContents.send(channel, v);
  };
  conn.onEvent((ev) => send(CH.event, ev));
  conn.onState((s) => send(CH.state, s));
}
