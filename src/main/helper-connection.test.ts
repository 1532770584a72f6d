import { describe, expect, it } from 'vitest';
import { BerthError } from '../shared/errors';
import type { BerthClient } from '../../helper/src/client/unix-client';
import { HelperConnection } from './helper-connection';

function fakeClient() {
  let closeCb: () => void = () => {};
  const c = {
    api: {} as never,
    call: async () => ({ subscribed: true }) as never,
    onEvent: () => () => {},
    onBytes: () => () => {},
    onClose: (cb: () => void) => {
      closeCb = cb;
    },
    close: () => {},
  } as BerthClient;
  return { c, drop: () => closeCb() };
}

function setup(connect: () => Promise<BerthClient>, launch = async () => {}) {
  const timers: { fn: () => void; ms: number }[] = [];
  let now = 0;
  const conn = new HelperConnection({
    socketPath: '/run/berth/berth.sock',
    connect,
    launch,
    setTimer: (fn, ms) => timers.push({ fn, ms }),
    clearTimer: () => {},
    now: () => now,
  });
  const states: string[] = [];
  conn.onState((s) => states.push(s.state === 'failed' ? `failed: ${s.reason}` : s.state));
  return { conn, timers, states, advance: (ms: number) => (now += ms) };
}

const noHelper = () => Promise.reject(new BerthError('unavailable', 'no Berth helper is running'));

describe('HelperConnection', () => {
  it('reports not-running and retries with growing backoff', async () => {
    const { conn, timers } = setup(noHelper);
    expect((await conn.start()).state).toBe('not-running');
    timers[0].fn();
    await new Promise((r) => setTimeout(r, 0));
    timers[1].fn();
    await new Promise((r) => setTimeout(r, 0));
    expect(timers.map((t) => t.ms)).toEqual([250, 500, 1000]);
  });

  it('connects, subscribes, and reconnects after the helper restarts', async () => {
    const f = fakeClient();
    const { conn, timers, states } = setup(async () => f.c);
    expect((await conn.start()).state).toBe('connected');
    f.drop();
    expect(conn.state.state).toBe('not-running');
    expect(timers).toHaveLength(1);
    timers[0].fn();
    await new Promise((r) => setTimeout(r, 0));
    expect(states).toEqual(['connected', 'not-running', 'connected']);
  });

  it('goes starting -> connected after a launch', async () => {
    let up = false;
    const f = fakeClient();
    const { conn, states } = setup(
      () => (up ? Promise.resolve(f.c) : noHelper()),
      async () => {
        up = true;
      },
    );
    await conn.start();
    await conn.launchHelper();
    expect(states).toEqual(['starting', 'connected']); // it starts out not-running
  });

  it('fails with the reason when the prompt is cancelled', async () => {
    const { conn, states } = setup(noHelper, async () => {
      throw new Error('the administrator prompt was cancelled');
    });
    await conn.start();
    await conn.launchHelper();
    expect(states.at(-1)).toBe('failed: the administrator prompt was cancelled');
  });

  it('fails when the helper never opens its socket after a launch', async () => {
    const { conn, timers, states, advance } = setup(noHelper);
    await conn.start();
    await conn.launchHelper();
    expect(conn.state.state).toBe('starting');
    advance(31_000);
    timers.at(-1)!.fn();
    await new Promise((r) => setTimeout(r, 0));
    expect(states.at(-1)).toMatch(/^failed: the helper did not open its socket/);
  });

  it('reports an unreadable token as failed, not as not-running', async () => {
    const { conn } = setup(() => Promise.reject(new BerthError('unauthorized', 'the helper belongs to another user')));
    expect(await conn.start()).toMatchObject({ state: 'failed', reason: 'the helper belongs to another user' });
  });

  it('stops on quit only a helper it launched itself', async () => {
    const calls: string[] = [];
    const client = () => {
      const f = fakeClient();
      f.c.call = (async (m: string) => (calls.push(m), { subscribed: true })) as never;
      return f.c;
    };
    // already running when the app came: left alone
    const running = setup(async () => client());
    await running.conn.start();
    expect(await running.conn.stopLaunchedHelper()).toBe(false);
    expect(calls).toEqual(['events.subscribe']);
    // started through the prompt: asked to shut down, once
    let up = false;
    const mine = setup(async () => (up ? client() : noHelper()), async () => void (up = true));
    await mine.conn.start();
    await mine.conn.launchHelper();
    expect(await mine.conn.stopLaunchedHelper()).toBe(true);
    expect(await mine.conn.stopLaunchedHelper()).toBe(false);
    expect(calls).toEqual(['events.subscribe', 'events.subscribe', 'system.shutdown']);
  });
});
