import { describe, expect, it } from 'vitest';
import { BerthError } from '../../../shared/errors';
import type { HelperState } from './transport';
import { defaultWsUrl, wsTransport, WS_CLOSE } from './ws-transport';

class FakeSocket {
  readyState = 0;
  sent: string[] = [];
  onopen: ((ev: Event) => void) | null = null;
  onclose: ((ev: CloseEvent) => void) | null = null;
  onmessage: ((ev: MessageEvent) => void) | null = null;
  onerror: ((ev: Event) => void) | null = null;
  send(s: string) {
    this.sent.push(s);
  }
  close() {}
  open() {
    this.readyState = 1;
    this.onopen?.({} as Event);
  }
  deliver(obj: unknown) {
    this.onmessage?.({ data: JSON.stringify(obj) } as MessageEvent);
  }
  drop(code: number, reason = '') {
    this.readyState = 3;
    this.onclose?.({ code, reason } as CloseEvent);
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const t = wsTransport({
    url: 'ws://127.0.0.1:1/rpc',
    createSocket: () => {
      const s = new FakeSocket();
      sockets.push(s);
      return s as never;
    },
    setTimer: (fn, ms) => timers.push({ fn, ms }),
  });
  const states: HelperState['state'][] = [];
  t.onState((s) => states.push(s.state));
  return { t, sockets, timers, states };
}

describe('wsTransport', () => {
  it('sends JSON-RPC frames and resolves with the result', async () => {
    const { t, sockets, states } = setup();
    sockets[0].open();
    expect(states).toEqual(['starting', 'connected']);
    const p = t.call('network.list', {});
    const req = JSON.parse(sockets[0].sent[0]);
    expect(req).toMatchObject({ jsonrpc: '2.0', method: 'network.list', params: {} });
    expect(req.auth).toBeUndefined(); // the browser never holds the helper token
    sockets[0].deliver({ jsonrpc: '2.0', id: req.id, result: [] });
    await expect(p).resolves.toEqual([]);
  });

  it('rejects with a BerthError carrying the kind', async () => {
    const { t, sockets } = setup();
    sockets[0].open();
    const p = t.call('network.inspect', { name: 'x' });
    const req = JSON.parse(sockets[0].sent[0]);
    sockets[0].deliver({ jsonrpc: '2.0', id: req.id, error: { code: -32004, message: 'network x not found', data: { kind: 'not_found' } } });
    const err = await p.catch((e) => e);
    expect(err).toBeInstanceOf(BerthError);
    expect(err).toMatchObject({ kind: 'not_found', message: 'network x not found' });
  });

  it('delivers events', () => {
    const { t, sockets } = setup();
    sockets[0].open();
    const seen: string[] = [];
    t.onEvent((e) => seen.push(e.type));
    sockets[0].deliver({ jsonrpc: '2.0', method: 'event', params: { type: 'network.created', id: '1', name: 'a' } });
    expect(seen).toEqual(['network.created']);
  });

  it('maps close codes to helper states and reconnects with backoff', async () => {
    const { t, sockets, timers, states } = setup();
    sockets[0].open();
    const pending = t.call('network.list', {});
    sockets[0].drop(WS_CLOSE.helperUnavailable, 'no helper');
    await expect(pending).rejects.toMatchObject({ kind: 'unavailable' });
    expect(states.at(-1)).toBe('not-running');
    expect(timers.map((x) => x.ms)).toEqual([250]);
    timers[0].fn();
    expect(sockets).toHaveLength(2);
    sockets[1].drop(WS_CLOSE.helperFailed, 'helper crashed');
    expect(states.at(-1)).toBe('failed');
    expect(timers.map((x) => x.ms)).toEqual([250, 500]);
  });

  it('does not retry without a valid token', () => {
    const { sockets, timers, states } = setup();
    sockets[0].drop(WS_CLOSE.unauthorized, 'Unauthorized');
    expect(states.at(-1)).toBe('failed');
    expect(timers).toHaveLength(0);
  });

  it('fails calls while disconnected instead of hanging', async () => {
    const { t } = setup();
    await expect(t.call('system.info', {})).rejects.toMatchObject({ kind: 'unavailable' });
  });

  it('builds the socket URL from the page location', () => {
    expect(defaultWsUrl({ protocol: 'http:', host: '127.0.0.1:4000' })).toBe('ws://127.0.0.1:4000/rpc');
  });
});
