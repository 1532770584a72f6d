import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { repeatWithoutOverlap } from './periodic';

describe('repeatWithoutOverlap', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('starts no run while the previous one is still going, however long it takes', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    const finish: (() => void)[] = [];
    const r = repeatWithoutOverlap(async () => {
      runs++;
      most = Math.max(most, ++running);
      await new Promise<void>((res) => finish.push(res));
      running--;
    }, 500);
    await vi.advanceTimersByTimeAsync(500);
    expect(runs).toBe(1);
    // a slow run: ten intervals pass, no second run is started
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runs).toBe(1);
    finish.shift()!();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1); // the next one waits a whole interval after the end
    await vi.advanceTimersByTimeAsync(500);
    expect(runs).toBe(2);
    expect(most).toBe(1);
    r.stop();
    finish.shift()!();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(runs).toBe(2);
  });

  it('goes on after a run that failed', async () => {
    let runs = 0;
    const r = repeatWithoutOverlap(async () => {
      runs++;
      throw new Error('boom');
    }, 100);
    await vi.advanceTimersByTimeAsync(350);
    expect(runs).toBe(3);
    r.stop();
  });
});
