import { beforeEach, describe, expect, it, vi } from 'vitest';
import { run, runJson } from './exec';
import { readFirewallRaw, readHostRaw } from './host-readers';
import { iptablesRestore } from './iptables';

vi.mock('./exec', () => ({ run: vi.fn(), runJson: vi.fn() }));
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
