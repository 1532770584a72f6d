import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type MouseEvent, type PointerEvent } from 'react';
import type { FirewallRule } from '../../../../shared/inspect';
import { useVirtualRows, type ScrollRequest } from '../../lib/useVirtualRows';
import { foreignObjectText, grouped, mappingText, matchSummary, shortBytes, shortCount, targetText } from './nat-format';
import { OwnerBadge } from './OwnerBadge';
import { BerthObjectLink } from '../../components/BerthObjectLink';
import { berthTag, describeObject, type BerthObject } from '../../lib/berth-names';
import type { OpenView } from '../../lib/navigation';

export const ROW_HEIGHT = 30;
// Rows beyond each edge of the view: enough for the row an arrow key moves to
// to be there already (it takes the focus at once: useVirtualRows). Rows are
// keyed by place, so every row in the DOM gets a new rule on a scroll step of
// a screenful, text set, laid out and painted again: not more.
const OVERSCAN = 2;
// The rules the helper matched, virtualized: only the rows in view (plus a
// few) are in the DOM, and only their pages are asked of the helper (the
// table reports the range it shows through onRange). A row whose page has
// not arrived yet shows as a placeholder of the same height. Keyboard and
// scrolling come from useVirtualRows, as in every table of the app. Every
// row is ROW_HEIGHT high (never measured) and memoised on its own rule and
// state.
// Not a <table>: rows are boxes placed absolutely in a window box, moved by
// a transform in a body of the whole height, each of fixed size and
// contained; the header is a grid of the
// column widths and a row's cells sit at the same offsets, placed absolutely
// (styles.css, .nat-grid); a scroll step lays out only the rows whose text
// changed, where a table lays out all of its rows and padding rows again
// (docs/architecture.md, large readings). The ARIA roles keep it a table for
// assistive technology.
export function NatTable({
  count,
  total,
  rowAt,
  counters,
  selected,
  selectedIndex,
  hit,
  path,
  onSelect,
  onRange,
  scrollTo,
  names,
  onOpen,
}: {
  count: number;
  total: number;
  rowAt: (i: number) => FirewallRule | undefined;
  counters: Map<string, { packets: number; bytes: number }>;
  selected: string | null;
  selectedIndex: number; // -1 when not among the loaded rows
  hit: string | null;
  path: Set<string>;
  onSelect: (r: FirewallRule) => void;
  onRange: (first: number, last: number) => void;
  scrollTo: ScrollRequest | null;
  names: Map<string, BerthObject>;
  onOpen?: OpenView;
}) {
  const activate = (i: number) => {
    const r = rowAt(i);
    if (r) onSelect(r);
  };
  const v = useVirtualRows({
    count,
    getKey: (i) => rowAt(i)?.id,
    estimate: ROW_HEIGHT,
    selectedIndex,
    onActivate: activate,
    onMove: activate,
    scrollTo,
    fixed: true,
    overscan: OVERSCAN,
  });
  const first = v.items[0]?.index ?? 0;
  const last = v.items[v.items.length - 1]?.index ?? 0;
  useEffect(() => onRange(first, last), [first, last, onRange]);
  // Rows are keyed by their place in the window, not by rule: the row
  // elements stay in place in the DOM (in the rows' order) and a scroll step
  // sets the text and attributes of the rules they now show. Keyed by rule
  // (or by a slot a row keeps while in view), the rows a step brings were
  // elements built anew or moved in the DOM, each restyled, laid out and
  // painted whole (docs/architecture.md, large readings). So the focused
  // rule's row is another element after a step: the focus follows its rule
  // to it, or is let go when the rule left the window, as an unmounted row
  // did (the tab stop stays the current row: useVirtualRows), so it never
  // sits on another rule.
  const body = useRef<HTMLDivElement>(null);
  const focused = useRef(-1);
  // The place in the window under the pointer: its row (whatever rule a
  // scroll step brings to it) and the current row carry their tooltips
  // (title attributes); the others carry none, five attribute writes less per
  // row a scroll step brings (docs/architecture.md, large readings).
  const [hovered, setHovered] = useState(-1);
  const onPointerOver = (e: PointerEvent) => {
    const row = (e.target as Element).closest<HTMLElement>('[role="row"]');
    setHovered(row?.parentElement === body.current ? Number(row.dataset.index) - first : -1);
  };
  useLayoutEffect(() => {
    const a = document.activeElement as HTMLElement | null;
    const want = focused.current;
    if (want < 0 || !a || !body.current || a.parentElement !== body.current || Number(a.dataset.index) === want) return;
    const now = body.current.querySelector<HTMLElement>(`:scope > [data-index="${want}"]`);
    if (now) now.focus({ preventScroll: true });
    else a.blur();
  });

  return (
    <div className="vtable-scroll vtable-contained" ref={v.scrollRef} data-testid="nat-scroll">
      <div role="table" className="vgrid nat-grid" aria-label="Firewall rules" aria-rowcount={count + 1}>
        <div role="rowgroup" className="vgrid-head">
          <div role="row" className="vgrid-row" aria-rowindex={1}>
            <div role="columnheader">Table / chain / #</div>
            <div role="columnheader">Target</div>
            <div role="columnheader">Owner</div>
            <div role="columnheader" title="A NAT rule's mapping (host side → container side), else what the rule matches">Mapping / match</div>
            <div role="columnheader" className="num">Packets</div>
          </div>
        </div>
        <div
          role="rowgroup"
          className="vgrid-body"
          style={{ height: v.totalSize }}
          onFocus={(e) => { focused.current = e.target.parentElement === body.current ? Number((e.target as HTMLElement).dataset.index) : -1; }}
          onBlur={() => { focused.current = -1; }}
        >
          {/* the window of rows, placed where its first row is: a scroll step moves this one box,
              not every row (a row's place in it is fixed by its place in the window) */}
          <div className="vgrid-window" ref={body} style={{ transform: `translateY(${v.items[0]?.start ?? 0}px)` }} onPointerOver={onPointerOver} onPointerLeave={() => setHovered(-1)}>
          {v.items.map((it, k) => {
            const r = rowAt(it.index);
            if (!r) return <NatRow key={k} index={it.index} start={k * ROW_HEIGHT} rule={undefined} tabStop={it.index === v.tabStop} selected={false} hit={false} onPath={false} packets={0} bytes={0} object={undefined} events={v.rowEvents} />;
            const c = counters.get(r.id);
            const tag = r.owner === 'berth' ? berthTag(r.comment) : null;
            return (
              <NatRow
                key={k}
                index={it.index}
                start={k * ROW_HEIGHT}
                rule={r}
                tabStop={it.index === v.tabStop}
                titled={k === hovered || it.index === v.tabStop}
                selected={r.id === selected}
                hit={r.id === hit}
                onPath={path.has(r.id)}
                packets={c?.packets ?? r.packets}
                bytes={c?.bytes ?? r.bytes}
                object={tag ? names.get(tag) : undefined}
                events={v.rowEvents}
                onOpen={onOpen}
              />
            );
          })}
          </div>
        </div>
      </div>
      {count === 0 && (
        <p className="vtable-empty muted">{total ? 'No rule matches these filters.' : 'No rules.'}</p>
      )}
    </div>
  );
}

