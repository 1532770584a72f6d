import type { WebSocket } from 'ws';
import type { BerthClient } from '../client/unix-client';
import { BerthError, RPC_CODES, isBerthError } from '../../../src/shared/errors';
import { isMethodName, MAX_REQUEST_BYTES } from '../../../src/shared/methods';
import type { RpcNotification, RpcResponse } from '../../../src/shared/rpc';

// Close codes the renderer's WebSocket transport understands.
export const WS_CLOSE = { unauthorized: 4401, helperUnavailable: 4503, helperFailed: 4500 } as const;

const errorResponse = (id: number | string | null, e: BerthError, code = RPC_CODES[e.kind]): RpcResponse => ({
  jsonrpc: '2.0',
  id,
  error: { code, message: e.message, data: { kind: e.kind } },
});

// One browser tab <-> one helper connection. Only contract methods pass;
// the browser never sees or sends the helper's token.
export function bridgeSocket(ws: WebSocket, client: BerthClient): void {
  const send = (msg: RpcResponse | RpcNotification) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };
  const offEvent = client.onEvent((e) => send({ jsonrpc: '2.0', method: 'event', params: e }));
  client.onClose(() => {
    if (ws.readyState === ws.OPEN) ws.close(WS_CLOSE.helperUnavailable, 'the helper went away');
  });
  ws.on('close', () => {
    offEvent();
    client.close();
  });
  ws.on('message', (data, isBinary) => {
    void handle(isBinary ? null : data.toString());
  });

  async function handle(text: string | null): Promise<void> {
    if (text === null || text.length > MAX_REQUEST_BYTES) {
      send(errorResponse(null, new BerthError('invalid_argument', 'request too large or not text'), -32600));
      return;
    }
    let msg: { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
    try {
      msg = JSON.parse(text);
    } catch {
      send(errorResponse(null, new BerthError('invalid_argument', 'parse error'), -32700));
      return;
    }
    const id = typeof msg?.id === 'number' || typeof msg?.id === 'string' ? msg.id : null;
    if (!msg || typeof msg !== 'object' || msg.jsonrpc !== '2.0' || id === null) {
      send(errorResponse(id, new BerthError('invalid_argument', 'not a JSON-RPC 2.0 request'), -32600));
      return;
    }
    if (!isMethodName(msg.method)) {
      send(errorResponse(id, new BerthError('invalid_argument', `method not found: ${String(msg.method).slice(0, 64)}`), -32601));
      return;
    }
    try {
      const result = await client.call(msg.method, (msg.params ?? {}) as never);
      send({ jsonrpc: '2.0', id, result });
    } catch (e) {
      const err = isBerthError(e) ? e : new BerthError('internal', (e as Error)?.message ?? String(e));
      send(errorResponse(id, err));
    }
  }
}
