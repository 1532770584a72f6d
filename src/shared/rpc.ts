import type { ErrorKind } from './errors';
import type { BerthEvent } from './events';

// JSON-RPC 2.0 frames, one JSON object per line on the helper socket and
// one per message on the web-mode WebSocket.
export interface RpcRequest {
  jsonrpc: '2.0';
  id: number | string;
  method: string;
  params?: unknown;
  auth?: string; // the token, on the first request of a connection
  client?: 'gui' | 'cli'; // with the token: what the connection is, for the activity record
}
export interface RpcErrorBody {
  code: number;
  message: string;
  data?: { kind: ErrorKind; details?: unknown };
}
export type RpcResponse =
  | { jsonrpc: '2.0'; id: number | string; result: unknown }
  | { jsonrpc: '2.0'; id: number | string | null; error: RpcErrorBody };
export interface RpcNotification {
  jsonrpc: '2.0';
  method: 'event';
  params: BerthEvent;
}

// The helper writes its token next to its socket, readable by the socket's owner only.
export const tokenPathFor = (socketPath: string) => `${socketPath}.token`;
