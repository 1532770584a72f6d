// @vitest-environment jsdom
import { act, renderHook } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useDebounced } from './useDebounced';

// Fake timers drive both setTimeout and performance.now(): the hook's notion
// of a rest is the mocked clock's, so nothing here depends on the machine.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const steps = (opts: { leading?: boolean; maxWait?: number }) => renderHook(({ v }) => useDebounced(v, 80, opts), { initialProps: { v: 0 } });

describe('useDebounced', () => {
  it('without maxWait, a burst that never rests keeps the value it had', () => {
    const h = steps({ leading: true });
    act(() => vi.advanceTimersByTime(200)); // a rest: the next change is taken at once
    act(() => h.rerender({ v: 1 }));
    expect(h.result.current).toBe(1);
    for (let v = 2; v <= 10; v++) {
      act(() => vi.advanceTimersByTime(30));
      act(() => h.rerender({ v }));
    }
    expect(h.result.current).toBe(1);
    act(() => vi.advanceTimersByTime(80));
    expect(h.result.current).toBe(10);
  });

  it('with maxWait, a burst that never rests has its latest value taken at least that often', () => {
    const h = steps({ leading: true, maxWait: 80 });
    act(() => vi.advanceTimersByTime(200));
    act(() => h.rerender({ v: 1 }));
    expect(h.result.current).toBe(1);
    const seen = new Set<number>();
    for (let v = 2; v <= 10; v++) {
      act(() => vi.advanceTimersByTime(30));
      act(() => h.rerender({ v }));
      seen.add(h.result.current);
    }
    // 270 ms of changes every 30 ms: taken at least every 80 ms, each time the latest then
    expect(seen.size).toBeGreaterThanOrEqual(3);
    act(() => vi.advanceTimersByTime(80));
    expect(h.result.current).toBe(10);
  });
});
