// Error kinds every layer branches on. The helper sends them in JSON-RPC
// `error.data.kind`; clients rebuild a BerthError so callers never parse
// message text.
export const ERROR_KINDS = [
  'invalid_argument', // the request is malformed or a value is out of range
  'not_found', // a named network, container, rule or finding does not exist
  'conflict', // the name, subnet, address or port is already taken
  'in_use', // the object still has dependents (a network with containers)
  'unauthorized', // missing or wrong token
  'unavailable', // no helper answers, or the helper is shutting down
  'kernel', // a kernel program failed; the message names command, exit code and stderr
  'timeout', // the request passed its deadline (helper/src/server/deadlines.ts); the message names the method and how long
  'internal',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export class BerthError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'BerthError';
  }
}

export const isBerthError = (e: unknown): e is BerthError => e instanceof BerthError;

export const invalid = (msg: string) => new BerthError('invalid_argument', msg);
export const notFound = (msg: string) => new BerthError('not_found', msg);
export const conflict = (msg: string) => new BerthError('conflict', msg);
export const inUse = (msg: string) => new BerthError('in_use', msg);

// JSON-RPC 2.0 numeric codes: the standard ones plus one server range per kind.
export const RPC_CODES: Record<ErrorKind, number> = {
  invalid_argument: -32602,
  not_found: -32004,
  conflict: -32009,
  in_use: -32010,
  unauthorized: -32001,
  unavailable: -32003,
  kernel: -32020,
  timeout: -32008,
  internal: -32603,
};
