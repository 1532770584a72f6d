import { useMemo, useRef, useState } from 'react';
import { useSlashFocus } from '../lib/useSlashFocus';
import { useBerth, type LoggedEvent } from '../api/context';
import { useBerthQuery } from '../api/hooks';
import { ACTORS, type Actor, type ActivityEntry } from '../../../shared/activity';
import { EmptyState } from '../components/EmptyState';
import { NoMatch } from '../components/ListSearch';
import { PageHeader } from '../components/PageHeader';
import { failedWithoutData, LoadError, RefreshError } from '../components/RefreshError';
import { Badge, type Tone } from '../components/Badge';

export function describeEvent(e: LoggedEvent['event']): string {
  switch (e.type) {
    case 'network.created': return `network ${e.name} created`;
    case 'network.removed': return `network ${e.name} removed`;
    case 'container.changed': return `container ${e.name} is ${e.status}`;
    case 'container.removed': return `container ${e.name} removed`;
    case 'endpoint.joined': return `${e.sandbox} joined ${e.network} as ${e.ip}`;
    case 'endpoint.left': return `${e.sandbox} left ${e.network}`;
    case 'ports.changed': return `ports of ${e.container} changed`;
    case 'drift.found': return `drift: ${e.missing} missing, ${e.extra} extra${e.healed ? ' (healed)' : ''}`;
    case 'cleanup.applied': return `cleanup applied ${e.count} fixes (snapshot ${e.snapshotId})`;
    case 'cleanup.undone': return `cleanup undone (snapshot ${e.snapshotId})`;
    case 'log': return `${e.container} ${e.stream}: ${e.data.trimEnd()}`;
    case 'progress': return `${e.op}: ${e.message} (${e.done}/${e.total})`;
    case 'exec.started': return `exec session started in ${e.container}`;
    case 'exec.output': return `exec ${e.stream} (${e.data.length} bytes, base64)`;
  }
}

const tone = (t: string): Tone => (t.endsWith('removed') || t === 'endpoint.left' ? 'danger' : t.startsWith('drift') ? 'warn' : t.endsWith('created') || t === 'endpoint.joined' ? 'ok' : 'info');
const ACTOR_TEXT: Record<Actor, string> = { gui: 'app', cli: 'CLI', drift: 'drift repair', cleanup: 'cleanup', helper: 'helper' };
const byText = (e: { actor?: Actor; client?: string }) => (e.actor ? `${ACTOR_TEXT[e.actor]}${e.actor === 'cleanup' && e.client ? ` (${ACTOR_TEXT[e.client as Actor]})` : ''}` : '');

interface Row {
  key: string;
  at: Date;
  actor?: Actor;
  client?: string;
  event: LoggedEvent['event'];
}

// The helper's history (kept across reloads and restarts, with who did
// what); a helper without one falls back to what this page has seen.
export function ActivityView() {
  const { events } = useBerth();
  const history = useBerthQuery('activity.list', { limit: 1000 });
  const [actor, setActor] = useState<Actor | ''>('');
  const [search, setSearch] = useState('');
  const searchRef = useRef<HTMLInputElement>(null);
  useSlashFocus(searchRef);
  const rows: Row[] = useMemo(() => {
    if (history.data)
      return history.data.map((e: ActivityEntry) => ({ key: `h${e.seq}`, at: new Date(e.at), actor: e.actor, client: e.client, event: e.event }));
    return events.filter((l) => l.event.type !== 'progress').map((l) => ({ key: `l${l.seq}`, at: l.at, event: l.event }));
  }, [history.data, events]);
  const q = search.trim().toLowerCase();
  const shown = rows
    .filter((r) => (!actor || r.actor === actor) && (!q || `${describeEvent(r.event)} ${r.event.type} ${byText(r)}`.toLowerCase().includes(q)))
    .reverse();
  const filtered = !!actor || !!q;
  return (
    <section className="view" aria-labelledby="view-title">
      <PageHeader title="Activity" subtitle={history.data ? 'What the helper did and who asked, newest first — kept by the helper across reloads and restarts' : 'Live events from the helper, newest first'} />
      <RefreshError query={history} what="the activity history" />
      {failedWithoutData(history) && <LoadError query={history} title="Could not read the helper's history (below: the live events this page saw)" what="the activity history" />}
      {rows.length > 0 && (
        <div className="toolbar activity-toolbar" role="search" aria-label="Filter activity">
          <input ref={searchRef} type="search" className="toolbar-search" aria-label="Search activity" aria-keyshortcuts="/" placeholder="Search: network, container, event…" title="Search (press / to come here)" value={search} onChange={(e) => setSearch(e.target.value)} spellCheck={false} />
          {history.data && (
            <select aria-label="Done by" value={actor} onChange={(e) => setActor(e.target.value as Actor | '')}>
              <option value="">Everyone</option>
              {ACTORS.map((a) => <option key={a} value={a}>{ACTOR_TEXT[a]}</option>)}
            </select>
          )}
          {filtered && <button type="button" className="button button-ghost" onClick={() => { setActor(''); setSearch(''); }}>Clear filters</button>}
          <span className="toolbar-count muted" role="status" aria-live="polite">{filtered ? `${shown.length} of ${rows.length} events` : `${rows.length} events`}</span>
        </div>
      )}
      {rows.length === 0 ? (
        <EmptyState icon="activity" title="No activity yet">
          Create a network or run a container; what the helper does appears here as it happens.
        </EmptyState>
      ) : shown.length === 0 ? (
        <NoMatch query={search || (actor ? `done by ${ACTOR_TEXT[actor]}` : '')} what="events" onClear={() => { setActor(''); setSearch(''); }} />
      ) : (
        <ol className="activity" aria-label="Event log" aria-live="polite">
          {shown.map((r) => (
            <li key={r.key}>
              <time className="mono muted" dateTime={r.at.toISOString()} title={r.at.toLocaleString()}>{r.at.toLocaleTimeString()}</time>
              <Badge tone={tone(r.event.type)}>{r.event.type}</Badge>
              <span>{describeEvent(r.event)}</span>
              <span className="muted small activity-by">{r.actor ? `by ${byText(r)}` : ''}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
