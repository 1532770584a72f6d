import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Step } from './ip-session-driver';
import { bundleForHost, TestHost } from './harness';

// The helper's long-lived ip on the real kernel: each line's answer is its
// own, a failing line stops a stopOnError group, ip exiting on a bad argument
// fails that group only, and link deletes stay idempotent.
describe('ip session (one long-lived ip -force -batch)', () => {
  let h: TestHost;
  let driver: string;
  beforeEach(async () => {
    driver = await bundleForHost('test/integration/ip-session-driver.ts');
    h = await TestHost.create();
  });
  afterEach(async () => h?.destroy());

  const steps = (s: Step[]) => h.driveSteps<unknown>(driver, s);
  const links = async () => (JSON.parse(await h.shOk(['ip', '-json', 'link'])) as { ifname: string }[]).map((l) => l.ifname).sort();

  it('answers per line, keeps going after a failure, and stops at the first one when asked', async () => {
    const r = await steps([
      { session: ['link add name brx type bridge', 'link set dev nosuch up', 'link set dev brx up'] },
      { session: ['link add name brx type bridge', 'link add name bry type bridge'], stopOnError: true },
      { session: ['link del dev brx'] },
    ]);
    expect(r[0]).toEqual([
      { ok: true, error: '' },
      { ok: false, error: 'Cannot find device "nosuch"' },
      { ok: true, error: '' },
    ]);
    expect(r[1]).toEqual([{ ok: false, error: 'RTNETLINK answers: File exists' }]); // bry never made
    expect(r[2]).toEqual([{ ok: true, error: '' }]);
    expect(await links()).toEqual(['lo']);
  });

  it('fails the group during which ip exits, and starts a new ip for the next', async () => {
    const r = await steps([
      { session: ['link add name brx type bridge'] },
      { session: ['link set dev brx mtu notanumber'] },
      { session: ['link set dev brx up', 'link del dev brx'] },
    ]);
    expect(r[1]).toMatchObject({ error: expect.stringMatching(/^ip exited \(exit 255\): .*Invalid "mtu" value/) });
    expect(r[2]).toEqual([{ ok: true, error: '' }, { ok: true, error: '' }]);
    expect(await links()).toEqual(['lo']);
  });

  it('refuses a line that would be read as two commands or a comment', async () => {
    const r = await steps([{ session: ['link add name brx type bridge\nlink del dev lo'] }, { session: ['link show dev lo # x'] }]);
    expect(r[0]).toMatchObject({ error: expect.stringContaining('ip line refused') });
    expect(r[1]).toMatchObject({ error: expect.stringContaining('ip line refused') });
    expect(await links()).toEqual(['lo']);
  });

  it('runs the adapter: ipBatch names the failing command, deleteLinks counts a gone link as deleted', async () => {
    const r = await steps([
      { batch: ['link add name brx type bridge', 'addr add 10.9.0.1/24 dev brx'] },
      { batch: ['link add name brx type bridge', 'addr add 10.9.1.1/24 dev brx'] },
      { del: ['brx', 'gone0'] },
      { del: ['brx'] },
    ]);
    expect(r[0]).toBe('ok');
    expect(r[1]).toMatchObject({ error: expect.stringMatching(/^ip link add name brx type bridge: exit 1: RTNETLINK answers: File exists/) });
    expect(r[2]).toEqual(['gone0']);
    expect(r[3]).toEqual(['brx']);
    expect(await links()).toEqual(['lo']);
  });
});
