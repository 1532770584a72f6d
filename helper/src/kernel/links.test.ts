import { beforeEach, describe, expect, it, vi } from 'vitest';
import { run, runJson } from './exec';
import { hostIp, parseFailures } from './ip-session';
import { deleteLinks, ipBatch } from './links';

vi.mock('./exec', async (original) => ({ ...(await original<typeof import('./exec')>()), run: vi.fn(), runJson: vi.fn() }));
const runMock = vi.mocked(run);
const runJsonMock = vi.mocked(runJson);
const sessionMock = vi.spyOn(hostIp, 'run');
const gone = (...names: string[]) => names.map((n, i) => `Cannot find device "${n}"\nCommand failed -:${i + 1}\n`).join('');
const ok = { ok: true, error: '' };

beforeEach(() => {
  runMock.mockReset();
  runJsonMock.mockReset();
  sessionMock.mockReset();
});

describe('deleteLinks (idempotent like CNI DEL)', () => {
  it("deletes every name through the helper's own ip, starting no process", async () => {
    sessionMock.mockResolvedValue([ok, ok]);
    expect(await deleteLinks(['veth1', 'br-x'])).toEqual([]);
    expect(sessionMock.mock.calls[0]).toEqual([['link del dev veth1', 'link del dev br-x']]);
    expect(runMock).not.toHaveBeenCalled();
    expect(runJsonMock).not.toHaveBeenCalled();
  });

  it('counts a link that vanished meanwhile as deleted and names it', async () => {
    sessionMock.mockResolvedValue([{ ok: false, error: 'Cannot find device "veth1"' }, ok]);
    expect(await deleteLinks(['veth1', 'br-x'])).toEqual(['veth1']);
    expect(runJsonMock).not.toHaveBeenCalled(); // nothing to list when only "gone" was reported
  });

  it('fails, naming what is left, when a link is still there', async () => {
    sessionMock.mockResolvedValue([ok, { ok: false, error: 'RTNETLINK answers: Operation not permitted' }]);
    runJsonMock.mockResolvedValue([{ ifname: 'lo' }, { ifname: 'br-x' }]);
    await expect(deleteLinks(['veth1', 'br-x'])).rejects.toMatchObject({
      kind: 'kernel',
      message: 'ip link del dev br-x: RTNETLINK answers: Operation not permitted',
      details: { left: ['br-x'] },
    });
  });

  it('runs in a named namespace as one forced batch process', async () => {
    runMock.mockResolvedValue({ stdout: '', stderr: gone('eth1'), exitCode: 1 });
    expect(await deleteLinks(['eth1', 'eth2'], 'berth-abc')).toEqual(['eth1']);
    expect(runMock.mock.calls[0]).toEqual(['ip', ['-n', 'berth-abc', '-force', '-batch', '-'], { input: 'link del dev eth1\nlink del dev eth2\n', okCodes: [1] }]);
    expect(sessionMock).not.toHaveBeenCalled();
  });
});

describe('ipBatch', () => {
  it('stops at the first failing line and names that command', async () => {
    sessionMock.mockResolvedValue([ok, { ok: false, error: 'RTNETLINK answers: File exists' }]);
    await expect(ipBatch(undefined, ['link add name a type bridge', 'link add name b type bridge'])).rejects.toMatchObject({
      kind: 'kernel',
      message: 'ip link add name b type bridge: exit 1: RTNETLINK answers: File exists',
    });
    expect(sessionMock.mock.calls[0][1]).toEqual({ stopOnError: true });
  });
});

describe("parseFailures (ip's stderr in batch mode)", () => {
  it('gives each line its own message, whatever came before the group', () => {
    const text = 'Cannot find device "x"\nCommand failed -:8\nRTNETLINK answers: File exists\nCommand failed -:10\n';
    expect(parseFailures(text, 7, 4)).toEqual([
      ok,
      { ok: false, error: 'Cannot find device "x"' },
      ok,
      { ok: false, error: 'RTNETLINK answers: File exists' },
    ]);
  });
});
