import { describe, expect, it } from 'vitest';
import { RpcSession } from './rpc-client';
import { bytesFrameHeader, encodeLine, errorFrame, LineFramer, parseIncoming, parseRequest } from './rpc-frames';
import { BerthError } from './errors';

describe('LineFramer', () => {
  const collect = (max = 100) => {
    const lines: string[] = [];
    let tooLong = 0;
    const f = new LineFramer(max, (l) => lines.push(l), () => tooLong++);
    return { f, lines, tooLong: () => tooLong };
  };
  const bytes = (s: string) => new TextEncoder().encode(s);

  it('splits lines across chunks, a multi-byte character split between them included', () => {
    const c = collect();
    const all = bytes('{"a":"é€"}\n\n  \n{"b":1}\n{"c"');
    for (let i = 0; i < all.length; i += 3) c.f.push(all.subarray(i, i + 3));
    expect(c.lines).toEqual(['{"a":"é€"}', '{"b":1}']);
    expect(c.f.pending).toBe(4);
  });

  it('stops at a line longer than the limit, once, without buffering it', () => {
    const c = collect(10);
    c.f.push(bytes('short\n0123456789A'));
    c.f.push(bytes('more\nnext\n'));
    expect(c.lines).toEqual(['short']);
    expect(c.tooLong()).toBe(1);
    expect(c.f.pending).toBe(0);
  });
});

describe('LineFramer bytes frames', () => {
  const bytes = (s: string) => new TextEncoder().encode(s);
  const join = (parts: Uint8Array[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) out.set(p, (o += p.length) - p.length);
    return out;
  };

  it('hands the bytes after a header on as they are, in pieces, between lines, whatever the chunking', () => {
    const body = new Uint8Array([0xff, 0x0a, 0x23, 0xc3, 0x0a, 0x7b]); // not UTF-8, with newlines and "#" inside
    const all = join([bytes('{"a":1}\n'), bytes(bytesFrameHeader('s-1', body.length)), body, bytes('{"b":2}\n'), bytes(bytesFrameHeader('s-1', 2)), bytes('ok')]);
    for (const step of [1, 2, 5, all.length]) {
      const lines: string[] = [];
      const got: Uint8Array[] = [];
      const f = new LineFramer(100, (l) => lines.push(l), () => {}, (stream, b) => {
        expect(stream).toBe('s-1');
        got.push(b.slice());
      });
      for (let i = 0; i < all.length; i += step) f.push(all.subarray(i, i + step));
      expect(lines).toEqual(['{"a":1}', '{"b":2}']);
      expect(join(got)).toEqual(join([body, bytes('ok')]));
    }
  });

  it('without onBytes a header is an ordinary line (the server reads no bytes frames from clients)', () => {
    const lines: string[] = [];
    const f = new LineFramer(100, (l) => lines.push(l), () => {});
    f.push(bytes(`${bytesFrameHeader('s', 3)}abc\n`));
    expect(lines).toEqual(['#s 3', 'abc']);
  });
});

describe('parseRequest', () => {
  it.each([
    ['null', -32600], ['[]', -32600], ['[{"jsonrpc":"2.0","id":1,"method":"a"}]', -32600], ['7', -32600],
    ['{"jsonrpc":"2.0","method":"a"}', -32600], ['{"id":1,"method":"a"}', -32600], ['{x', -32700],
  ])('%s is refused with %i', (text, code) => {
    const r = parseRequest(text);
    expect('reply' in r && r.reply).toMatchObject({ jsonrpc: '2.0', error: { code } });
  });

  it('a request object passes with its fields', () => {
    expect(parseRequest('{"jsonrpc":"2.0","id":"a","method":"m","params":{"x":1},"auth":"t"}')).toEqual({
      call: { id: 'a', method: 'm', params: { x: 1 }, auth: 't' },
    });
  });
});

describe('parseIncoming and RpcSession', () => {
  it('tells events, results and errors apart and ignores anything else', () => {
    expect(parseIncoming('{"jsonrpc":"2.0","method":"event","params":{"type":"x"}}')).toEqual({ kind: 'event', event: { type: 'x' } });
    expect(parseIncoming('{"jsonrpc":"2.0","id":1,"result":null}')).toEqual({ kind: 'result', id: 1, result: null });
    expect(parseIncoming('null')).toBeNull();
    expect(parseIncoming('[1]')).toBeNull();
    expect(parseIncoming('nope')).toBeNull();
  });

  it('a call fails with what the server said before closing the connection', async () => {
    const s = new RpcSession(() => {});
    const p = s.call('network.list', {});
    s.receive(encodeLine(errorFrame(null, new BerthError('unavailable', 'the helper serves at most 128 connections'))).trim());
    s.close();
    await expect(p).rejects.toThrow('the helper serves at most 128 connections');
  });
});
