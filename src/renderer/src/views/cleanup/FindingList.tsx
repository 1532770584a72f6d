import { measureElement, observeElementRect, useVirtualizer } from '@tanstack/react-virtual';
import { memo, useMemo, useRef } from 'react';
import type { Finding } from '../../../../shared/inspect';
import { isChosen, KIND_TITLES, type Choices } from './cleanup-select';
import { FindingCard } from './FindingCard';
import type { OpenView } from '../../lib/navigation';

type Item = { type: 'group'; kind: Finding['kind']; list: Finding[] } | { type: 'finding'; finding: Finding };

const FALLBACK_RECT = { width: 1000, height: 600 };
const CARD_ESTIMATE = 120;
const HEAD_ESTIMATE = 44;

// Every finding, grouped by kind, virtualized: a host with thousands of
// stale rules shows at once and scrolls, only the cards in view are in the
// DOM (measured as they render: cards differ in height). Each group's
// header selects or clears the whole group and says how much of it is chosen.
// Cards and headers are memoised (onToggle and onToggleGroup must be stable):
// a scroll step renders only what it brings into view.
export function FindingList({
  groups,
  choices,
  onToggle,
  onToggleGroup,
  onOpen,
}: {
  groups: [Finding['kind'], Finding[]][];
  choices: Choices;
  onToggle: (f: Finding, on: boolean) => void;
  onToggleGroup: (list: Finding[], on: boolean) => void;
  onOpen?: OpenView; // a finding's live object opens in its view
}) {
  const items = useMemo<Item[]>(
    () => groups.flatMap(([kind, list]) => [{ type: 'group', kind, list } as Item, ...list.map((finding) => ({ type: 'finding', finding }) as Item)]),
    [groups],
  );
  const scrollRef = useRef<HTMLDivElement>(null);
  const virt = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => (items[i].type === 'group' ? HEAD_ESTIMATE : CARD_ESTIMATE),
    overscan: 6,
    initialRect: FALLBACK_RECT,
    observeElementRect: (inst, cb) => observeElementRect(inst, (r) => cb(r.height > 0 ? r : FALLBACK_RECT)),
    measureElement: (el, entry, inst) => measureElement(el, entry, inst) || CARD_ESTIMATE,
    getItemKey: (i) => (items[i].type === 'group' ? `group:${(items[i] as { kind: string }).kind}` : (items[i] as { finding: Finding }).finding.id),
  });
  const shown = virt.getVirtualItems();
  const padTop = shown.length ? shown[0].start : 0;
  const padBottom = shown.length ? Math.max(0, virt.getTotalSize() - shown[shown.length - 1].end) : 0;

  return (
    <div className="findings-scroll" data-testid="cleanup-scroll" ref={scrollRef}>
      <ul className="findings" aria-label="Findings" style={{ paddingTop: padTop, paddingBottom: padBottom }}>
        {shown.map((v) => {
          const it = items[v.index];
          if (it.type === 'group') return <GroupHead key={v.key} index={v.index} measure={virt.measureElement} kind={it.kind} list={it.list} choices={choices} onToggleGroup={onToggleGroup} />;
          const f = it.finding;
          return (
            <FindingCard
              key={v.key}
              index={v.index}
              measure={virt.measureElement}
              finding={f}
              chosen={isChosen(f, choices)}
              onToggle={onToggle}
              onOpen={onOpen}
            />
          );
        })}
      </ul>
    </div>
  );
}

const GroupHead = memo(function GroupHead({
  index,
  measure,
  kind,
  list,
  choices,
  onToggleGroup,
}: {
  index: number;
  measure: (el: Element | null) => void;
  kind: Finding['kind'];
  list: Finding[];
  choices: Choices;
  onToggleGroup: (list: Finding[], on: boolean) => void;
}) {
  const picked = useMemo(() => list.filter((f) => isChosen(f, choices)).length, [list, choices]);
  const all = picked === list.length;
  const id = `kind-${kind}`;
  return (
    <li data-index={index} ref={measure} className="finding-group-head" aria-labelledby={id}>
      <label className="finding-group-all">
        <input
          type="checkbox"
          checked={all}
          ref={(el) => { if (el) el.indeterminate = picked > 0 && !all; }}
          onChange={(e) => onToggleGroup(list, e.target.checked)}
          aria-label={`Select all ${list.length}: ${KIND_TITLES[kind] ?? kind}`}
        />
      </label>
      <h2 id={id} className="section-title">
        {KIND_TITLES[kind] ?? kind} <span className="count">{list.length}</span>
      </h2>
      <span className="finding-group-picked muted small">{picked} of {list.length} selected</span>
    </li>
  );
});
