import { useEffect, useMemo, useState } from 'react';
import { useBerthQuery } from '../api/hooks';
import type { Container } from '../../../shared/container';
import type { SandboxRef } from '../../../shared/network';
import { EmptyState } from '../components/EmptyState';
import { failedWithoutData, LoadError, RefreshError } from '../components/RefreshError';
import { Icon } from '../components/Icon';
import { ListSearch, NoMatch } from '../components/ListSearch';
import { PageHeader } from '../components/PageHeader';
import { Spinner } from '../components/Spinner';
import { useChecked } from '../lib/bulk';
import { containerName } from '../lib/format';
import { containerText, sandboxText } from './container-search';
import { ContainerBulk } from './ContainerBulk';
import { matchesQuery } from '../lib/list-search';
import type { ScrollRequest } from '../lib/useVirtualRows';
import { ConnectDialog } from './ConnectDialog';
import { ContainerRemoveDialog } from './ContainerRemoveDialog';
import { ContainerTable } from './ContainerTable';
import { DisconnectDialog } from './DisconnectDialog';
import { ForeignTable, foreignKey } from './ForeignTable';
import { LogsPanel } from './LogsPanel';
import { RunDialog } from './RunDialog';
import { TerminalPanel } from './TerminalPanel';

export interface SandboxTarget {
  label: string;
  ref: SandboxRef;
  attached: string[];
}

// What to show selected when the view opens (e.g. from the Topology view): a
// Berth container (id or name), whose logs open beside the table, or a
// foreign sandbox ("source:id").
export interface ContainersFocus {
  container?: string;
  sandbox?: string;
}

