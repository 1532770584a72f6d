import { afterEach, describe, expect, it, vi } from 'vitest';
import { signalGroup } from './process';

describe('signalGroup', () => {
  afterEach(() => vi.restoreAllMocks());

  it.each([0, 1, -5, NaN])('never signals for pid %s (kill(-0) is our own group, kill(-1) every process)', (pid) => {
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    signalGroup(pid, 'SIGKILL');
    expect(kill).not.toHaveBeenCalled();
  });

  it("signals the container's process group", () => {
    const kill = vi.spyOn(process, 'kill').mockImplementation(() => true);
    signalGroup(4242, 'SIGTERM');
    expect(kill).toHaveBeenCalledWith(-4242, 'SIGTERM');
  });
});
