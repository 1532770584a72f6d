import { beforeEach, describe, expect, it, vi } from 'vitest';
import { BerthError } from '../../../src/shared/errors';
import { conntrackFilterArgs, flushConntrack } from './conntrack';
import { run } from './exec';

vi.mock('./exec', () => ({ run: vi.fn() }));
const runMock = vi.mocked(run);
const deleted = (n: number, exitCode = n === 0 ? 1 : 0) => ({
  stdout: '',
  stderr: `conntrack v1.4.7 (conntrack-tools): ${n} flow entries have been deleted.\n`,
  exitCode,
});

beforeEach(() => runMock.mockReset());

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
