import { beforeEach, describe, expect, it, vi } from 'vitest';
import { BerthError } from '../../../src/shared/errors';
import { conntrackFilterArgs, filtersWithEntries, flushConntrack } from './conntrack';
import { run } from './exec';

vi.mock('./exec', () => ({ run: vi.fn() }));
const runMock = vi.mocked(run);
const deleted = (n: number, exitCode = n === 0 ? 1 : 0) => ({
  stdout: '',
  stderr: `conntrack v1.4.7 (conntrack-tools): ${n} flow entries have been deleted.\n`,
  exitCode,
});

// a block: mockReset returns the mock, and a function returned from beforeEach is run as its cleanup
beforeEach(() => {
  runMock.mockReset();
});

describe('conntrackFilterArgs', () => {
  it('builds the selector in a fixed order', () => {
    expect(conntrackFilterArgs({ proto: 'udp' })).toEqual(['-f', 'ipv4', '-p', 'udp']);
    expect(conntrackFilterArgs({ proto: 'udp', hostPort: 5353, containerIp: '172.18.0.2', origDst: '10.0.0.1' })).toEqual([
      '-f', 'ipv4', '-p', 'udp', '--orig-dst', '10.0.0.1', '--orig-port-dst', '5353', '--reply-src', '172.18.0.2',
    ]);
    expect(conntrackFilterArgs({ proto: 'tcp', containerIp: 'fd00::2' })).toEqual(['-f', 'ipv6', '-p', 'tcp', '--reply-src', 'fd00::2']);
  });
  it.each([
    [{ proto: 'udp' as const, containerIp: 'x' }, 'invalid IP address: x'],
    [{ proto: 'udp' as const, containerIp: 'fd00::2', origDst: '10.0.0.1' }, 'conntrack filter mixes IPv4 and IPv6 addresses'],
    [{ proto: 'udp' as const, hostPort: 0 }, 'invalid port: 0 (ports are 1-65535)'],
  ])('rejects %j', (f, msg) => {
    expect(() => conntrackFilterArgs(f)).toThrow(msg);
  });
});

describe('flushConntrack', () => {
  it('runs conntrack -D and returns the deleted count', async () => {
    runMock.mockResolvedValue(deleted(3));
    expect(await flushConntrack({ proto: 'udp', hostPort: 5353 })).toBe(3);
    expect(runMock).toHaveBeenCalledWith('conntrack', ['-D', '-f', 'ipv4', '-p', 'udp', '--orig-port-dst', '5353'], { okCodes: [1] });
  });
  it('treats exit 1 with "0 flow entries" as nothing to delete', async () => {
    runMock.mockResolvedValue(deleted(0));
    expect(await flushConntrack({ proto: 'tcp', containerIp: '172.18.0.2' })).toBe(0);
  });
  it('fails on any other exit 1', async () => {
    runMock.mockResolvedValue({ stdout: '', stderr: 'conntrack v1.4.7 (conntrack-tools): Operation failed: Operation not permitted\n', exitCode: 1 });
    const e = await flushConntrack({ proto: 'udp' }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(BerthError);
    expect(e).toMatchObject({ kind: 'kernel', message: 'conntrack -D -f ipv4 -p udp: exit 1: conntrack v1.4.7 (conntrack-tools): Operation failed: Operation not permitted' });
  });
});

describe('filtersWithEntries', () => {
  it('lists each family once and keeps the filters that name a listed entry: original destination and port, reply source', async () => {
    const listings: Record<string, string> = {
      ipv4: 'tcp      6 299 ESTABLISHED src=10.9.0.9 dst=10.9.0.1 sport=41000 dport=30000 [UNREPLIED] src=172.18.0.2 dst=10.9.0.9 sport=80 dport=41000 mark=0 use=1\n',
      ipv6: 'udp      17 99 src=fd00::9 dst=fd00::1 sport=5 dport=30001 [UNREPLIED] src=fd00:0::1 dst=fd00::9 sport=30001 dport=5 mark=0 use=1\n',
    };
    runMock.mockImplementation(async (_file, args) => ({ stdout: listings[args[2]], stderr: '', exitCode: 0 }));
    const named = await filtersWithEntries([
      { proto: 'tcp', hostPort: 30000, containerIp: '172.18.0.2' }, // yes
      { proto: 'tcp', hostPort: 30000, origDst: '10.9.0.1' }, // yes
      { proto: 'tcp', hostPort: 30000, containerIp: '172.18.0.3' }, // another container
      { proto: 'udp', hostPort: 30000 }, // another proto
      { proto: 'tcp', hostPort: 30001 }, // another port
      { proto: 'udp', hostPort: 30001, containerIp: 'fd00::1' }, // yes (written another way in the listing)
    ]);
    expect(named).toEqual([
      { proto: 'tcp', hostPort: 30000, containerIp: '172.18.0.2' },
      { proto: 'tcp', hostPort: 30000, origDst: '10.9.0.1' },
      { proto: 'udp', hostPort: 30001, containerIp: 'fd00::1' },
    ]);
    expect(runMock.mock.calls.map((c) => c[1])).toEqual([['-L', '-f', 'ipv4'], ['-L', '-f', 'ipv6']]);
  });
  it('validates every filter before listing anything', async () => {
    await expect(filtersWithEntries([{ proto: 'udp', hostPort: 1 }, { proto: 'udp', containerIp: 'x' }])).rejects.toThrow('invalid IP address: x');
    expect(runMock).not.toHaveBeenCalled();
  });
});
