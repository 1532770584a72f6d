// `berth ui --web`: the renderer in a browser tab. Serves out/renderer on
// 127.0.0.1 only, behind a random token, and carries the contract over a
// WebSocket at /rpc to the helper's unix socket.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import { connectHelper, type BerthClient } from '../client/unix-client';
import { isBerthError } from '../../../src/shared/errors';
import { MAX_REQUEST_BYTES } from '../../../src/shared/methods';
import { allowedHosts, allowedOrigins, cookieToken, COOKIE, newToken, sameToken } from './auth';
import { bridgeSocket, WS_CLOSE } from './rpc-bridge';
import { readStatic } from './static-files';

export interface WebUiOptions {
  socketPath: string;
  rendererDir: string;
  port?: number; // 0 or absent: a free port
  token?: string; // tests pass one; otherwise random
  connect?: (socketPath: string) => Promise<BerthClient>;
}
export interface WebUi {
  url: string; // with the token
  port: number;
  token: string;
  close(): Promise<void>;
}

export const HOST = '127.0.0.1';

export function cspFor(port: number): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'", // xterm.js's <style> elements, as src/main/csp.ts
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ws://${HOST}:${port} ws://localhost:${port}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

export async function startWebUi(opts: WebUiOptions): Promise<WebUi> {
  const token = opts.token ?? newToken();
  const connect = opts.connect ?? ((p: string) => connectHelper(p, { client: 'gui' }));
  let port = 0;

  const securityHeaders = () => ({
    'Content-Security-Policy': cspFor(port),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Cache-Control': 'no-store',
  });

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    const deny = (status: number, text: string) => {
      res.writeHead(status, { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(text + '\n');
    };
    if (!allowedHosts(port).has(req.headers.host ?? '')) return deny(421, 'wrong Host');
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(405, 'method not allowed');
    const queryToken = url.searchParams.get('token');
    if (queryToken !== null) {
      if (!sameToken(queryToken, token)) return deny(401, 'wrong token: open the URL `berth ui --web` printed');
      // keep the token out of the address bar and history: a cookie carries it from now on
      url.searchParams.delete('token');
      res.writeHead(303, {
        ...securityHeaders(),
        'Set-Cookie': `${COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict`,
        Location: url.pathname + (url.search || ''),
      });
      return res.end();
    }
    if (!sameToken(cookieToken(req.headers.cookie), token))
      return deny(401, 'Berth web mode needs its token: open the URL `berth ui --web` printed');
    const file = await readStatic(opts.rendererDir, url.pathname);
    if (!file) return deny(404, 'not found');
    res.writeHead(200, { ...securityHeaders(), 'Content-Type': file.type, 'Content-Length': file.body.length });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  });

  const MAX_TABS = 32;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_REQUEST_BYTES });
  server.on('upgrade', (req, socket: Socket, head) => {
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    const url = new URL(req.url ?? '/', `http://${HOST}`);
    if (url.pathname !== '/rpc') return refuse(404, 'Not Found');
    if (!allowedHosts(port).has(req.headers.host ?? '')) return refuse(421, 'Misdirected Request');
    if (!allowedOrigins(port).has(req.headers.origin ?? '')) return refuse(403, 'Forbidden');
    const presented = url.searchParams.get('token') ?? cookieToken(req.headers.cookie);
    if (!sameToken(presented, token)) return refuse(401, 'Unauthorized');
    // each tab holds a helper connection; the helper has a cap of its own
    if (wss.clients.size >= MAX_TABS) return refuse(503, 'Service Unavailable');
    // reach the helper first, so no frame arrives before the bridge is in place
    connect(opts.socketPath).then(
      (client) => {
        if (socket.destroyed) return client.close();
        wss.handleUpgrade(req, socket, head, (ws) => bridgeSocket(ws, client));
      },
      (e) => {
        const unavailable = isBerthError(e) && e.kind === 'unavailable';
        const reason = Buffer.from(String((e as Error)?.message ?? e)).subarray(0, 120).toString();
        wss.handleUpgrade(req, socket, head, (ws) =>
          ws.close(unavailable ? WS_CLOSE.helperUnavailable : WS_CLOSE.helperFailed, reason),
        );
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, HOST, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://${HOST}:${port}/?token=${token}`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
