import { useBerth, type LoggedEvent } from '../api/context';
import { EmptyState } from '../components/EmptyState';
import { PageHeader } from '../components/PageHeader';
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
  }
}

const tone = (t: string): Tone => (t.endsWith('removed') || t === 'endpoint.left' ? 'danger' : t.startsWith('drift') ? 'warn' : t.endsWith('created') || t === 'endpoint.joined' ? 'ok' : 'info');

export function ActivityView() {
  const { events } = useBerth();
  const shown = [...events].reverse();
  return (
    <section className="view" aria-labelledby="view-title">
      <PageHeader title="Activity" subtitle="Live events from the helper, newest first" />
      {shown.length === 0 ? (
        <EmptyState icon="activity" title="No activity yet">
          Create a network or run a container; what the helper does appears here as it happens.
        </EmptyState>
      ) : (
        <ol className="activity" aria-label="Event log" aria-live="polite">
          {shown.map((l) => (
            <li key={l.seq}>
              <time className="mono muted" dateTime={l.at.toISOString()}>{l.at.toLocaleTimeString()}</time>
              <Badge tone={tone(l.event.type)}>{l.event.type}</Badge>
              <span>{describeEvent(l.event)}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
