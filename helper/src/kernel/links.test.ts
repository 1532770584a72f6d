import { beforeEach, describe, expect, it, vi } from 'vitest';
import { run, runJson } from './exec';
import { deleteLinks } from './links';

vi.mock('./exec', async (original) => ({ ...(await original<typeof import('./exec')>()), run: vi.fn(), runJson: vi.fn() }));
const runMock = vi.mocked(run);
const runJsonMock = vi.mocked(runJson);
const gone = (...names: string[]) => names.map((n, i) => `Cannot find device "${n}"\nCommand failed -:${i + 1}\n`).join('');

beforeEach(() => {
  runMock.mockReset();
  runJsonMock.mockReset();
});

describe('deleteLinks (idempotent like CNI DEL)', () => {
  it('deletes every name in one forced batch', async () => {
    runMock.mockResolvedValue({ stdout: '', stderr: '', exitCode: 0 });
    expect(await deleteLinks(['veth1', 'br-x'])).toEqual([]);
    expect(runMock).toHaveBeenCalledTimes(1);
    expect(runMock.mock.calls[0]).toEqual(['ip', ['-force', '-batch', '-'], { input: 'link del dev veth1\nlink del dev br-x\n', okCodes: [1] }]);
    expect(runJsonMock).not.toHaveBeenCalled();
  });

  it('counts a link that vanished meanwhile as deleted and names it', async () => {
    runMock.mockResolvedValue({ stdout: '', stderr: gone('veth1'), exitCode: 1 });
    expect(await deleteLinks(['veth1', 'br-x'])).toEqual(['veth1']);
    expect(runJsonMock).not.toHaveBeenCalled(); // nothing to list when only "gone" was reported
  });

  it('fails, naming what is left, when a link is still there', async () => {
    runMock.mockResolvedValue({ stdout: '', stderr: 'RTNETLINK answers: Operation not permitted\nCommand failed -:2\n', exitCode: 1 });
    runJsonMock.mockResolvedValue([{ ifname: 'lo' }, { ifname: 'br-x' }]);
    await expect(deleteLinks(['veth1', 'br-x'])).rejects.toMatchObject({
      kind: 'kernel',
      message: expect.stringMatching(/^ip -force -batch -: exit 1: RTNETLINK answers: Operation not permitted/),
      details: { left: ['br-x'] },
    });
  });

  it('runs in the named namespace', async () => {
    runMock.mockResolvedValue({ stdout: '', stderr: '', exitCode: 0 });
    await deleteLinks(['eth1'], 'berth-abc');
    expect(runMock.mock.calls[0].slice(0, 2)).toEqual(['ip', ['-n', 'berth-abc', '-force', '-batch', '-']]);
  });
});
