import { readFileSync } from 'node:fs';
import { expect, it, vi } from 'vitest';
import type { HostRaw } from '../kernel/host-raw-types';
import { readHostRaw } from '../kernel/host-readers';
import { buildHostInspect } from './build';
import { inspectHost } from './host';

vi.mock('../kernel/host-readers', () => ({ readHostRaw: vi.fn() }));
const readMock = vi.mocked(readHostRaw);

const fx = (n: string) => readFileSync(new URL(`./fixtures/${n}`, import.meta.url), 'utf8');
const raw = JSON.parse(fx('hostraw.json')) as HostRaw;
const ipv4 = [raw.iptables.ipv4, fx('docker20.save'), fx('docker28.save'), fx('others.save')].join('\n');
const ipv6 = '*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [3:180]\n[1:60] -A FORWARD -d fd00::2/128 -o br-1 -p tcp -m tcp --dport 80 -j ACCEPT\nCOMMIT\n';
const host: HostRaw = { ...raw, iptables: { ipv4, ipv6 } };

// iptables-save's text as the program gives it: in pieces cut anywhere, lines and words included
function readInPieces(size: number, failed: 'ipv6' | null = null) {
  readMock.mockImplementation(async (opts) => {
    for (const family of ['ipv4', 'ipv6'] as const)
      for (let i = 0; i < host.iptables[family]!.length; i += size) opts?.onSave?.(family, host.iptables[family]!.slice(i, i + size));
    // a save that failed after printing a part: the host has none of its rules
    return failed ? { ...host, iptables: { ...host.iptables, [failed]: null } } : host;
  });
}

it('parses each save while it is read into exactly the rules of its whole text', async () => {
  const whole = JSON.parse(JSON.stringify(buildHostInspect(host)));
  for (const size of [1, 7, 100, 4096, 1 << 20]) {
    readInPieces(size);
    expect(JSON.parse(JSON.stringify(await inspectHost({ join: true })))).toEqual({ ...whole, takenAt: host.takenAt });
  }
  expect(whole.rules.filter((r: { family: string }) => r.family === 'ipv6')).toHaveLength(1);
});

it('keeps no rule of a save that failed, whatever it printed first', async () => {
  readInPieces(50, 'ipv6');
  const inspected = await inspectHost();
  expect(inspected.rules.filter((r) => r.family === 'ipv6')).toEqual([]);
  expect(inspected.rules.length).toBe(buildHostInspect({ ...host, iptables: { ipv4, ipv6: null } }).rules.length);
});
