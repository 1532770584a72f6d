import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useBerth } from '../../api/context';
import { queryKey, useBerthQuery } from '../../api/hooks';
import type { FirewallRule } from '../../../../shared/inspect';
import { EmptyState } from '../../components/EmptyState';
import { ErrorMessage } from '../../components/ErrorMessage';
import { RefreshError } from '../../components/RefreshError';
import { Icon } from '../../components/Icon';
import { PageHeader } from '../../components/PageHeader';
import { Spinner } from '../../components/Spinner';
import { useDebounced } from '../../lib/useDebounced';
import { useSlashFocus } from '../../lib/useSlashFocus';
import type { ScrollRequest } from '../../lib/useVirtualRows';
import { grouped, rawText, type NatFilters } from './nat-format';
import { NatPages, PAGE, type NatWhere } from './NatPages';
import { PacketTracer, tracedRule, type TraceOutcome } from './PacketTracer';
import { RuleDetails } from './RuleDetails';
import { useBerthNames } from '../../lib/useBerthNames';
import type { OpenView } from '../../lib/navigation';

const NO_FILTERS: NatFilters = { search: '', table: '', owner: '', family: '' };
// The first page's params on opening the view (no filter, no reading yet): what a prefetch asks
export const NAT_FIRST_PAGE = { search: '', offset: 0, limit: PAGE } as const;
const COUNTERS_EVERY_MS = 5000;
// The helper searches in about a millisecond: the first key after a rest asks
// at once, a burst of keys asks once it rests this long.
const SEARCH_REST_MS = 30;

