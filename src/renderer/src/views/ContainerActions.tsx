import { useBerthMutation } from '../api/hooks';
import type { Container } from '../../../shared/container';
import { ErrorMessage } from '../components/ErrorMessage';
import { Icon } from '../components/Icon';
import { Spinner } from '../components/Spinner';
import { containerName } from '../lib/format';

// Start/stop run inline; the error, if any, shows in the row that asked.
export function ContainerActions({
  container,
  onConnect,
  onDisconnect,
  onRemove,
  onLogs,
  onTerminal,
}: {
  container: Container;
  onConnect: (c: Container) => void;
  onDisconnect: (c: Container) => void;
  onRemove: (c: Container) => void;
  onLogs: (c: Container) => void;
  onTerminal?: (c: Container) => void;
}) {
  const name = containerName(container);
  const start = useBerthMutation('container.start');
  const stop = useBerthMutation('container.stop');
  const running = container.State.Running;
  const busy = start.isPending || stop.isPending;
  const hasNets = Object.keys(container.NetworkSettings.Networks).length > 0;
  return (
    <div className="actions-cell">
      <div className="actions">
        {busy ? (
          <Spinner label={start.isPending ? 'Starting…' : 'Stopping…'} />
        ) : running ? (
          <button type="button" className="icon-button" aria-label={`Stop ${name}`} title="Stop" onClick={() => stop.mutate({ name })}><Icon name="stop" /></button>
        ) : (
          <button type="button" className="icon-button" aria-label={`Start ${name}`} title="Start" onClick={() => start.mutate({ name })}><Icon name="play" /></button>
        )}
        <button type="button" className="icon-button" aria-label={`Connect ${name} to a network`} title="Connect to network" onClick={() => onConnect(container)} disabled={!running}><Icon name="link" /></button>
        <button type="button" className="icon-button" aria-label={`Disconnect ${name} from a network`} title="Disconnect from network" onClick={() => onDisconnect(container)} disabled={!hasNets}><Icon name="unlink" /></button>
        {onTerminal && <button type="button" className="icon-button" aria-label={`Terminal in ${name}`} title="Terminal (sh)" onClick={() => onTerminal(container)} disabled={!running}><Icon name="terminal" /></button>}
        <button type="button" className="icon-button" aria-label={`Logs of ${name}`} title="Logs" onClick={() => onLogs(container)}><Icon name="logs" /></button>
        <button type="button" className="icon-button icon-danger" aria-label={`Remove ${name}`} title="Remove" onClick={() => onRemove(container)}><Icon name="trash" /></button>
      </div>
      <ErrorMessage error={start.error ?? stop.error} />
    </div>
  );
}
