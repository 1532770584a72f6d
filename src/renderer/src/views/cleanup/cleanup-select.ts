import type { Finding } from '../../../../shared/inspect';

// Which findings an apply takes: Berth's own unless unticked, a foreign one
// only when its "include" box is ticked. Choices are kept by id, so a
// re-check keeps what the user decided for findings that are still there.
export interface Choices {
  excluded: ReadonlySet<string>; // Berth-owned, unticked
  included: ReadonlySet<string>; // foreign, ticked
}

export const isForeign = (f: Pick<Finding, 'risk' | 'owner'>) => f.risk === 'foreign' || f.owner !== 'berth';

export const isChosen = (f: Finding, c: Choices) => (isForeign(f) ? c.included.has(f.id) : !c.excluded.has(f.id));

export function chosen(findings: Finding[], c: Choices): Finding[] {
  return findings.filter((f) => isChosen(f, c));
}

export function applyParams(findings: Finding[], c: Choices): { ids: string[]; includeForeign: boolean } {
  const list = chosen(findings, c);
  return { ids: list.map((f) => f.id), includeForeign: list.some(isForeign) };
}

export function toggle(c: Choices, f: Finding, on: boolean): Choices {
  const key = isForeign(f) ? 'included' : 'excluded';
  const next = new Set(c[key]);
  const add = isForeign(f) ? on : !on;
  if (add) next.add(f.id);
  else next.delete(f.id);
  return { ...c, [key]: next };
}

// Select or clear a whole group at once: Berth's own by leaving them out of
// `excluded`, foreign ones by putting them in `included`.
export function toggleAll(c: Choices, list: Finding[], on: boolean): Choices {
  const excluded = new Set(c.excluded);
  const included = new Set(c.included);
  for (const f of list) {
    if (isForeign(f)) {
      if (on) included.add(f.id);
      else included.delete(f.id);
    } else if (on) excluded.delete(f.id);
    else excluded.add(f.id);
  }
  return { excluded, included };
}

export const KIND_TITLES: Record<Finding['kind'], string> = {
  'orphan-berth-rule': 'Berth rules with nothing behind them',
  'orphan-berth-link': 'Berth links left behind',
  'orphan-berth-netns': 'Berth namespaces left behind',
  'missing-kernel-object': 'Store entries whose kernel object is gone',
  'dangling-nat-rule': 'NAT rules to addresses no container holds',
  'dangling-filter-rule': 'Filter rules for interfaces that no longer exist',
  'dangling-masquerade': 'Masquerade rules for subnets no bridge serves',
  'duplicate-rule': 'Duplicate rules',
  'shadowed-dnat': 'DNAT rules no packet can reach',
  'veth-no-peer': 'veth interfaces without a peer',
  'veth-no-master': 'veth interfaces on no bridge',
  'empty-bridge': 'Bridges with nothing attached',
  'netns-no-process': 'Network namespaces no process uses',
  'orphan-port-binding': 'Port bindings with no container',
  'stale-conntrack': 'Stale conntrack entries',
};

export function groupByKind(findings: Finding[]): [Finding['kind'], Finding[]][] {
  const m = new Map<Finding['kind'], Finding[]>();
  for (const f of findings) {
    const list = m.get(f.kind);
    if (list) list.push(f);
    else m.set(f.kind, [f]);
  }
  return [...m.entries()];
}
