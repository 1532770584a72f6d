import type { WebSocket } from 'ws';
import type { BerthClient } from '../client/unix-client';
import { BerthError } from '../../../src/shared/errors';
import { isMethodName, MAX_REQUEST_BYTES } from '../../../src/shared/methods';
import type { RpcNotification, RpcResponse } from '../../../src/shared/rpc';
import { errorFrame, eventFrame, INVALID_REQUEST, methodNotFound, parseRequest, resultFrame } from '../../../src/shared/rpc-frames';

// Close codes the renderer's WebSocket transport understands.
export const WS_CLOSE = { unauthorized: 4401, helperUnavailable: 4503, helperFailed: 4500 } as const;

// Calls one tab may have in flight; beyond, a call is refused at once
// rather than queued without bound in the bridge.
export const MAX_IN_FLIGHT = 64;

// One browser tab <-> one helper connection. Only contract methods pass;
// the browser never sees or sends the helper's token. Every message is
// checked by the same parser as the helper's socket, inside its own error
// boundary: nothing a page sends can end the web server.
export function bridgeSocket(ws: WebSocket, client: BerthClient): void {
  let inFlight = 0;
  const send = (msg: RpcResponse | RpcNotification) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };
  const offEvent = client.onEvent((e) => send(eventFrame(e)));
  client.onClose(() => {
    if (ws.readyState === ws.OPEN) ws.close(WS_CLOSE.helperUnavailable, 'the helper went away');
  });
  ws.on('close', () => {
    offEvent();
    client.close();
  });
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => {
    try {
      handle(isBinary ? null : data.toString());
    } catch (e) {
      send(errorFrame(null, e));
    }
  });

  function handle(text: string | null): void {
    if (text === null || text.length > MAX_REQUEST_BYTES) {
      send(errorFrame(null, new BerthError('invalid_argument', 'request too large or not text'), INVALID_REQUEST));
      return;
    }
    const parsed = parseRequest(text);
    if ('reply' in parsed) return send(parsed.reply);
    const { id, method, params } = parsed.call;
    if (!isMethodName(method)) return send(methodNotFound(id, method));
    if (inFlight >= MAX_IN_FLIGHT)
      return send(errorFrame(id, new BerthError('unavailable', `more than ${MAX_IN_FLIGHT} calls in flight from this page`)));
    inFlight++;
    client
      .call(method, (params ?? {}) as never)
      .then(
        (result) => send(resultFrame(id, result)),
        (e) => send(errorFrame(id, e)),
      )
      .finally(() => inFlight--);
  }
}
