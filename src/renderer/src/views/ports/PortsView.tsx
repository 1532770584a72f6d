import { useCallback, useMemo, useRef, useState } from 'react';
import { useBerthMutation, useBerthQueries, useBerthQuery } from '../../api/hooks';
import type { Container } from '../../../../shared/container';
import type { PortMapping } from '../../../../shared/ports';
import { EmptyState } from '../../components/EmptyState';
import { ErrorMessage } from '../../components/ErrorMessage';
import { failedWithoutData, keptTogether, LoadError, RefreshError, type KeptQuery } from '../../components/RefreshError';
import { Icon } from '../../components/Icon';
import { ListSearch, NoMatch } from '../../components/ListSearch';
import { OpenPortButton } from '../../components/OpenPortButton';
import { matchesQuery } from '../../lib/list-search';
import { PageHeader } from '../../components/PageHeader';
import { Spinner } from '../../components/Spinner';
import { Toasts, type ToastMessage } from '../../components/Toast';
import { containerName, containerNetworks } from '../../lib/format';
import { StatusBadge } from '../StatusBadge';
import { BulkBar } from '../../components/BulkBar';
import { useChecked } from '../../lib/bulk';
import { AddMappingRow, EMPTY_ADD_FORM, type AddForm } from './AddMappingRow';
import { mappingKey, PortBulkRemove } from './PortBulkRemove';
import { hostIpForSpec, mappingSpec, type Owned } from './port-conflicts';

const hostSide = (m: PortMapping) => `${hostIpForSpec(m.hostIp)}:${m.hostPort}`;

