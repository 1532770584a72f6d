import { memo, useCallback, useEffect, type KeyboardEvent, type MouseEvent } from 'react';
import type { FirewallRule } from '../../../../shared/inspect';
import { useVirtualRows, type ScrollRequest } from '../../lib/useVirtualRows';
import { foreignObjectText, mappingText, matchSummary, shortBytes, shortCount, targetText } from './nat-format';
import { OwnerBadge } from './OwnerBadge';
import { BerthObjectLink } from '../../components/BerthObjectLink';
import { berthTag, describeObject, type BerthObject } from '../../lib/berth-names';
import type { OpenView } from '../../lib/navigation';

export const ROW_HEIGHT = 30;

// The rules the helper matched, virtualized: only the rows in view (plus a
// few) are in the DOM, and only their pages are asked of the helper (the
// table reports the range it shows through onRange). A row whose page has
// not arrived yet shows as a placeholder of the same height. Keyboard and
// scrolling come from useVirtualRows, as in every table of the app. Every
// row is ROW_HEIGHT high (never measured) and memoised on its own rule and
// state, so a scroll step renders only the rows it brings into view.
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
  });
  const first = v.items[0]?.index ?? 0;
  const last = v.items[v.items.length - 1]?.index ?? 0;
  useEffect(() => onRange(first, last), [first, last, onRange]);

  return (
    <div className="vtable-scroll vtable-contained" ref={v.scrollRef} data-testid="nat-scroll">
      <table className="table vtable nat-table" aria-label="Firewall rules" aria-rowcount={count + 1}>
        <colgroup>
          <col style={{ width: 260 }} />
          <col style={{ width: 170 }} />
          <col style={{ width: 210 }} />
          <col />
          <col style={{ width: 74 }} />
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col">Table / chain / #</th>
            <th scope="col">Target</th>
            <th scope="col">Owner</th>
            <th scope="col" title="A NAT rule's mapping (host side → container side), else what the rule matches">Mapping / match</th>
            <th scope="col" className="num">Packets</th>
          </tr>
        </thead>
        <tbody>
          {v.padTop > 0 && <tr className="vpad" aria-hidden="true"><td colSpan={5} style={{ height: v.padTop }} /></tr>}
          {v.items.map((it) => {
            const r = rowAt(it.index);
            if (!r) return <LoadingRow key={it.key} index={it.index} tabStop={it.index === v.tabStop} events={v.rowEvents} />;
            const c = counters.get(r.id);
            const tag = r.owner === 'berth' ? berthTag(r.comment) : null;
            return (
              <NatRow
                key={it.key}
                index={it.index}
                rule={r}
                tabStop={it.index === v.tabStop}
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
          {v.padBottom > 0 && <tr className="vpad" aria-hidden="true"><td colSpan={5} style={{ height: v.padBottom }} /></tr>}
        </tbody>
      </table>
      {count === 0 && (
        <p className="vtable-empty muted">{total ? 'No rule matches these filters.' : 'No rules.'}</p>
      )}
    </div>
  );
}

interface RowEvents {
  ref: (i: number, el: HTMLTableRowElement | null) => void;
  onKeyDown: (e: KeyboardEvent, i: number) => void;
  onClick: (e: MouseEvent, i: number) => void;
}

// A row's place, tab stop and handlers (the handlers never change: useVirtualRows).
function useRowProps(index: number, tabStop: boolean, events: RowEvents) {
  return {
    ref: useCallback((el: HTMLTableRowElement | null) => events.ref(index, el), [events, index]),
    onKeyDown: useCallback((e: KeyboardEvent) => events.onKeyDown(e, index), [events, index]),
    onClick: useCallback((e: MouseEvent) => events.onClick(e, index), [events, index]),
    'data-index': index,
    'aria-rowindex': index + 2,
    tabIndex: tabStop ? 0 : -1,
    style: { height: ROW_HEIGHT },
  };
}

const LoadingRow = memo(function LoadingRow({ index, tabStop, events }: { index: number; tabStop: boolean; events: RowEvents }) {
  return (
    <tr {...useRowProps(index, tabStop, events)} className="row-loading" aria-busy="true">
      <td colSpan={5} className="muted">…</td>
    </tr>
  );
});

const NatRow = memo(function NatRow({
  index,
  rule: r,
  tabStop,
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
  rule: FirewallRule;
  tabStop: boolean;
  selected: boolean;
  hit: boolean;
  onPath: boolean;
  packets: number;
  bytes: number;
  object: BerthObject | undefined;
  events: RowEvents;
  onOpen?: OpenView;
}) {
  const props = useRowProps(index, tabStop, events);
  const cls = [selected && 'selected', hit && 'hit', onPath && 'on-path'].filter(Boolean).join(' ');
  const match = matchSummary(r);
  const target = targetText(r);
  return (
    <tr {...props} className={cls || undefined} aria-selected={selected} data-rule-id={r.id}>
      <td className="mono nat-where" title={`${r.family} ${r.table} ${r.chain} rule ${r.position}${r.source === 'nftables' ? ' (nftables)' : ''}`}>
        <span className="nat-table-name">{r.table}</span>
        <span className="nat-sep">/</span>
        <span className="nat-chain">{r.chain}</span>
        <span className="nat-pos">#{r.position}</span>
        {r.family === 'ipv6' && <span className="nat-fam">v6</span>}
      </td>
      <td className="mono ellipsis" title={target}><span className={`target target-${r.target.toLowerCase()}`}>{r.targetArgs.goto ? `goto ${r.target}` : r.target || '—'}</span></td>
      <td className="nat-owner" title={r.comment ? `${r.comment}${object ? ` — ${describeObject(object)}` : ''}` : r.ownerObject ? foreignObjectText(r) : undefined}>
        <div className="nat-owner-cell">
          <OwnerBadge owner={r.owner} evidence={r.ownerEvidence} />
          {object ? <BerthObjectLink object={object} onOpen={onOpen} />
            : r.ownerObject ? <span className="owner-name foreign-object">{r.ownerObject.name}</span>
            : r.comment === 'berth:jump' ? <span className="owner-name small muted">jump into Berth</span>
            : r.comment ? <span className="owner-name small muted">{r.comment}</span> : null}
        </div>
      </td>
      {/* one column, so neither is squeezed to a few characters at 1024 px; the tooltip has both */}
      <td className={`mono ellipsis${r.mapping ? '' : ' muted-strong'}`} title={[mappingText(r), match].filter(Boolean).join('\n') || 'any packet'}>
        {r.mapping ? mappingText(r) : match || <span className="muted">any</span>}
      </td>
      <td className="num mono" title={`${packets.toLocaleString()} packets, ${bytes.toLocaleString()} bytes (${shortBytes(bytes)})`}>{shortCount(packets)}</td>
    </tr>
  );
});
