import net from 'node:net';
import { LineFramer } from '../../../src/shared/rpc-frames';

// A raw JSON-RPC client for tests (the RPC server's unit tests, the real
// helper's fuzz test): writes whatever it is given, bytes that are not a
// request included, and reads the answers line by line.
export async function rawClient(socketPath: string) {
  const sock = net.createConnection(socketPath);
  await new Promise((r, j) => sock.once('connect', r).once('error', j));
  // untyped on purpose: a frame is whatever the server sent
  const frames: any[] = [];
  const waiters: (() => void)[] = [];
  let ended = false;
  // the clients' own framer, unbounded: a test reads whatever the server sends
  const framer = new LineFramer(Infinity, (line) => frames.push(JSON.parse(line)), () => {});
  sock.on('data', (d: Buffer) => {
    framer.push(d);
    waiters.splice(0).forEach((w) => w());
  });
  sock.on('error', () => {});
  sock.on('close', () => {
    ended = true;
    waiters.splice(0).forEach((w) => w());
  });
  const until = async (cond: () => boolean, what: string, ms = 10_000) => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 50);
      });
    }
  };
  return {
    sock,
    frames,
    write: (s: string) => sock.write(s),
    frame: async (i: number) => (await until(() => frames.length > i, `frame ${i}`), frames[i]),
    closed: (ms?: number) => until(() => ended, 'the server to close the connection', ms),
    isOpen: () => !ended,
    until,
  };
}

// one request line as a client writes it
export const requestLine = (id: number, method: string, params: unknown = {}, auth?: string) =>
  JSON.stringify({ jsonrpc: '2.0', id, method, params, auth }) + '\n';

// a client past the server's token check (the check's answer is its frame 0)
export async function authedClient(socketPath: string, token: string) {
  const c = await rawClient(socketPath);
  c.write(requestLine(0, 'system.info', {}, token));
  await c.frame(0);
  return c;
}