export function PortsView() {
  const list = useBerthQuery('container.list', { all: true });
  const running = useMemo(() => (list.data ?? []).filter((c) => c.State.Running), [list.data]);
  const stopped = (list.data ?? []).filter((c) => !c.State.Running);
  const params = useMemo(() => running.map((c) => ({ container: containerName(c) })), [running]);
  const ports = useBerthQueries('port.list', params);
  // every card's refresh failed at once (the helper is away): one note for the
  // view, not one per card (with the containers' own, if that failed too)
  const cardsFailed = running.length > 0 && running.every((_, i) => ports[i]?.error && ports[i]?.data !== undefined);
  const note: { query: KeptQuery; what: string } = cardsFailed
    ? { query: keptTogether([list, ...ports]), what: list.error ? 'the containers and their ports' : 'the ports of the running containers' }
    : { query: list, what: 'the containers' };
  const all: Owned[] = running.flatMap((c, i) => (ports[i]?.data ?? []).map((mapping) => ({ container: containerName(c), mapping })));
  const [toasts, setToasts] = useState<ToastMessage[]>([]);
  const seq = useRef(0);
  const readd = useBerthMutation('port.add');
  const [search, setSearch] = useState('');
  // each card's half-typed mapping, by container id (AddForm says why here)
  const [forms, setForms] = useState<Record<string, AddForm>>({});
  const setForm = useCallback((id: string, next: (f: AddForm) => AddForm) => setForms((xs) => ({ ...xs, [id]: next(xs[id] ?? EMPTY_ADD_FORM) })), []);
  // a card shows when its container, a network of it or one of its mappings matches
  const shown = running.filter((c, i) => matchesQuery(
    search,
    containerName(c),
    ...containerNetworks(c).flatMap((n) => [n.network, n.ip]),
    ...(ports[i]?.data ?? []).flatMap((m) => [hostSide(m), `${m.containerPort}/${m.proto}`, m.containerIp]),
  ));

  const keys = useMemo(() => all.map((o) => mappingKey(o.container, mappingSpec(o.mapping))), [all]);
  const ticks = useChecked(keys);
  const [bulkRemove, setBulkRemove] = useState(false);
  const shownKeys = new Set(shown.flatMap((c) => (ports[running.indexOf(c)]?.data ?? []).map((m) => mappingKey(containerName(c), mappingSpec(m)))));

  const toast = useCallback((t: Omit<ToastMessage, 'id'>) => setToasts((xs) => [...xs.slice(-3), { ...t, id: ++seq.current }]), []);
  const dismiss = useCallback((id: number) => setToasts((xs) => xs.filter((t) => t.id !== id)), []);
  const onRemoved = (container: string, m: PortMapping) => {
    const spec = mappingSpec(m);
    toast({
      text: <>Removed <span className="mono">{hostSide(m)} → {m.containerPort}/{m.proto}</span> from {container}</>,
      action: {
        label: 'Undo',
        run: () =>
          readd.mutate({ container, spec }, {
            onSuccess: () => toast({ text: <>Put back <span className="mono">{spec}</span> on {container}</> }),
            onError: (e) => toast({ tone: 'error', text: <>Could not put back {spec}: {e.message}</> }),
          }),
      },
    });
  };

  const onBulkRemoved = (removed: { container: string; spec: string }[]) => {
    ticks.clear();
    toast({
      text: <>Removed {removed.length} mapping{removed.length === 1 ? '' : 's'}</>,
      action: {
        label: 'Undo',
        run: () =>
          void Promise.allSettled(removed.map((r) => readd.mutateAsync(r))).then((rs) => {
            const failed = rs.filter((r) => r.status === 'rejected').length;
            toast(failed ? { tone: 'error', text: <>Put back {removed.length - failed} of {removed.length} mappings; {failed} could not be put back</> } : { text: <>Put back {removed.length} mapping{removed.length === 1 ? '' : 's'}</> });
          }),
      },
    });
  };

  return (
    <section className="view" aria-labelledby="view-title">
      <PageHeader title="Ports" subtitle="Host side → container side for every running container; changes apply live, without a restart" />
      <div className="pane">
        <RefreshError query={note.query} what={note.what} />
        {list.isPending && list.fetchStatus !== 'idle' ? (
          <div className="pane-center"><Spinner label="Loading containers…" /></div>
        ) : failedWithoutData(list) ? (
          <LoadError query={list} title="Could not list containers" what="the containers" />
        ) : running.length === 0 ? (
          <EmptyState icon="ports" title="No running containers">
            Published ports belong to a running container. Run one with a port, e.g.{' '}
            <code>berth run -d --name web -p 8080:80 busybox httpd -f</code>, or use <strong>Run container</strong> in the
            Containers view with “Published ports” set to <code>8080:80</code>. Its mappings show here, and you can add or
            remove them while it runs.
          </EmptyState>
        ) : (
          <>
            <p className="ports-legend muted small">
              Add a mapping with the row under each container: host IP (0.0.0.0 = every IPv4 address, empty = IPv4 and IPv6),
              host port (a range picks the first free one, empty picks any free port), container port. Conflicts show as you type.
            </p>
            <ListSearch label="Search ports" placeholder="Search: container, port, address, network…" value={search} onChange={setSearch} shown={shown.length} total={running.length} noun="running containers" />
            <BulkBar count={ticks.checked.size} noun="mapping" hidden={[...ticks.checked].filter((k) => !shownKeys.has(k)).length} onClear={ticks.clear}>
              <button type="button" className="button button-danger" onClick={() => setBulkRemove(true)}><Icon name="trash" /> Remove</button>
            </BulkBar>
            {bulkRemove && ticks.checked.size > 0 && <PortBulkRemove keys={keys.filter((k) => ticks.checked.has(k))} onRemoved={onBulkRemoved} onClose={() => setBulkRemove(false)} />}
            {shown.length === 0 && <NoMatch query={search} what="containers or ports" onClear={() => setSearch('')} />}
            {shown.map((c) => (
              <ContainerPorts key={c.Id} container={c} query={ports[running.indexOf(c)]} noted={cardsFailed} all={all} form={forms[c.Id] ?? EMPTY_ADD_FORM} onForm={(next) => setForm(c.Id, next)} checked={ticks.checked} onCheck={ticks.set} onRemoved={onRemoved} onAdded={(spec) => toast({ text: <>Published <span className="mono">{spec}</span> on {containerName(c)}</> })} />
            ))}
          </>
        )}
        {stopped.length > 0 && (
          <p className="muted small stopped-note">
            Not running: {stopped.map(containerName).join(', ')} — start a container to change its ports live.
          </p>
        )}
      </div>
      <Toasts toasts={toasts} onDismiss={dismiss} />
    </section>
  );
}

