import { isPortUrl } from '../../../shared/port-url';
import { BerthError } from '../../../shared/errors';
import type { BerthEvent } from '../../../shared/events';
import { RpcSession } from '../../../shared/rpc-client';
import type { BerthTransport, HelperState } from './transport';

// Close codes the web-mode server uses (helper/src/webui/server.ts).
export const WS_CLOSE = { unauthorized: 4401, helperUnavailable: 4503, helperFailed: 4500 } as const;
export const WS_BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000] as const;

type SocketLike = Pick<WebSocket, 'send' | 'close' | 'readyState'> & {
  onopen: ((ev: Event) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onerror: ((ev: Event) => void) | null;
};

export interface WsTransportOptions {
  url: string;
  createSocket?: (url: string) => SocketLike;
  setTimer?: (fn: () => void, ms: number) => unknown;
}

// Web mode: JSON-RPC frames over a WebSocket, fed through the same
// RpcSession the unix-socket client uses. Reconnects with backoff.
export function wsTransport(opts: WsTransportOptions): BerthTransport {
  const createSocket = opts.createSocket ?? ((u: string) => new WebSocket(u) as unknown as SocketLike);
  const setTimer = opts.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const eventCbs = new Set<(e: BerthEvent) => void>();
  const stateCbs = new Set<(s: HelperState) => void>();
  const socketName = 'web';
  let state: HelperState = { state: 'starting', socket: socketName };
  let session: RpcSession | null = null;
  let attempt = 0;
  let closed = false;

  const setState = (s: HelperState) => {
    state = s;
    stateCbs.forEach((cb) => cb(s));
  };

  const connect = () => {
    if (closed) return;
    const ws = createSocket(opts.url);
    const s = new RpcSession((frame) => {
      if (ws.readyState !== 1) throw new Error('the web server connection is not open');
      ws.send(frame);
    });
    s.onEvent((e) => eventCbs.forEach((cb) => cb(e)));
    ws.onopen = () => {
      attempt = 0;
      session = s;
      setState({ state: 'connected', socket: socketName });
    };
    ws.onmessage = (ev) => s.receive(typeof ev.data === 'string' ? ev.data : String(ev.data));
    ws.onerror = () => {};
    ws.onclose = (ev) => {
      if (session === s) session = null;
      const reason = ev.reason || 'the connection to the Berth web server closed';
      s.close(reason);
      if (ev.code === WS_CLOSE.helperUnavailable) setState({ state: 'not-running', socket: socketName });
      else if (ev.code === WS_CLOSE.unauthorized || ev.code === WS_CLOSE.helperFailed)
        setState({ state: 'failed', socket: socketName, reason });
      else setState({ state: 'failed', socket: socketName, reason: 'lost the connection to the Berth web server' });
      if (ev.code === WS_CLOSE.unauthorized) return; // a new token is needed: reload from the printed URL
      const ms = WS_BACKOFF_MS[Math.min(attempt++, WS_BACKOFF_MS.length - 1)];
      setTimer(connect, ms);
    };
  };
  connect();

  return {
    kind: 'web',
    call(method, params) {
      if (!session) return Promise.reject(new BerthError('unavailable', 'not connected to the Berth helper'));
      return session.call(method, params);
    },
    onEvent(cb) {
      eventCbs.add(cb);
      return () => eventCbs.delete(cb);
    },
    onState(cb) {
      stateCbs.add(cb);
      cb(state);
      return () => stateCbs.delete(cb);
    },
    close() {
      closed = true;
      session?.close('closed');
    },
    openPortUrl(url) {
      if (isPortUrl(url)) window.open(url, '_blank', 'noopener,noreferrer');
    },
  };
}

export function defaultWsUrl(loc: Pick<Location, 'protocol' | 'host'>): string {
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}/rpc`;
}
