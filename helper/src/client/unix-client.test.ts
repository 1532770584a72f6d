import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tokenPathFor } from '../../../src/shared/rpc';
import { readToken } from './unix-client';

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