export function ContainersView({ focus, onFocused }: { focus?: ContainersFocus | null; onFocused?: () => void } = {}) {
  const list = useBerthQuery('container.list', { all: true });
  const foreign = useBerthQuery('sandbox.listForeign', {});
  const [foreignSel, setForeignSel] = useState<string | null>(null);
  const [scrollTo, setScrollTo] = useState<ScrollRequest | null>(null);
  const [scrollForeign, setScrollForeign] = useState<ScrollRequest | null>(null);
  const [running, setRunning] = useState(false);
  const [connecting, setConnecting] = useState<SandboxTarget | null>(null);
  const [disconnecting, setDisconnecting] = useState<SandboxTarget | null>(null);
  const [removing, setRemoving] = useState<Container | null>(null);
  const [logsOf, setLogsOf] = useState<string | null>(null);
  const [terminalOf, setTerminalOf] = useState<string | null>(null);
  const containers = list.data ?? [];
  const [search, setSearch] = useState('');
  const shown = useMemo(() => containers.filter((c) => matchesQuery(search, ...containerText(c))), [containers, search]);
  const foreignShown = useMemo(() => (foreign.data ?? []).filter((s) => matchesQuery(search, ...sandboxText(s))), [foreign.data, search]);
  const ticks = useChecked(useMemo(() => containers.map((c) => c.Id), [containers]));
  const ticked = containers.filter((c) => ticks.checked.has(c.Id));
  const target = (c: Container): SandboxTarget => ({
    label: containerName(c),
    ref: { container: containerName(c) },
    attached: Object.keys(c.NetworkSettings.Networks),
  });

  useEffect(() => {
    if (!focus) return;
    setSearch(''); // the search could hide it: the indexes below are of the whole lists
    if (focus.container) {
      if (!list.data && !list.error) return;
      const i = (list.data ?? []).findIndex((c) => c.Id === focus.container || containerName(c) === focus.container);
      if (i >= 0) {
        setLogsOf(containerName(list.data![i]));
        setScrollTo({ index: i, n: Date.now() });
      }
    } else if (focus.sandbox) {
      if (!foreign.data && !foreign.error) return;
      const i = (foreign.data ?? []).findIndex((s) => foreignKey(s) === focus.sandbox);
      if (i >= 0) {
        setForeignSel(focus.sandbox);
        setScrollForeign({ index: i, n: Date.now() });
      }
    }
    onFocused?.();
    // runs when the focus request or the lists change, not when onFocused's identity does (a new closure each render)
  }, [focus, list.data, list.error, foreign.data, foreign.error]);

  return (
    <section className="view" aria-labelledby="view-title">
      <PageHeader
        title="Containers"
        subtitle="Processes in their own network namespace, started by Berth or found on this host"
        actions={
          <button type="button" className="button button-primary" onClick={() => setRunning(true)}>
            <Icon name="play" /> Run container
          </button>
        }
      />
      <div className={logsOf || terminalOf ? 'split' : 'split split-single'}>
        <div className="pane">
          <ListSearch label="Search containers" placeholder="Search: name, network, address, port, command…" value={search} onChange={setSearch} shown={shown.length + foreignShown.length} total={containers.length + (foreign.data?.length ?? 0)} noun="containers and sandboxes" />
          <ContainerBulk ticked={ticked} hidden={ticked.filter((c) => !shown.includes(c)).length} onClear={ticks.clear} onGone={(names) => logsOf && names.includes(logsOf) && setLogsOf(null)} />
          <h2 className="section-title">Berth containers</h2>
          <RefreshError query={list} what="the containers" />
          {list.isPending && list.fetchStatus !== 'idle' ? (
            <div className="pane-center"><Spinner label="Loading containers…" /></div>
          ) : failedWithoutData(list) ? (
            <LoadError query={list} title="Could not list containers" what="the containers" />
          ) : containers.length === 0 ? (
            <EmptyState
              icon="containers"
              title="No containers"
              action={<button type="button" className="button button-primary" onClick={() => setRunning(true)}><Icon name="play" /> Run container</button>}
            >
              Run a command in its own network namespace on one of your networks.
            </EmptyState>
          ) : shown.length === 0 ? (
            <NoMatch query={search} what="Berth containers" onClear={() => setSearch('')} />
          ) : (
            <ContainerTable
              containers={shown}
              checked={ticks.checked}
              onCheck={ticks.setMany}
              onConnect={(c) => setConnecting(target(c))}
              onDisconnect={(c) => setDisconnecting(target(c))}
              onRemove={setRemoving}
              onLogs={(c) => (setTerminalOf(null), setLogsOf(containerName(c)))}
              onTerminal={(c) => (setLogsOf(null), setTerminalOf(containerName(c)))}
              logsOf={logsOf}
              scrollTo={scrollTo}
            />
          )}
          <h2 className="section-title">Other sandboxes on this host</h2>
          <RefreshError query={foreign} what="the other sandboxes" />
          {failedWithoutData(foreign) ? (
            <LoadError query={foreign} title="Could not list foreign sandboxes" what="the other sandboxes" />
          ) : foreign.data && foreign.data.length === 0 ? (
            <p className="muted small">No Docker or Podman containers or named network namespaces found.</p>
          ) : foreign.data && foreignShown.length === 0 ? (
            <p className="muted small">No other sandbox matches “{search.trim()}”.</p>
          ) : foreign.data ? (
            <ForeignTable
              sandboxes={foreignShown}
              onConnect={(s, ref) => setConnecting({ label: s.name, ref, attached: s.attachedNetworks })}
              onDisconnect={(s, ref) => setDisconnecting({ label: s.name, ref, attached: s.attachedNetworks })}
              selected={foreignSel}
              onSelect={setForeignSel}
              scrollTo={scrollForeign}
            />
          ) : (
            <Spinner label="Looking for Docker, Podman and namespaces…" />
          )}
        </div>
        {logsOf && <LogsPanel name={logsOf} onClose={() => setLogsOf(null)} />}
        {terminalOf && <TerminalPanel key={terminalOf} name={terminalOf} onClose={() => setTerminalOf(null)} />}
      </div>
      {running && <RunDialog onClose={() => setRunning(false)} />}
      {connecting && <ConnectDialog target={connecting} onClose={() => setConnecting(null)} />}
      {disconnecting && <DisconnectDialog target={disconnecting} onClose={() => setDisconnecting(null)} />}
      {removing && <ContainerRemoveDialog container={removing} onClose={() => setRemoving(null)} onRemoved={() => logsOf === containerName(removing) && setLogsOf(null)} />}
    </section>
  );
}
