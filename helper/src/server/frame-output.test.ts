import type net from 'node:net';
import { PassThrough } from 'node:stream';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { FrameOutput } from './frame-output';
import { OutputBudget } from './output-budget';

// Every answer's last write, and only an answer's, asks release-memory to
// collect what its reading left (docs/architecture.md, "Helper memory").
const released = vi.hoisted(() => ({ calls: 0 }));
vi.mock('../inspect/release-memory', () => ({ releaseAfterAnswer: () => void released.calls++ }));

// a socket whose reader reads only when told (FrameOutput uses no more of net.Socket than a stream has)
function output() {
  const sock = new PassThrough({ highWaterMark: 1024 });
  const budget = new OutputBudget({ maxTotalHeldAnswers: 100, maxTotalBacklogBytes: 1 << 30 }, () => {});
  const out = new FrameOutput(sock as unknown as net.Socket, { drainBytes: 64 * 1024, maxBacklogBytes: 1 << 30, stallMs: 60_000, maxHeldAnswers: 10 }, () => {}, budget);
  let text = '';
  const read = () => sock.on('data', (d: Buffer) => (text += d.toString()));
  return { out, read, lines: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { id?: number }) };
}
const big = (id: number) => ({ jsonrpc: '2.0', id, result: { rules: Array.from({ length: 5000 }, (_, i) => ({ i, text: `-A CHAIN-${i} ${'x'.repeat(100)}` })) } });

beforeEach(() => void (released.calls = 0));

describe('FrameOutput: memory released after each answer is written', () => {
  it('after a big answer and a small one queued behind it, not after an event', async () => {
    const { out, read, lines } = output();
    out.send(big(1), true); // more than drainBytes: waits for the reader
    out.send({ jsonrpc: '2.0', id: 2, result: { ok: true } }, true); // encoded whole, queued behind it
    out.send({ jsonrpc: '2.0', method: 'event', params: {} }); // an event: not an answer
    expect(released.calls).toBe(0); // nothing written whole yet: the reader has read nothing
    read();
    await vi.waitFor(() => expect(lines().length).toBe(3), { timeout: 10_000, interval: 10 }); // awaited: all three frames read
    await vi.waitFor(() => expect(released.calls).toBe(2), { timeout: 10_000, interval: 10 }); // awaited: both write callbacks
    expect(lines().map((l) => l.id)).toEqual([1, 2, undefined]);
  });

  it('after a small answer written at once', async () => {
    const { out, read, lines } = output();
    read();
    out.send({ jsonrpc: '2.0', id: 1, result: [] }, true);
    out.send({ jsonrpc: '2.0', method: 'event', params: {} });
    await vi.waitFor(() => expect(lines().length).toBe(2), { timeout: 10_000, interval: 10 }); // awaited: both frames read
    await vi.waitFor(() => expect(released.calls).toBe(1), { timeout: 10_000, interval: 10 }); // awaited: the answer's write callback
  });
});

describe('FrameOutput: a big answer ahead of its reader', () => {
  // chunks the socket has not taken stay strings in V8's heap: encoded far ahead,
  // they outlived its young generation (docs/architecture.md, "Helper memory")
  it('is encoded a chunk at a time, the next once the socket took the last', async () => {
    const sock = new PassThrough({ highWaterMark: 1024 });
    const budget = new OutputBudget({ maxTotalHeldAnswers: 100, maxTotalBacklogBytes: 1 << 30 }, () => {});
    const out = new FrameOutput(sock as unknown as net.Socket, { drainBytes: 1 << 20, maxBacklogBytes: 1 << 30, stallMs: 60_000, maxHeldAnswers: 10 }, () => {}, budget);
    out.send(big(1), true); // ~0.6 MB, and nobody reads yet
    expect(sock.writableLength).toBeGreaterThan(0);
    expect(sock.writableLength).toBeLessThan(128 * 1024); // one chunk, not drainBytes of them
    let text = '';
    sock.on('data', (d: Buffer) => (text += d.toString()));
    await vi.waitFor(() => expect(text.endsWith('\n')).toBe(true), { timeout: 10_000, interval: 10 }); // awaited: the whole line read
    expect(JSON.parse(text)).toEqual(big(1));
  });
});
