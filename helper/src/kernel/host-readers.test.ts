import { beforeEach, describe, expect, it, vi } from 'vitest';
import { run, runJson, runStreaming } from './exec';
import { readFirewallRaw, readHostRaw, streamIptablesSave } from './host-readers';
import { iptablesRestore } from './iptables';

vi.mock('./exec', () => ({ run: vi.fn(), runJson: vi.fn(), runStreaming: vi.fn() }));
const runStreamingMock = vi.mocked(runStreaming);
const runMock = vi.mocked(run);
const runJsonMock = vi.mocked(runJson);

// Each iptables-save waits until the test lets it answer, and says which run it was.
let saves: { resolve: (text: string) => void }[] = [];
const savesOf = () => runMock.mock.calls.filter(([f]) => f === 'iptables-save').length;
beforeEach(() => {
  saves = [];
  runMock.mockReset();
  runJsonMock.mockReset();
  runJsonMock.mockResolvedValue([]);
  runMock.mockImplementation(async (file) => {
    if (file === 'iptables-save') {
      const text = await new Promise<string>((resolve) => saves.push({ resolve }));
      return { stdout: text, stderr: '', exitCode: 0 };
    }
    return { stdout: '', stderr: '', exitCode: 0 };
  });
});
const firewallOnly = { links: false, ipv4: true, ipv6: false, nft: false };
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 1));
  expect(cond()).toBe(true);
};

describe('firewall readings already running are joined', () => {
  it('a NAT reading asked while the plan reads iptables-save gets the same text, from one run', async () => {
    const plan = readHostRaw({ join: true });
    await until(() => saves.length === 1);
    const nat = readFirewallRaw(firewallOnly);
    saves[0].resolve('one run');
    expect((await nat).iptables.ipv4).toBe('one run');
    expect((await plan).iptables.ipv4).toBe('one run');
    expect(savesOf()).toBe(1);
  });

  it('a reading asked after a write of Berth started, or after the last one ended, runs the program again', async () => {
    const first = readFirewallRaw(firewallOnly);
    await until(() => saves.length === 1);
    await iptablesRestore('*nat\nCOMMIT\n');
    const second = readFirewallRaw(firewallOnly);
    await until(() => saves.length === 2);
    saves[0].resolve('before the write');
    saves[1].resolve('after the write');
    expect((await first).iptables.ipv4).toBe('before the write');
    expect((await second).iptables.ipv4).toBe('after the write');
    const third = readFirewallRaw(firewallOnly);
    await until(() => saves.length === 3);
    saves[2].resolve('later');
    expect((await third).iptables.ipv4).toBe('later');
  });

  it("cleanup's apply (no join) never shares a run", async () => {
    const plan = readHostRaw({ join: true });
    await until(() => saves.length === 1);
    const apply = readHostRaw();
    await until(() => saves.length === 2);
    saves[0].resolve('plan');
    saves[1].resolve('apply');
    expect((await apply).iptables.ipv4).toBe('apply');
    expect((await plan).iptables.ipv4).toBe('plan');
  });
});

describe('the programs of a reading are asked for longest first', () => {
  // the spawner starts them one after another in the order asked: iptables-save, the longest, goes first
  it('readFirewallRaw asks for the saves before nft and ip', async () => {
    const order: string[] = [];
    runMock.mockImplementation(async (file) => (order.push(file), { stdout: '', stderr: '', exitCode: 0 }));
    runJsonMock.mockImplementation(async (file) => (order.push(file), []));
    await readFirewallRaw({ links: true, ipv4: true, ipv6: true, nft: true });
    expect(order.slice(0, 2)).toEqual(['iptables-save', 'ip6tables-save']);
    expect(order).toContain('ip');
  });
});

describe('a listing that keeps no text of its own (berth nat ls)', () => {
  // iptables-save printing as the test feeds it, until it ends
  let feed: ((c: string) => void) | undefined;
  let finish: () => void = () => {};
  beforeEach(() => {
    feed = undefined;
    runStreamingMock.mockReset();
    runStreamingMock.mockImplementation(async (_file, _args, onStdout) => {
      feed = onStdout;
      await new Promise<void>((r) => (finish = r));
      return { stdout: '', stderr: '', exitCode: 0 };
    });
  });

  it('is joined by a reading asked meanwhile, which gets the whole text from the one run', async () => {
    const seen: string[] = [];
    const listing = streamIptablesSave('iptables-save', (c) => seen.push(c), undefined, true, false);
    await until(() => feed !== undefined);
    feed!('*nat\n[1:2] -A X -m comment --comment "café');
    const plan = readFirewallRaw(firewallOnly);
    feed!(' ünï"\nCOMMIT\n');
    finish();
    const whole = '*nat\n[1:2] -A X -m comment --comment "café ünï"\nCOMMIT\n';
    expect((await plan).iptables.ipv4).toBe(whole);
    expect(seen.join('')).toBe(whole);
    await listing;
    expect(savesOf()).toBe(0);
    expect(runStreamingMock).toHaveBeenCalledTimes(1);
  });

  // A listing with a client that may go away (berth nat ls: a signal) keeps nothing for a joiner
  it('with a signal is not joined: a reading asked meanwhile runs its own program and gets its whole text', async () => {
    const seen: string[] = [];
    const listing = streamIptablesSave('iptables-save', (c) => seen.push(c), new AbortController().signal, true, false);
    await until(() => feed !== undefined);
    feed!('*nat\n[1:2] -A X -m comment --comment "café');
    const plan = readFirewallRaw(firewallOnly);
    await until(() => saves.length === 1);
    feed!(' ünï"\nCOMMIT\n');
    finish();
    saves[0].resolve('its own run');
    expect((await plan).iptables.ipv4).toBe('its own run');
    expect(seen.join('')).toBe('*nat\n[1:2] -A X -m comment --comment "café ünï"\nCOMMIT\n');
    expect(await listing).toBe('');
    expect(runStreamingMock).toHaveBeenCalledTimes(1);
  });

  it('with a signal joins a reading already running, whose whole text it gets in one chunk', async () => {
    const plan = readFirewallRaw(firewallOnly);
    await until(() => saves.length === 1);
    const seen: string[] = [];
    const listing = streamIptablesSave('iptables-save', (c) => seen.push(c), new AbortController().signal, true, false);
    saves[0].resolve('one run');
    expect((await plan).iptables.ipv4).toBe('one run');
    await listing;
    expect(seen).toEqual(['one run']);
    expect(runStreamingMock).not.toHaveBeenCalled();
  });

  it('resolves to nothing when no reading joined it; one asked after it ended runs the program again', async () => {
    const seen: string[] = [];
    const listing = streamIptablesSave('iptables-save', (c) => seen.push(c), undefined, true, false);
    await until(() => feed !== undefined);
    feed!('*nat\nCOMMIT\n');
    finish();
    expect(await listing).toBe('');
    expect(seen).toEqual(['*nat\nCOMMIT\n']);
    const later = readFirewallRaw(firewallOnly);
    await until(() => saves.length === 1);
    saves[0].resolve('later');
    expect((await later).iptables.ipv4).toBe('later');
  });
});