// The helper holds the rules: this view asks for the rows it shows (pages of
// one reading, filtered and searched there) and refreshes only their counters.
export function NatView({ onOpen }: { onOpen?: OpenView } = {}) {
  const names = useBerthNames();
  const { transport } = useBerth();
  const qc = useQueryClient();
  const [snapshot, setSnapshot] = useState<string | undefined>();
  const [filters, setFilters] = useState<NatFilters>(NO_FILTERS);
  const [raw, setRaw] = useState(false);
  const [selected, setSelected] = useState<FirewallRule | null>(null);
  const [trace, setTrace] = useState<TraceOutcome | null>(null);
  const [scrollTo, setScrollTo] = useState<ScrollRequest | null>(null);
  // the ids of the rules in view, for their counters (the pages and the rows in view are NatPages')
  const inView = useRef<() => string[]>(() => []);
  const search = useDebounced(filters.search, SEARCH_REST_MS, { leading: true });
  const searchRef = useRef<HTMLInputElement>(null);
  useSlashFocus(searchRef);
  const where = useMemo<NatWhere>(
    () => ({
      search,
      table: filters.table || undefined,
      owner: (filters.owner || undefined) as FirewallRule['owner'] | undefined,
      family: (filters.family || undefined) as FirewallRule['family'] | undefined,
    }),
    [search, filters.table, filters.owner, filters.family],
  );

  // The first page names the reading (snapshot) every other page comes from;
  // without one (first visit, Refresh) the helper reads the host anew.
  // A page of a named reading never changes: it is not asked again while kept
  // (a new reading is asked for by its own key, without a snapshot).
  const head = useBerthQuery('nat.query', { ...where, snapshot, offset: 0, limit: PAGE }, { placeholderData: keepPreviousData, staleTime: snapshot ? Infinity : 0 });
  // A refresh that failed (Refresh, a new reading after a rule moved) keeps
  // the last rows on screen with a note, not an error in their place
  // (docs/decisions.md, "A failed refresh keeps the last list"): React Query
  // drops a new key's placeholder once it fails, so the last answer is kept here.
  const lastData = useRef(head.data);
  const lastAt = useRef(0);
  if (head.data && !head.isPlaceholderData) [lastData.current, lastAt.current] = [head.data, head.dataUpdatedAt];
  const data = head.data ?? lastData.current;
  useEffect(() => {
    // only an answer to this key names the reading: the last one (kept on
    // screen while a new reading is asked, or after it failed) would turn the
    // key back to the old reading and drop the new one
    if (!head.data || head.isPlaceholderData || head.data.snapshot === snapshot) return;
    // that answer is also the first page of the reading it names: kept under
    // that key, the switch to it asks nothing (the helper answered the same
    // page again right after the first rows; docs/architecture.md, large readings)
    qc.setQueryData(queryKey('nat.query', { ...where, snapshot: head.data.snapshot, offset: 0, limit: PAGE }), head.data);
    setSnapshot(head.data.snapshot);
  }, [head.data, head.isPlaceholderData, snapshot, where, qc]);
  const matched = data?.matched ?? 0;
  const total = data?.total ?? 0;


  // Counters of the rows in view, every few seconds: numbers only, not the rules.
  const counters = useQuery({
    queryKey: ['nat.counters', data?.snapshot],
    queryFn: () => transport.call('nat.counters', { snapshot: data!.snapshot, ids: inView.current() }),
    enabled: !!data && !raw,
    refetchInterval: COUNTERS_EVERY_MS,
    initialData: { takenAt: '', counters: [], changed: [] },
    initialDataUpdatedAt: 0,
    staleTime: COUNTERS_EVERY_MS,
  });
  const counterMap = useMemo(() => new Map(counters.data.counters.map((c) => [c.id, c])), [counters.data]);
  // A new reading: forget the answers that named none (they would name the
  // old one again) and ask without a snapshot.
  const newReading = useCallback(() => {
    void qc.resetQueries({ predicate: (q) => q.queryKey[0] === 'nat.query' && !(q.queryKey[1] as { snapshot?: string }).snapshot });
    setSnapshot(undefined);
  }, [qc]);
  // a rule in view moved or vanished: take a new reading
  useEffect(() => {
    if (counters.data.changed.length) newReading();
  }, [counters.data, newReading]);

  const all = useBerthQuery('nat.query', { ...where, snapshot: data?.snapshot, limit: 50_000 }, { enabled: raw && !!data });

  const path = useMemo(() => new Set(trace?.result.path.map((r) => r.id) ?? []), [trace]);
  const hit = tracedRule(trace)?.id ?? null;
  const set = (k: keyof NatFilters) => (v: string) => setFilters((f) => ({ ...f, [k]: v }));
  const filtered = filters.search || filters.table || filters.owner || filters.family;

  // Every selection bumps this; a bring-into-view whose answer comes back
  // after a newer selection (an arrow key, a click, another trace) is
  // dropped, else it would scroll away and take the keyboard focus back to
  // a row that is no longer the selected one.
  const selectionSeq = useRef(0);
  const select = useCallback((r: FirewallRule | null) => {
    selectionSeq.current++;
    setSelected(r);
  }, []);

  // bring a rule into view: ask the helper where it is among the matches,
  // dropping the filters if they hide it
  const show = async (r: FirewallRule) => {
    setRaw(false);
    select(r);
    const seq = selectionSeq.current;
    if (!data) return;
    let at = (await transport.call('nat.query', { ...where, snapshot: data.snapshot, find: r.id, limit: 0 })).foundAt;
    if (seq !== selectionSeq.current) return;
    if (at === null) {
      setFilters(NO_FILTERS);
      at = (await transport.call('nat.query', { snapshot: data.snapshot, find: r.id, limit: 0 })).foundAt;
      if (seq !== selectionSeq.current) return;
    }
    if (at !== null) setScrollTo((s) => ({ index: at, n: (s?.n ?? 0) + 1 }));
  };
  const onTrace = (o: TraceOutcome | null) => {
    setTrace(o);
    const r = tracedRule(o);
    if (r) void show(r);
  };
  // The tracer walks the tables with base chains (iptables nat, filter, raw,
  // mangle; every nft table of the ip, ip6 and inet families) of the same
  // reading, fetched on the first trace and kept with it.
  const natRules = async () => {
    if (!data) return { rules: [], chains: [] };
    const chains = data.baseChains;
    const tableNames = chains.length ? [...new Set(chains.map((c) => c.table))] : ['nat', 'filter'];
    const tables = await Promise.all(tableNames.map((table) => {
      const params = { snapshot: data.snapshot, table, limit: 50_000 };
      return qc.fetchQuery({ queryKey: queryKey('nat.query', params), queryFn: () => transport.call('nat.query', params) });
    }));
    // "nat" also names an nft table "ip nat" (iptables-nft's, listed without rules): one copy of each rule
    const rules = new Map(tables.flatMap((t) => t.rules).map((r) => [r.id, r]));
    return { rules: [...rules.values()], chains };
  };

  return (
    <section className="view" aria-labelledby="view-title">
      <PageHeader
        title="Firewall rules"
        subtitle={data ? `${grouped(total)} rule${total === 1 ? '' : 's'} of every table (nat, filter, raw, mangle), iptables and nftables, from every owner — decoded, with counters` : 'Every rule of every table and owner, decoded, with counters'}
        actions={
          <>
            <button type="button" className="button" aria-pressed={raw} onClick={() => setRaw((x) => !x)}>
              <Icon name="logs" /> {raw ? 'Table view' : 'Raw view'}
            </button>
            <button type="button" className="button" onClick={newReading} disabled={head.isFetching && !snapshot}>
              <Icon name="refresh" /> {head.isFetching && !snapshot && data ? 'Reading…' : 'Refresh'}
            </button>
          </>
        }
      />
      <div className={selected && !raw ? 'split' : 'split split-single'}>
        <div className="pane pane-fill">
          <PacketTracer loadRules={natRules} outcome={trace} onTrace={onTrace} onShow={(r) => void show(r)} />
          <div className="toolbar" role="search" aria-label="Filter rules">
            <input
              ref={searchRef}
              type="search"
              className="toolbar-search"
              aria-label="Search rules"
              aria-keyshortcuts="/"
              placeholder="Search rules: address, port, chain, comment…" title="Search (press / to come here)"
              value={filters.search}
              onChange={(e) => set('search')(e.target.value)}
              spellCheck={false}
            />
            <Select label="Table" value={filters.table} onChange={set('table')} options={data?.tables ?? []} all="All tables" />
            <Select label="Owner" value={filters.owner} onChange={set('owner')} options={data?.owners ?? []} all="All owners" />
            <Select label="Family" value={filters.family} onChange={set('family')} options={['ipv4', 'ipv6']} all="IPv4 and IPv6" />
            {filtered && <button type="button" className="button button-ghost" onClick={() => setFilters(NO_FILTERS)}>Clear filters</button>}
            <span className="toolbar-count muted" role="status" aria-live="polite">
              {data ? (filtered ? `${grouped(matched)} of ${grouped(total)} rules` : `${grouped(total)} rules`) : ''}
            </span>
          </div>
          {head.error ? (
            <RefreshError query={{ data, error: head.error, dataUpdatedAt: lastAt.current, isFetching: head.isFetching, refetch: newReading }} what="the firewall rules" />
          ) : (
            <RefreshError query={counters} what="the counters" />
          )}
          {!data && head.isPending && head.fetchStatus !== 'idle' ? (
            <div className="pane-center"><Spinner label="Reading iptables and nftables…" /></div>
          ) : !data && head.error ? (
            <ErrorMessage error={head.error} title="Could not read the firewall rules" />
          ) : !data || total === 0 ? (
            <EmptyState icon="nat" title="No firewall rules">This host has no iptables or nftables rules the helper can read.</EmptyState>
          ) : raw ? (
            all.data ? (
              <pre className="json raw-rules" tabIndex={0} aria-label="Raw rules (iptables-save)">{rawText(all.data.rules)}</pre>
            ) : (
              <div className="pane-center"><Spinner label="Reading the rules…" /></div>
            )
          ) : (
            <NatPages
              where={where}
              head={data}
              counters={counterMap}
              selected={selected}
              hit={hit}
              path={path}
              onSelect={select}
              scrollTo={scrollTo}
              names={names}
              onOpen={onOpen}
              inView={inView}
            />
          )}
        </div>
        {selected && !raw && <RuleDetails rule={selected} names={names} onOpen={onOpen} onClose={() => select(null)} />}
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
