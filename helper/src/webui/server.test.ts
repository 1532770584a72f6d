import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { BerthError } from '../../../src/shared/errors';
import { encodeLine, errorFrame, eventFrame, LineFramer, resultFrame } from '../../../src/shared/rpc-frames';
import { startWebUi, type WebUi } from './server';

// A fake helper: newline-delimited JSON-RPC on a unix socket, token file beside it.
function fakeHelper(token: string) {
  const seen: string[] = [];
  const server = net.createServer((sock) => {
    let authed = false;
    const framer = new LineFramer(1 << 20, (line) => {
      const req = JSON.parse(line);
      seen.push(req.method);
      const reply = (frame: object) => sock.write(encodeLine(frame));
      if (!authed && req.auth !== token) return reply(errorFrame(req.id, new BerthError('unauthorized', 'bad token')));
      authed = true;
      if (req.method === 'events.subscribe') {
        reply(resultFrame(req.id, { subscribed: true }));
        sock.write(encodeLine(eventFrame({ type: 'network.created', id: 'n1', name: 'red' })));
      } else if (req.method === 'network.inspect') {
        reply(errorFrame(req.id, new BerthError('not_found', `network ${req.params.name} not found`)));
      } else {
        reply(resultFrame(req.id, { echo: req.method }));
      }
    }, () => sock.destroy());
    sock.on('data', (chunk: Buffer) => framer.push(chunk));
  });
  return { server, seen };
}

let dir: string;
let ui: WebUi;
let helper: ReturnType<typeof fakeHelper>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-webui-'));
  const socketPath = join(dir, 'berth.sock');
  await writeFile(`${socketPath}.token`, 'helper-secret\n');
  helper = fakeHelper('helper-secret');
  await new Promise<void>((r) => helper.server.listen(socketPath, r));
  const rendererDir = join(dir, 'renderer');
  await mkdir(join(rendererDir, 'assets'), { recursive: true });
  await writeFile(join(rendererDir, 'index.html'), '<!doctype html><title>Berth</title>');
  await writeFile(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  await writeFile(join(dir, 'secret.txt'), 'outside');
  ui = await startWebUi({ socketPath, rendererDir, token: 'web-token' });
});

afterAll(async () => {
  await ui?.close();
  await new Promise((r) => helper?.server.close(r));
  await rm(dir, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: ui.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

function openWs(opts: { origin?: string; cookie?: string; query?: string }) {
  const ws = new WebSocket(`ws://127.0.0.1:${ui.port}/rpc${opts.query ?? ''}`, {
    origin: opts.origin,
    headers: opts.cookie ? { Cookie: opts.cookie } : {},
  });
  return new Promise<{ ws?: WebSocket; status?: number }>((resolve) => {
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ status: res.statusCode }));
    ws.once('error', () => resolve({ status: -1 }));
  });
}

function rpc(ws: WebSocket, id: number, method: string, params: unknown = {}) {
  return new Promise<any>((resolve) => {
    const onMsg = (data: WebSocket.RawData) => {
      const msg = JSON.parse(data.toString());
      if (msg.id === id) {
        ws.off('message', onMsg);
        resolve(msg);
      }
    };
    ws.on('message', onMsg);
    ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
  });
}

const ORIGIN = () => `http://127.0.0.1:${ui.port}`;
const COOKIE = 'berth_web_token=web-token';

describe('berth ui --web server', () => {
  it('listens on 127.0.0.1 and prints a token URL', () => {
    expect(ui.url).toBe(`http://127.0.0.1:${ui.port}/?token=web-token`);
  });

  it('refuses static files without the token', async () => {
    expect((await get('/')).status).toBe(401);
    expect((await get('/assets/app.js')).status).toBe(401);
    expect((await get('/?token=wrong')).status).toBe(401);
  });

  it('trades the token for a cookie, then serves files with a strict CSP', async () => {
    const first = await get('/?token=web-token');
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/');
    expect(String(first.headers['set-cookie'])).toMatch(/berth_web_token=web-token; Path=\/; HttpOnly; SameSite=Strict/);
    const page = await get('/', { Cookie: COOKIE });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Berth</title>');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect((await get('/assets/app.js', { Cookie: COOKIE })).headers['content-type']).toMatch(/javascript/);
  });

  it('does not serve files outside the renderer folder or for another Host', async () => {
    expect((await get('/../secret.txt', { Cookie: COOKIE })).status).toBe(404);
    expect((await get('/%2e%2e/secret.txt', { Cookie: COOKIE })).status).toBe(404);
    expect((await get('/', { Cookie: COOKIE, Host: 'evil.example:80' })).status).toBe(421);
  });

  it('requires the token on the WebSocket', async () => {
    expect((await openWs({ origin: ORIGIN() })).status).toBe(401);
    expect((await openWs({ origin: ORIGIN(), cookie: 'berth_web_token=nope' })).status).toBe(401);
  });

  it('rejects a WebSocket from another Origin, even with the token', async () => {
    expect((await openWs({ origin: 'http://evil.example', cookie: COOKIE })).status).toBe(403);
    expect((await openWs({ cookie: COOKIE })).status).toBe(403);
  });

  it('forwards contract methods and events, and refuses the rest', async () => {
    const { ws } = await openWs({ origin: ORIGIN(), cookie: COOKIE });
    expect(ws).toBeDefined();
    const events: any[] = [];
    ws!.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.method === 'event') events.push(m.params);
    });
    expect((await rpc(ws!, 1, 'system.info')).result).toEqual({ echo: 'system.info' });
    const notFound = await rpc(ws!, 2, 'network.inspect', { name: 'ghost' });
    expect(notFound.error).toMatchObject({ code: -32004, message: 'network ghost not found', data: { kind: 'not_found' } });
    const seenBefore = helper.seen.length;
    const bad = await rpc(ws!, 3, 'helper.shutdown');
    expect(bad.error).toMatchObject({ code: -32601, data: { kind: 'invalid_argument' } });
    expect(helper.seen.length).toBe(seenBefore); // never reached the helper
    await rpc(ws!, 4, 'events.subscribe');
    await expect.poll(() => events).toEqual([{ type: 'network.created', id: 'n1', name: 'red' }]);
    ws!.close();
  });

  it('answers null, non-objects, batches and broken JSON with an error, never passes them on, and keeps the tab', async () => {
    const { ws } = await openWs({ origin: ORIGIN(), cookie: COOKIE });
    const replies: any[] = [];
    ws!.on('message', (d) => replies.push(JSON.parse(d.toString())));
    const seenBefore = helper.seen.length;
    const bad = ['null', '7', '"x"', '[]', JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'system.info' }]), '{}', '{"jsonrpc":"2.0","id":1}', '{nope'];
    for (const b of bad) ws!.send(b);
    await expect.poll(() => replies.length).toBe(bad.length);
    expect(replies.map((r) => r.error.code)).toEqual([-32600, -32600, -32600, -32600, -32600, -32600, -32600, -32700]);
    expect(helper.seen.length).toBe(seenBefore);
    expect((await rpc(ws!, 9, 'system.info')).result).toEqual({ echo: 'system.info' });
    ws!.close();
  });

  it('closes with 4503 when no helper answers', async () => {
    const other = await startWebUi({ socketPath: join(dir, 'none.sock'), rendererDir: join(dir, 'renderer'), token: 't' });
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${other.port}/rpc?token=t`, { origin: `http://127.0.0.1:${other.port}` });
      const code = await new Promise<number>((r) => ws.once('close', (c) => r(c)));
      expect(code).toBe(4503);
    } finally {
      await other.close();
    }
  });
});
