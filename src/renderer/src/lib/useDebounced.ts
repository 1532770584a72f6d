import { useEffect, useRef, useState } from 'react';

// `value` once it has rested `ms`. With `leading`, a change after a rest of
// `ms` is taken at once (the first key typed, the first page scrolled into):
// only a burst of changes waits, and then for its last one, so an answer that
// takes a millisecond is not held back by the debounce and a burst still
// asks once.
export function useDebounced<T>(value: T, ms: number, { leading = false }: { leading?: boolean } = {}): T {
  const [v, setV] = useState(value);
  const changedAt = useRef(Number.NEGATIVE_INFINITY);
  useEffect(() => {
    const now = performance.now();
    const rested = now - changedAt.current >= ms;
    changedAt.current = now;
    if (leading && rested) {
      setV(value);
      return;
    }
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms, leading]);
  return v;
}
