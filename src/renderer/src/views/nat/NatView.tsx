import { useDeferredValue, useMemo, useState } from 'react';
import { useBerthQuery } from '../../api/hooks';
import type { FirewallRule } from '../../../../shared/inspect';
import { EmptyState } from '../../components/EmptyState';
import { ErrorMessage } from '../../components/ErrorMessage';
import { Icon } from '../../components/Icon';
import { PageHeader } from '../../components/PageHeader';
import { Spinner } from '../../components/Spinner';
import { filterRules, rawText, type NatFilters } from './nat-format';
import { NatTable } from './NatTable';
import { PacketTracer, type TraceOutcome } from './PacketTracer';
import { RuleDetails } from './RuleDetails';

const NO_FILTERS: NatFilters = { search: '', table: '', owner: '', family: '' };
const uniq = (xs: string[]) => [...new Set(xs)].sort();

export function NatView() {
  const list = useBerthQuery('nat.list', {});
  const [filters, setFilters] = useState<NatFilters>(NO_FILTERS);
  const [raw, setRaw] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const [trace, setTrace] = useState<TraceOutcome | null>(null);
  const [scrollTo, setScrollTo] = useState<{ id: string; n: number } | null>(null);
  const rules = useMemo(() => list.data ?? [], [list.data]);
  const deferred = useDeferredValue(filters);
  const shown = useMemo(() => filterRules(rules, deferred), [rules, deferred]);
  const tables = useMemo(() => uniq(rules.map((r) => r.table)), [rules]);
  const owners = useMemo(() => uniq(rules.map((r) => r.owner)), [rules]);
  const current = selected ? rules.find((r) => r.id === selected) ?? null : null;
  const path = useMemo(() => new Set(trace?.result.path.map((r) => r.id) ?? []), [trace]);
  const set = (k: keyof NatFilters) => (v: string) => setFilters((f) => ({ ...f, [k]: v }));
  const filtered = filters.search || filters.table || filters.owner || filters.family;

  // bring a rule into view: drop the filters if they hide it
  const show = (r: FirewallRule) => {
    if (!filterRules([r], filters).length) setFilters(NO_FILTERS);
    setRaw(false);
    setSelected(r.id);
    setScrollTo((s) => ({ id: r.id, n: (s?.n ?? 0) + 1 }));
  };
  const onTrace = (o: TraceOutcome | null) => {
    setTrace(o);
    if (o?.result.hit) show(o.result.hit);
  };

  return (
    <section className="view" aria-labelledby="view-title">
      <PageHeader
        title="NAT rules"
        subtitle={list.data ? `${rules.length.toLocaleString()} rule${rules.length === 1 ? '' : 's'} in every table, from every owner — decoded, with counters` : 'Every rule of every table and owner, decoded, with counters'}
        actions={
          <>
            <button type="button" className="button" aria-pressed={raw} onClick={() => setRaw((x) => !x)}>
              <Icon name="logs" /> {raw ? 'Table view' : 'Raw view'}
            </button>
            <button type="button" className="button" onClick={() => void list.refetch()} disabled={list.isFetching}>
              <Icon name="refresh" /> {list.isFetching && list.data ? 'Reading…' : 'Refresh'}
            </button>
          </>
        }
      />
      <div className={current && !raw ? 'split' : 'split split-single'}>
        <div className="pane pane-fill">
          <PacketTracer rules={rules} outcome={trace} onTrace={onTrace} onShow={show} />
          <div className="toolbar" role="search" aria-label="Filter rules">
            <input
              type="search"
              className="toolbar-search"
              aria-label="Search rules"
              placeholder="Search rules: address, port, chain, comment…"
              value={filters.search}
              onChange={(e) => set('search')(e.target.value)}
              spellCheck={false}
            />
            <Select label="Table" value={filters.table} onChange={set('table')} options={tables} all="All tables" />
            <Select label="Owner" value={filters.owner} onChange={set('owner')} options={owners} all="All owners" />
            <Select label="Family" value={filters.family} onChange={set('family')} options={['ipv4', 'ipv6']} all="IPv4 and IPv6" />
            {filtered && <button type="button" className="button button-ghost" onClick={() => setFilters(NO_FILTERS)}>Clear filters</button>}
            <span className="toolbar-count muted" role="status" aria-live="polite">
              {list.data ? (filtered ? `${shown.length.toLocaleString()} of ${rules.length.toLocaleString()} rules` : `${rules.length.toLocaleString()} rules`) : ''}
            </span>
          </div>
          {list.isPending && list.fetchStatus !== 'idle' ? (
            <div className="pane-center"><Spinner label="Reading iptables and nftables…" /></div>
          ) : list.error ? (
            <ErrorMessage error={list.error} title="Could not read the firewall rules" />
          ) : rules.length === 0 ? (
            <EmptyState icon="nat" title="No firewall rules">This host has no iptables or nftables rules the helper can read.</EmptyState>
          ) : raw ? (
            <pre className="json raw-rules" tabIndex={0} aria-label="Raw rules (iptables-save)">{rawText(shown)}</pre>
          ) : (
            <NatTable rules={shown} total={rules.length} selected={selected} hit={trace?.result.hit?.id ?? null} path={path} onSelect={setSelected} scrollTo={scrollTo} />
          )}
        </div>
        {current && !raw && <RuleDetails rule={current} onClose={() => setSelected(null)} />}
      </div>
    </section>
  );
}

function Select({ label, value, onChange, options, all }: { label: string; value: string; onChange: (v: string) => void; options: string[]; all: string }) {
  return (
    <label className="toolbar-select">
      <span className="sr-only">{label}</span>
      <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{all}</option>
        {options.map((o) => <option key={o} value={o}>{o}</option>)}
      </select>
    </label>
  );
}
