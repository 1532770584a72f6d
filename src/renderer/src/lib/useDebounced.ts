import { useEffect, useRef, useState } from 'react';

// `value` once it has rested `ms`. With `leading`, a change after a rest of
// `ms` is taken at once (the first key typed, the first page scrolled into):
// only a burst of changes waits, and then for its last one, so an answer that
// takes a millisecond is not held back by the debounce and a burst still
// asks once. With `maxWait`, a burst that never rests (scrolling on, page
// after page) still has its latest value taken at least that often: without
// it, the pages a steady scroll needed were asked only once it stopped.
export function useDebounced<T>(value: T, ms: number, { leading = false, maxWait = Infinity }: { leading?: boolean; maxWait?: number } = {}): T {
  const [v, setV] = useState(value);
  const changedAt = useRef(Number.NEGATIVE_INFINITY);
  const since = useRef(Number.NEGATIVE_INFINITY); // the burst's start, or the last value taken in it
  useEffect(() => {
    const now = performance.now();
    const rested = now - changedAt.current >= ms;
    changedAt.current = now;
    if (rested) since.current = now;
    const take = () => {
      since.current = performance.now();
      setV(value);
    };
    if (leading && rested) {
      take();
      return;
    }
    const t = setTimeout(take, Math.max(0, Math.min(ms, since.current + maxWait - now)));
    return () => clearTimeout(t);
  }, [value, ms, leading, maxWait]);
  return v;
}
