import { memo, useCallback, useMemo, useRef, useState, type MutableRefObject } from 'react';
import { useBerthQueries } from '../../api/hooks';
import type { FirewallRule, NatQueryResult } from '../../../../shared/inspect';
import type { BerthObject } from '../../lib/berth-names';
import type { OpenView } from '../../lib/navigation';
import { useDebounced } from '../../lib/useDebounced';
import type { ScrollRequest } from '../../lib/useVirtualRows';
import { NatTable } from './NatTable';

// Rows per request: a few screenfuls, so scrolling asks rarely and each answer is small.
export const PAGE = 200;
// A page is asked when the rows in view come within this many rows of it.
// Not a whole page before any scrolling: that asked the second page together
// with the first on opening, and the first rows came ~0.4 s after the first
// answer instead of ~0.12 s (GUI bench, quiet machine; bench/README.md).
const PAGE_AHEAD = 60;
// Once the rows are scrolled, two pages ahead in that direction: a page is
// asked two pages of scrolling before it is needed (60 rows were 3 steps of
// the GUI bench, and a third of its steps met placeholders; one page, 10
// steps, was ~170 ms at one step a frame, less than a loaded helper took to
// answer).
const PAGE_AHEAD_SCROLLING = 2 * PAGE;
// Pages crossed while scrolling on are asked at most this often, those in view then.
const PAGES_REST_MS = 80;

// What the rows are filtered by (NatView's filters as the helper takes them).
export interface NatWhere {
  search: string;
  table?: string;
  owner?: FirewallRule['owner'];
  family?: FirewallRule['family'];
}

// The rules in view, for the counters' refresh: set by NatPages on every render.
export type RulesInView = MutableRefObject<() => string[]>;

// The matched rules page by page: the first page (`head`, asked by NatView:
// it names the reading) and the pages the table's rows in view need, asked
// of the helper as they come near. Its own component, so the state that
// changes as the rows scroll (the span of pages, their queries and answers)
// re-renders this table only, never the view's header, toolbar and tracer
// (each of those renders wrote the inputs' attributes again and restyled
// them: the costliest scroll steps of the GUI bench; docs/architecture.md,
// large readings).
export const NatPages = memo(function NatPages({
  where,
  head,
  counters,
  selected,
  hit,
  path,
  onSelect,
  scrollTo,
  names,
  onOpen,
  inView,
}: {
  where: NatWhere;
  head: NatQueryResult;
  counters: Map<string, { packets: number; bytes: number }>;
  selected: FirewallRule | null;
  hit: string | null;
  path: Set<string>;
  onSelect: (r: FirewallRule) => void;
  scrollTo: ScrollRequest | null;
  names: Map<string, BerthObject>;
  onOpen?: OpenView;
  inView: RulesInView;
}) {
  // The rows in view change with every scroll step; this re-renders only
  // when the pages they need change (the table re-renders its own rows).
  const range = useRef<[number, number]>([0, 0]);
  const [span, setSpan] = useState<[number, number]>([0, 0]);
  const [firstPage, lastPage] = useDebounced(span, PAGES_REST_MS, { leading: true, maxWait: PAGES_REST_MS });
  const pageNos = useMemo(() => {
    const out: number[] = [];
    for (let p = Math.max(1, firstPage); p <= lastPage; p++) out.push(p);
    return out;
  }, [firstPage, lastPage]);
  const pageQueries = useBerthQueries(
    'nat.query',
    pageNos.map((p) => ({ ...where, snapshot: head.snapshot, offset: p * PAGE, limit: PAGE })),
    { staleTime: Infinity }, // pages of one named reading: a page scrolled back to is not asked again
  );
  const pages = new Map<number, FirewallRule[]>();
  pages.set(0, head.rules);
  pageNos.forEach((p, i) => {
    const d = pageQueries[i]?.data;
    if (d && d.snapshot === head.snapshot) pages.set(p, d.rules);
  });
  const rowAt = (i: number) => pages.get(Math.floor(i / PAGE))?.[i % PAGE];
  let selectedIndex = -1;
  if (selected) for (const [p, rules] of pages) {
    const k = rules.findIndex((r) => r.id === selected.id);
    if (k >= 0) selectedIndex = p * PAGE + k;
  }
  // the way the rows were last scrolled: 1 down, -1 up, 0 not yet
  const heading = useRef(0);
  const onRange = useCallback((a: number, b: number) => {
    if (a !== range.current[0]) heading.current = Math.sign(a - range.current[0]);
    range.current = [a, b];
    const before = heading.current < 0 ? PAGE_AHEAD_SCROLLING : PAGE_AHEAD;
    const after = heading.current > 0 ? PAGE_AHEAD_SCROLLING : PAGE_AHEAD;
    const next: [number, number] = [Math.floor(Math.max(0, a - before) / PAGE), Math.floor((b + after) / PAGE)];
    // a span of up to four pages that still holds the pages needed is kept:
    // a page left behind is dropped with the next one asked, one change (and
    // one render of this table) per page scrolled instead of two
    setSpan((s) => (next[0] >= s[0] && next[1] <= s[1] && s[1] - s[0] <= 3 ? s : next));
  }, []);
  inView.current = () => {
    const ids: string[] = [];
    for (let i = range.current[0]; i <= range.current[1] && ids.length < 2000; i++) {
      const r = rowAt(i);
      if (r) ids.push(r.id);
    }
    return ids;
  };

  return (
    <NatTable
      count={head.matched}
      total={head.total}
      rowAt={rowAt}
      counters={counters}
      selected={selected?.id ?? null}
      selectedIndex={selectedIndex}
      hit={hit}
      path={path}
      onSelect={onSelect}
      onRange={onRange}
      scrollTo={scrollTo}
      names={names}
      onOpen={onOpen}
    />
  );
});
