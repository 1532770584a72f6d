import { measureElement, observeElementRect, useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef } from 'react';
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
          if (it.type === 'group') {
            const picked = it.list.filter((f) => isChosen(f, choices)).length;
            const all = picked === it.list.length;
            const id = `kind-${it.kind}`;
            return (
              <li key={v.key} data-index={v.index} ref={virt.measureElement} className="finding-group-head" aria-labelledby={id}>
                <label className="finding-group-all">
                  <input
                    type="checkbox"
                    checked={all}
                    ref={(el) => { if (el) el.indeterminate = picked > 0 && !all; }}
                    onChange={(e) => onToggleGroup(it.list, e.target.checked)}
                    aria-label={`Select all ${it.list.length}: ${KIND_TITLES[it.kind] ?? it.kind}`}
                  />
                </label>
                <h2 id={id} className="section-title">
                  {KIND_TITLES[it.kind] ?? it.kind} <span className="count">{it.list.length}</span>
                </h2>
                <span className="finding-group-picked muted small">{picked} of {it.list.length} selected</span>
              </li>
            );
          }
          const f = it.finding;
          return (
            <FindingCard
              key={v.key}
              index={v.index}
              measure={virt.measureElement}
              finding={f}
              chosen={isChosen(f, choices)}
              onChange={(on) => onToggle(f, on)}
              onOpen={onOpen}
            />
          );
        })}
      </ul>
    </div>
  );
}
