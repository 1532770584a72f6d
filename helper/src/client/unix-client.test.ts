import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tokenPathFor } from '../../../src/shared/rpc';
import { bytesFrameHeader, encodeLine, resultFrame } from '../../../src/shared/rpc-frames';
import { connectHelper, readToken } from './unix-client';

describe('the client reading the helper token', () => {
  const dirs: string[] = [];
  const servers: net.Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const listening = async () => {
    const d = mkdtempSync(join(tmpdir(), 'berth-token-'));
    dirs.push(d);
    const sock = join(d, 'berth.sock');
    const srv = net.createServer((c) => c.end());
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(sock, r));
    return sock;
  };

  // the helper creates the file (O_EXCL), then writes it: a socket-activated
  // helper's first client once read it in between and sent an empty token
  it('waits while the token file is still empty, and returns the token once written', async () => {
    const sock = await listening();
    writeFileSync(tokenPathFor(sock), '');
    const read = readToken(sock);
    setTimeout(() => writeFileSync(tokenPathFor(sock), 'abc123\n'), 250);
    await expect(read).resolves.toBe('abc123');
  });

  it('reads a written token at once', async () => {
    const sock = await listening();
    writeFileSync(tokenPathFor(sock), 'xyz\n');
    await expect(readToken(sock)).resolves.toBe('xyz');
  });
});

describe('the client reading bytes frames (berth nat ls)', () => {
  const poll = async (what: string, ok: () => boolean) => {
    for (let i = 0; i < 1000 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
    if (!ok()) throw new Error(`not within 20 s: ${what}`);
  };

  // a slow stdout (a pager) must slow the helper, not fill the CLI with the whole output
  it('does not read the socket while a bytes callback waits, and reads the rest after', async () => {
    const d = mkdtempSync(join(tmpdir(), 'berth-bytes-'));
    const sockPath = join(d, 'berth.sock');
    const piece = Buffer.alloc(64 * 1024, 120);
    const pieces = 200; // 12.8 MB: far more than a socket buffer
    let served: net.Socket | null = null;
    const srv = net.createServer((s) => {
      served = s;
      s.once('data', () => {
        for (let i = 0; i < pieces; i++) s.write(bytesFrameHeader('out', piece.length)), s.write(piece);
        s.write(encodeLine(resultFrame(1, { matched: 0, errors: [] })));
      });
    });
    await new Promise<void>((r) => srv.listen(sockPath, r));
    const c = await connectHelper(sockPath, { token: 't' });
    try {
      let received = 0;
      let release = () => {};
      const held = new Promise<void>((r) => (release = r));
      c.onBytes((stream, b) => {
        expect(stream).toBe('out');
        received += b.length;
        if (received === b.length) return held; // the first piece: stdout is full
      });
      const answer = c.call('nat.text', { format: 'raw', stream: 'out' });
      await poll('the server holding most of the output', () => !!served && served.writableLength > 8 * 1024 * 1024);
      // a window in which a client that kept reading would take megabytes (it reads them in milliseconds)
      await new Promise((r) => setTimeout(r, 1000));
      expect(received).toBeLessThan(2 * 1024 * 1024);
      expect(served!.writableLength).toBeGreaterThan(8 * 1024 * 1024);
      release();
      await expect(answer).resolves.toEqual({ matched: 0, errors: [] });
      expect(received).toBe(pieces * piece.length);
    } finally {
      c.close();
      srv.close();
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('the client when the helper goes mid-answer', () => {
  // the helper killed while `berth nat ls` streams: the call fails with one clear line, the bytes so far delivered
  it('a call in flight fails with an "unavailable" error saying the output is incomplete; later calls fail at once', async () => {
    const d = mkdtempSync(join(tmpdir(), 'berth-gone-'));
    const sockPath = join(d, 'berth.sock');
    const srv = net.createServer((s) => {
      s.once('data', () => {
        s.write(bytesFrameHeader('out', 10) + '[{"a":1},'); // 9 of 10 bytes, then gone
        s.destroy();
      });
    });
    await new Promise<void>((r) => srv.listen(sockPath, r));
    const c = await connectHelper(sockPath, { token: 't' });
    try {
      let got = '';
      c.onBytes((_s, b) => void (got += Buffer.from(b).toString()));
      const answer = c.call('nat.text', { format: 'json', stream: 'out' });
      await expect(answer).rejects.toMatchObject({ kind: 'unavailable', message: expect.stringMatching(/closed before its answer.*incomplete/) });
      expect(got).toBe('[{"a":1},');
      await expect(c.call('system.info', {})).rejects.toMatchObject({ kind: 'unavailable' });
    } finally {
      c.close();
      srv.close();
      rmSync(d, { recursive: true, force: true });
    }
  });
});
