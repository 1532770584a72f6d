import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import type { FirewallRule } from '../../../../shared/inspect';
import { mappingText, matchSummary, shortBytes, shortCount, targetText } from './nat-format';
import { OwnerBadge } from './OwnerBadge';

export const ROW_HEIGHT = 30;

// Every rule, virtualized: only the rows in view (plus a few) are in the DOM,
// so ten thousand rules scroll like ten. Rows have one height and one line.
// Keyboard: the current row is the one tab stop; arrows, Page Up/Down, Home
// and End move; Enter or a click shows the rule's details.
export function NatTable({
  rules,
  total,
  selected,
  hit,
  path,
  onSelect,
  scrollTo,
}: {
  rules: FirewallRule[];
  total: number;
  selected: string | null;
  hit: string | null;
  path: Set<string>;
  onSelect: (id: string) => void;
  scrollTo: { id: string; n: number } | null;
}) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const rowRefs = useRef(new Map<number, HTMLTableRowElement>());
  const virt = useVirtualizer({
    count: rules.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 14,
    initialRect: { width: 1200, height: 640 },
    scrollPaddingStart: ROW_HEIGHT + 2, // the sticky header
    getItemKey: (i) => rules[i]?.id ?? i,
  });
  const activeIndex = Math.max(0, rules.findIndex((r) => r.id === selected));

  useEffect(() => {
    if (!scrollTo) return;
    const i = rules.findIndex((r) => r.id === scrollTo.id);
    // after the details panel opened and the table took its new width
    const raf = requestAnimationFrame(() => i >= 0 && virt.scrollToIndex(i, { align: 'center' }));
    return () => cancelAnimationFrame(raf);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [scrollTo]);

  const moveTo = (i: number) => {
    const to = Math.min(Math.max(i, 0), rules.length - 1);
    if (to < 0) return;
    onSelect(rules[to].id);
    virt.scrollToIndex(to, { align: 'auto' });
    requestAnimationFrame(() => requestAnimationFrame(() => rowRefs.current.get(to)?.focus()));
  };
  const onKeyDown = (e: React.KeyboardEvent, i: number) => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? 600) / ROW_HEIGHT) - 2);
    const keys: Record<string, number> = { ArrowDown: i + 1, ArrowUp: i - 1, PageDown: i + page, PageUp: i - page, Home: 0, End: rules.length - 1 };
    if (e.key in keys) {
      e.preventDefault();
      moveTo(keys[e.key]);
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(rules[i].id);
    }
  };

  const items = virt.getVirtualItems();
  const padTop = items.length ? items[0].start : 0;
  const padBottom = items.length ? virt.getTotalSize() - items[items.length - 1].end : 0;

  return (
    <div className="vtable-scroll" ref={scrollRef} data-testid="nat-scroll">
      <table className="table vtable nat-table" aria-label="NAT rules" aria-rowcount={rules.length + 1}>
        <colgroup>
          <col style={{ width: 180 }} />
          <col style={{ width: 104 }} />
          <col style={{ width: 240 }} />
          <col />
          <col style={{ width: 116 }} />
          <col style={{ width: 66 }} />
          <col style={{ width: 80 }} />
          <col style={{ width: 150 }} />
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col">Table / chain / #</th>
            <th scope="col">Owner</th>
            <th scope="col">Mapping</th>
            <th scope="col">Match</th>
            <th scope="col">Target</th>
            <th scope="col" className="num">Packets</th>
            <th scope="col" className="num">Bytes</th>
            <th scope="col">Comment</th>
          </tr>
        </thead>
        <tbody>
          {padTop > 0 && <tr className="vpad" aria-hidden="true"><td colSpan={8} style={{ height: padTop }} /></tr>}
          {items.map((it) => {
            const r = rules[it.index];
            const cls = [r.id === selected && 'selected', r.id === hit && 'hit', path.has(r.id) && 'on-path'].filter(Boolean).join(' ');
            const match = matchSummary(r);
            const target = targetText(r);
            return (
              <tr
                key={it.key}
                ref={(el) => {
                  if (el) rowRefs.current.set(it.index, el);
                  else rowRefs.current.delete(it.index);
                }}
                className={cls || undefined}
                aria-rowindex={it.index + 2}
                aria-selected={r.id === selected}
                data-rule-id={r.id}
                tabIndex={it.index === activeIndex ? 0 : -1}
                onClick={() => onSelect(r.id)}
                onKeyDown={(e) => onKeyDown(e, it.index)}
                style={{ height: ROW_HEIGHT }}
              >
                <td className="mono nat-where" title={`${r.family} ${r.table} ${r.chain} rule ${r.position}${r.source === 'nftables' ? ' (nftables)' : ''}`}>
                  <span className="nat-table-name">{r.table}</span>
                  <span className="nat-sep">/</span>
                  <span className="nat-chain">{r.chain}</span>
                  <span className="nat-pos">#{r.position}</span>
                  {r.family === 'ipv6' && <span className="nat-fam">v6</span>}
                </td>
                <td><OwnerBadge owner={r.owner} evidence={r.ownerEvidence} /></td>
                <td className="mono ellipsis" title={mappingText(r) || undefined}>{r.mapping ? mappingText(r) : <span className="muted">—</span>}</td>
                <td className="mono ellipsis muted-strong" title={match}>{match || <span className="muted">any</span>}</td>
                <td className="mono ellipsis" title={target}><span className={`target target-${r.target.toLowerCase()}`}>{r.targetArgs.goto ? `goto ${r.target}` : r.target || '—'}</span></td>
                <td className="num mono" title={`${r.packets.toLocaleString()} packets`}>{shortCount(r.packets)}</td>
                <td className="num mono" title={`${r.bytes.toLocaleString()} bytes`}>{shortBytes(r.bytes)}</td>
                <td className="ellipsis small" title={r.comment ?? undefined}>{r.comment ?? ''}</td>
              </tr>
            );
          })}
          {padBottom > 0 && <tr className="vpad" aria-hidden="true"><td colSpan={8} style={{ height: padBottom }} /></tr>}
        </tbody>
      </table>
      {rules.length === 0 && (
        <p className="vtable-empty muted">{total ? 'No rule matches these filters.' : 'No rules.'}</p>
      )}
    </div>
  );
}
