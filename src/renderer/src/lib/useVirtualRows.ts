import { measureElement, observeElementRect, useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';

// The virtualized-table machinery of every table of the app. Rows that vary
// in height (chips, inline errors) are measured as they render; a table of
// one row height (`fixed`) is never measured, so scrolling reads no layout.
// Only the rows in view (plus overscan) are in the DOM; padding rows (a
// <table>) or a box of the whole height with rows placed in it (NatTable)
// keep the scroll height. Keyboard: the current row is the one tab stop; arrows, Page
// Up/Down, Home and End move it, Enter or Space (or a click outside the row's
// own buttons) activates it. The row handlers (`rowEvents`) are the same
// functions for the table's whole life, so a memoised row re-renders only
// when its own props change (docs/architecture.md, large readings).
export interface ScrollRequest {
  index: number;
  n: number;
}

const FALLBACK_RECT = { width: 1200, height: 640 };
const HEADER = 34; // a table's sticky header row

export function useVirtualRows({
  count,
  getKey,
  estimate,
  selectedIndex,
  onActivate,
  onMove,
  scrollTo,
  fixed = false,
  overscan = 10,
}: {
  count: number;
  getKey: (i: number) => string | undefined;
  estimate: number;
  selectedIndex: number;
  onActivate: (i: number) => void;
  // arrows also select (like NatTable); without it they only move focus
  onMove?: (i: number) => void;
  scrollTo?: ScrollRequest | null;
  fixed?: boolean; // every row is `estimate` px high
  overscan?: number; // rows rendered beyond each edge of the view
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const rowRefs = useRef(new Map<number, HTMLElement>());
  const [cursor, setCursor] = useState(0);
  const virt = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => estimate,
    overscan,
    initialRect: FALLBACK_RECT,
    // a box not laid out (yet, or in jsdom) still shows a window of rows; the view's height is
    // its client height: the border box (the library's) includes a horizontal scrollbar
    observeElementRect: (inst, cb) =>
      observeElementRect(inst, (r) => cb(r.height > 0 ? { width: r.width, height: inst.scrollElement?.clientHeight || r.height } : FALLBACK_RECT)),
    measureElement: fixed ? () => estimate : (el, entry, inst) => measureElement(el, entry, inst) || estimate,
    // The rows' offsets start below the sticky header (HEADER px, in the scroller's flow above
    // them), so the view's bottom in those offsets is scrollTop + height - HEADER: a row the keys
    // move to below the view is scrolled to that bottom, not HEADER px under it.
    scrollPaddingStart: HEADER,
    scrollPaddingEnd: HEADER,
    // A new getItemKey makes the virtualizer measure all `count` rows again
    // (it is among its memo's inputs), and this one would be new every
    // render: at 10,000 rules that loop was a sixth of a scroll step's script.
    // Rows of one height need no key to keep their measured size: the index is
    // the virtualizer's own (stable) key for them.
    ...(fixed ? {} : { getItemKey: (i: number) => getKey(i) ?? i }),
  });

  useEffect(() => {
    if (selectedIndex >= 0) setCursor(selectedIndex);
  }, [selectedIndex]);

  // A row already rendered (the next one usually is: overscan) takes the
  // focus at once, so a key pressed right after lands on it and not on the
  // row it left; one scrolled to is focused once the scroll has drawn it,
  // unless a later move took over, and until then the keys move on from it
  // (keys pressed faster than frames drawn: past the overscan, each was a
  // move from the row that still had the focus, and got lost).
  const pending = useRef(-1);
  const focusRow = (i: number) => {
    const now = rowRefs.current.get(i);
    pending.current = now ? -1 : i;
    if (now) now.focus({ preventScroll: true });
    else requestAnimationFrame(() => requestAnimationFrame(() => {
      if (pending.current !== i) return;
      pending.current = -1;
      rowRefs.current.get(i)?.focus({ preventScroll: true });
    }));
  };

  useEffect(() => {
    if (!scrollTo || scrollTo.index < 0 || scrollTo.index >= count) return;
    // after a details panel opened and the table took its new width
    const i = scrollTo.index;
    setCursor(i);
    const raf = requestAnimationFrame(() => {
      virt.scrollToIndex(i, { align: 'center' });
      focusRow(i);
    });
    return () => cancelAnimationFrame(raf);
    // runs per scroll request only: virt and focusRow are new objects every render
  }, [scrollTo]);

  const moveTo = (i: number) => {
    const to = Math.min(Math.max(i, 0), count - 1);
    if (to < 0) return;
    setCursor(to);
    onMove?.(to);
    virt.scrollToIndex(to, { align: 'auto' });
    focusRow(to);
  };
  const onKeyDown = (e: KeyboardEvent, at: number) => {
    if (e.target !== e.currentTarget) return; // a button in the row has its own keys
    const i = pending.current >= 0 ? pending.current : at;
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 600) / estimate) - 1);
    const keys: Record<string, number> = { ArrowDown: i + 1, ArrowUp: i - 1, PageDown: i + page, PageUp: i - page, Home: 0, End: count - 1 };
    if (e.key in keys) {
      e.preventDefault();
      moveTo(keys[e.key]);
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onActivate(i);
    }
  };
  const onClick = (e: MouseEvent, i: number) => {
    if ((e.target as Element).closest('button, a, input, select, textarea, [role="alert"]')) return;
    pending.current = -1; // the clicked row has the focus now
    setCursor(i);
    onActivate(i);
  };

  // the latest handlers behind functions that never change (see above)
  const latest = useRef({ onKeyDown, onClick, measure: virt.measureElement });
  latest.current = { onKeyDown, onClick, measure: virt.measureElement };
  const [rowEvents] = useState(() => ({
    ref: (i: number, el: HTMLElement | null) => {
      if (el) {
        rowRefs.current.set(i, el);
        if (!fixed) latest.current.measure(el);
      } else rowRefs.current.delete(i);
    },
    onKeyDown: (e: KeyboardEvent, i: number) => latest.current.onKeyDown(e, i),
    onClick: (e: MouseEvent, i: number) => latest.current.onClick(e, i),
  }));

  const tabStop = Math.min(cursor, Math.max(count - 1, 0));
  const rowProps = (i: number) => ({
    ref: (el: HTMLElement | null) => rowEvents.ref(i, el),
    'data-index': i,
    'aria-rowindex': i + 2,
    tabIndex: i === tabStop ? 0 : -1,
    onKeyDown: (e: KeyboardEvent) => rowEvents.onKeyDown(e, i),
    onClick: (e: MouseEvent) => rowEvents.onClick(e, i),
  });

  const items = virt.getVirtualItems();
  const totalSize = virt.getTotalSize();
  const padTop = items.length ? items[0].start : 0;
  const padBottom = items.length ? Math.max(0, totalSize - items[items.length - 1].end) : 0;
  // padTop/padBottom for a <table>; totalSize and each item's start for rows placed absolutely
  return { scrollRef, items, padTop, padBottom, totalSize, rowProps, rowEvents, tabStop };
}