function ContainerPorts({
  container,
  query,
  noted,
  all,
  checked,
  onCheck,
  onRemoved,
  onAdded,
  form,
  onForm,
}: {
  container: Container;
  query: ReturnType<typeof useBerthQueries<'port.list'>>[number] | undefined;
  // the view's one note already says this card's refresh failed
  noted: boolean;
  all: Owned[];
  checked: ReadonlySet<string>;
  onCheck: (key: string, on: boolean) => void;
  onRemoved: (container: string, m: PortMapping) => void;
  onAdded: (spec: string) => void;
  form: AddForm;
  onForm: (next: (f: AddForm) => AddForm) => void;
}) {
  const name = containerName(container);
  const nets = containerNetworks(container);
  const mappings = query?.data ?? [];
  const titleId = `ports-${container.Id.slice(0, 12)}`;
  return (
    <section className="port-card" aria-labelledby={titleId} data-container={name}>
      <header className="port-card-head">
        <h2 id={titleId} className="port-card-title">{name}</h2>
        <StatusBadge container={container} />
        <ul className="chips chips-row" aria-label={`Networks of ${name}`}>
          {nets.map((n) => <li key={n.network} className="chip"><span>{n.network}</span>{n.ip && <span className="mono muted">{n.ip}</span>}</li>)}
        </ul>
        <span className="spacer" />
        <span className="muted small">{mappings.length} mapping{mappings.length === 1 ? '' : 's'}</span>
      </header>
      {!noted && <RefreshError query={query} what={`the ports of ${name}`} />}
      {query && failedWithoutData(query) ? (
        <LoadError query={query} title={`Could not list the ports of ${name}`} what={`the ports of ${name}`} />
      ) : query?.isPending ? (
        <div className="port-card-body"><Spinner label="Reading ports…" /></div>
      ) : mappings.length === 0 ? (
        <p className="port-card-empty muted small">No published ports yet.</p>
      ) : (
        <table className="table port-table" aria-label={`Port mappings of ${name}`}>
          <colgroup>
            <col style={{ width: 36 }} />
            <col style={{ width: 230 }} />
            <col style={{ width: 40 }} />
            <col style={{ width: 230 }} />
            <col style={{ width: 100 }} />
            <col />
          </colgroup>
          <thead>
            <tr>
              <th scope="col" className="row-check">
                <input type="checkbox" aria-label={`Select every mapping of ${name}`} checked={mappings.length > 0 && mappings.every((m) => checked.has(mappingKey(name, mappingSpec(m))))} onChange={(e) => mappings.forEach((m) => onCheck(mappingKey(name, mappingSpec(m)), e.target.checked))} />
              </th>
              <th scope="col">Host side</th>
              <th scope="col"><span className="sr-only">maps to</span></th>
              <th scope="col">Container side</th>
              <th scope="col">Protocol</th>
              <th scope="col"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {mappings.map((m) => (
              <MappingRow key={mappingSpec(m)} container={name} mapping={m} fallbackIp={nets[0]?.ip.split('/')[0]} checked={checked.has(mappingKey(name, mappingSpec(m)))} onCheck={(on) => onCheck(mappingKey(name, mappingSpec(m)), on)} onRemoved={onRemoved} />
            ))}
          </tbody>
        </table>
      )}
      <AddMappingRow container={name} all={all} onAdded={onAdded} form={form} onForm={onForm} />
    </section>
  );
}

function MappingRow({ container, mapping: m, fallbackIp, checked, onCheck, onRemoved }: { container: string; mapping: PortMapping; fallbackIp?: string; checked: boolean; onCheck: (on: boolean) => void; onRemoved: (c: string, m: PortMapping) => void }) {
  const remove = useBerthMutation('port.remove');
  const label = `${hostSide(m)}/${m.proto} → ${m.containerPort}`;
  return (
    <tr data-spec={mappingSpec(m)}>
      <td className="row-check"><input type="checkbox" aria-label={`Select mapping ${label} of ${container}`} checked={checked} onChange={(e) => onCheck(e.target.checked)} /></td>
      <td className="mono host-side">{hostSide(m)}<OpenPortButton hostIp={m.hostIp} hostPort={m.hostPort} proto={m.proto} container={container} /></td>
      <td className="map-arrow" aria-hidden="true">→</td>
      <td className="mono">{m.containerIp ?? fallbackIp ?? '?'}:{m.containerPort}</td>
      <td><span className="badge">{m.proto}</span></td>
      <td className="row-actions">
        <div className="actions-cell">
          {remove.isPending ? (
            <Spinner label="Removing…" />
          ) : (
            <button
              type="button"
              className="icon-button icon-danger"
              aria-label={`Remove mapping ${label} of ${container}`}
              title="Remove mapping"
              // mutateAsync: the row is gone once the list refreshes, the toast must still come
              onClick={() => remove.mutateAsync({ container, spec: mappingSpec(m) }).then(() => onRemoved(container, m), () => {})}
            >
              <Icon name="trash" />
            </button>
          )}
          <ErrorMessage error={remove.error} />
        </div>
      </td>
    </tr>
  );
}
