import { useEffect, useMemo, useState } from 'react';
import { useBerthQuery } from '../api/hooks';
import type { Network } from '../../../shared/network';
import { EmptyState } from '../components/EmptyState';
import { failedWithoutData, LoadError, RefreshError } from '../components/RefreshError';
import { BulkBar } from '../components/BulkBar';
import { Icon } from '../components/Icon';
import { ListSearch, NoMatch } from '../components/ListSearch';
import { PageHeader } from '../components/PageHeader';
import { Spinner } from '../components/Spinner';
import { useChecked } from '../lib/bulk';
import { bridgeName } from '../lib/format';
import { matchesQuery } from '../lib/list-search';
import type { ScrollRequest } from '../lib/useVirtualRows';
import { NetworkCreateDialog } from './NetworkCreateDialog';
import { NetworkBulkRemove } from './NetworkBulkRemove';
import { NetworkDetails } from './NetworkDetails';
import { NetworkRemoveDialog } from './NetworkRemoveDialog';
import { NetworkTable } from './NetworkTable';
import { PruneNetworksDialog } from './PruneNetworksDialog';

// bridge, host and none exist on every Berth host, like Docker's
const PREDEFINED = new Set(['bridge', 'host', 'none']);

// What the search looks at: what the table shows, plus labels and who is attached.
const networkText = (n: Network) => [
  n.Name, n.Id.slice(0, 12), n.Driver, bridgeName(n),
  ...n.IPAM.Config.flatMap((c) => [c.Subnet, c.Gateway]),
  ...Object.entries(n.Labels ?? {}).map(([k, v]) => `${k}=${v}`),
  ...Object.values(n.Containers).map((c) => c.Name),
  n.Internal ? 'internal' : '',
];

// focus: a network (id or name) to show selected when the view opens, e.g.
// from the Topology view; onFocused tells the owner it was taken.
export function NetworksView({ focus, onFocused }: { focus?: string | null; onFocused?: () => void } = {}) {
  const list = useBerthQuery('network.list', {});
  const [creating, setCreating] = useState(false);
  const [pruning, setPruning] = useState(false);
  const [removing, setRemoving] = useState<Network | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const networks = list.data ?? [];
  const current = networks.find((n) => n.Name === selected) ?? null;
  const [scrollTo, setScrollTo] = useState<ScrollRequest | null>(null);
  const [search, setSearch] = useState('');
  const shown = useMemo(() => networks.filter((n) => matchesQuery(search, ...networkText(n))), [networks, search]);
  const names = useMemo(() => networks.map((n) => n.Name), [networks]);
  const ticks = useChecked(names);
  // fixed when the dialog opens: the list refreshes under it as each removal lands
  const [bulkRemoving, setBulkRemoving] = useState<Network[] | null>(null);
  const ticked = networks.filter((n) => ticks.checked.has(n.Name));
  const tickedHidden = ticked.filter((n) => !shown.includes(n)).length;

  useEffect(() => {
    if (!focus || (!list.data && !list.error)) return;
    const i = (list.data ?? []).findIndex((n) => n.Id === focus || n.Name === focus);
    if (i >= 0) {
      setSearch(''); // the search could hide it: the index is of the whole list
      setSelected(list.data![i].Name);
      setScrollTo({ index: i, n: Date.now() });
    }
    onFocused?.();
    // runs when the focus request or the list changes, not when onFocused's identity does (a new closure each render)
  }, [focus, list.data, list.error]);

  return (
    <section className="view" aria-labelledby="view-title">
      <PageHeader
        title="Networks"
        subtitle={list.data ? `${networks.length} network${networks.length === 1 ? '' : 's'} · bridges, subnets and who is attached` : 'Bridges, subnets and who is attached'}
        actions={
          <>
            <button type="button" className="button" onClick={() => setPruning(true)} disabled={!list.data}>
              <Icon name="prune" /> Prune
            </button>
            <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
              <Icon name="plus" /> Create network
            </button>
          </>
        }
      />
      <div className={current ? 'split' : 'split split-single'}>
        <div className="pane pane-fill">
          <RefreshError query={list} what="the networks" />
          {list.isPending && list.fetchStatus !== 'idle' ? (
            <div className="pane-center"><Spinner label="Loading networks…" /></div>
          ) : failedWithoutData(list) ? (
            <LoadError query={list} title="Could not list networks" what="the networks" />
          ) : networks.length === 0 ? (
            <EmptyState
              icon="networks"
              title="No networks yet"
              action={<button type="button" className="button button-primary" onClick={() => setCreating(true)}><Icon name="plus" /> Create network</button>}
            >
              Create a bridge network, then run containers on it from the Containers view.
            </EmptyState>
          ) : (
            <>
              <ListSearch label="Search networks" placeholder="Search: name, subnet, driver, label, container…" value={search} onChange={setSearch} shown={shown.length} total={networks.length} noun="networks" />
              <BulkBar count={ticked.length} noun="network" hidden={tickedHidden} onClear={ticks.clear}>
                <button type="button" className="button button-danger" onClick={() => setBulkRemoving(ticked)}><Icon name="trash" /> Remove {ticked.length}</button>
              </BulkBar>
              {shown.length === 0 ? (
                <NoMatch query={search} what="networks" onClear={() => setSearch('')} />
              ) : (
                <NetworkTable networks={shown} selected={selected} onSelect={setSelected} onRemove={setRemoving} scrollTo={scrollTo} checked={ticks.checked} onCheck={ticks.setMany} />
              )}
              {networks.every((n) => PREDEFINED.has(n.Name)) && (
                <p className="hint" role="note">
                  Only the predefined networks exist. Create a network of your own to give containers their own subnet,
                  isolated from the others — <button type="button" className="link-button" onClick={() => setCreating(true)}>create one</button>.
                </p>
              )}
            </>
          )}
        </div>
        {current && <NetworkDetails network={current} onClose={() => setSelected(null)} onRemove={() => setRemoving(current)} />}
      </div>
      {creating && <NetworkCreateDialog onClose={() => setCreating(false)} onCreated={(n) => setSelected(n.Name)} />}
      {removing && (
        <NetworkRemoveDialog
          network={removing}
          onClose={() => setRemoving(null)}
          onRemoved={() => selected === removing.Name && setSelected(null)}
        />
      )}
      {bulkRemoving && (
        <NetworkBulkRemove
          networks={bulkRemoving}
          onRemoved={(names) => {
            ticks.setMany(names, false);
            if (selected && names.includes(selected)) setSelected(null);
          }}
          onClose={() => setBulkRemoving(null)}
        />
      )}
      {pruning && <PruneNetworksDialog networks={networks} onClose={() => setPruning(false)} />}
    </section>
  );
}