interface RowEvents {
  ref: (i: number, el: HTMLElement | null) => void;
  onKeyDown: (e: KeyboardEvent, i: number) => void;
  onClick: (e: MouseEvent, i: number) => void;
}

// A row's place in the window, tab stop and handlers (the handlers never change: useVirtualRows).
function useRowProps(index: number, start: number, tabStop: boolean, events: RowEvents) {
  return {
    ref: useCallback((el: HTMLDivElement | null) => events.ref(index, el), [events, index]),
    onKeyDown: useCallback((e: KeyboardEvent) => events.onKeyDown(e, index), [events, index]),
    onClick: useCallback((e: MouseEvent) => events.onClick(e, index), [events, index]),
    'data-index': index,
    'aria-rowindex': index + 2,
    tabIndex: tabStop ? 0 : -1,
    role: 'row',
    style: { height: ROW_HEIGHT, top: start },
  };
}

// A row is few elements, the same for every rule: a cell is one text node
// where it can be (the chain in <b> and the owner's badge are the only
// elements inside cells; a Berth object's link and the IPv6 mark come and go
// with the rule). Rows are keyed by their place in the window (NatTable), so
// a scroll step only sets text and attributes of elements that stay: the
// fewer there are, the less it restyles, lays out and paints. A row whose
// page has not arrived yet is the same elements, empty but for "…".
const NatRow = memo(function NatRow({
  index,
  start,
  rule: r,
  tabStop,
  titled = false,
  selected,
  hit,
  onPath,
  packets,
  bytes,
  object,
  events,
  onOpen,
}: {
  index: number;
  start: number;
  rule: FirewallRule | undefined;
  tabStop: boolean;
  titled?: boolean; // the row under the pointer or the current one: with tooltips
  selected: boolean;
  hit: boolean;
  onPath: boolean;
  packets: number;
  bytes: number;
  object: BerthObject | undefined;
  events: RowEvents;
  onOpen?: OpenView;
}) {
  const props = useRowProps(index, start, tabStop, events);
  if (!r) {
    return (
      <div {...props} className="vgrid-row row-loading" aria-busy="true">
        <div role="cell" className="mono nat-where">…<b /></div>
        <div role="cell" className="mono ellipsis" />
        <div role="cell" className="nat-owner" />
        <div role="cell" className="mono ellipsis" />
        <div role="cell" className="num mono" />
      </div>
    );
  }
  const cls = ['vgrid-row', selected && 'selected', hit && 'hit', onPath && 'on-path'].filter(Boolean).join(' ');
  const match = matchSummary(r);
  const target = targetText(r);
  const mapping = mappingText(r);
  const note = object ? null : r.ownerObject ? r.ownerObject.name : r.comment === 'berth:jump' ? 'jump into Berth' : r.comment || null;
  return (
    <div {...props} className={cls} aria-selected={selected} data-rule-id={r.id}>
      <div role="cell" className="mono nat-where" title={titled ? `${r.family} ${r.table} ${r.chain} rule ${r.position}${r.source === 'nftables' ? ' (nftables)' : ''}` : undefined}>
        {`${r.table} / `}<b>{r.chain}</b>{` #${r.position}`}{r.family === 'ipv6' && <span className="nat-fam">v6</span>}
      </div>
      <div role="cell" className={`mono ellipsis target target-${r.target.toLowerCase()}`} title={titled ? target : undefined}>{r.targetArgs.goto ? `goto ${r.target}` : r.target || '—'}</div>
      <div role="cell" className={`nat-owner${r.ownerObject || object ? '' : ' nat-owner-note'}`} title={!titled ? undefined : r.comment ? `${r.comment}${object ? ` — ${describeObject(object)}` : ''}` : r.ownerObject ? foreignObjectText(r) : undefined}>
        <OwnerBadge owner={r.owner} evidence={r.ownerEvidence} titled={titled} />
        {object ? <BerthObjectLink object={object} onOpen={onOpen} /> : note}
      </div>
      {/* one column, so neither is squeezed to a few characters at 1024 px; the tooltip has both */}
      <div role="cell" className={`mono ellipsis${mapping ? '' : match ? ' muted-strong' : ' muted'}`} title={titled ? [mapping, match].filter(Boolean).join('\n') || 'any packet' : undefined}>
        {mapping || match || 'any'}
      </div>
      <div role="cell" className="num mono" title={titled ? `${grouped(packets)} packets, ${grouped(bytes)} bytes (${shortBytes(bytes)})` : undefined}>{shortCount(packets)}</div>
    </div>
  );
});
