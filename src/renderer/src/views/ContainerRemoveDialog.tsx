import { useBerthMutation } from '../api/hooks';
import type { Container } from '../../../shared/container';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { containerName, containerNetworks, containerPorts } from '../lib/format';

export function ContainerRemoveDialog({ container, onClose, onRemoved }: { container: Container; onClose: () => void; onRemoved?: () => void }) {
  const remove = useBerthMutation('container.remove');
  const name = containerName(container);
  const nets = containerNetworks(container);
  const ports = containerPorts(container);
  const running = container.State.Running;
  return (
    <ConfirmDialog
      title={`Remove container ${name}?`}
      confirmLabel={running ? 'Stop and remove' : 'Remove container'}
      busyLabel="Removing…"
      pending={remove.isPending}
      error={remove.error}
      onClose={onClose}
      onConfirm={() => remove.mutate({ name, force: running }, { onSuccess: () => { onRemoved?.(); onClose(); } })}
    >
      <p>This removes:</p>
      <ul className="goes-list">
        {running && <li>the running process (PID {container.State.Pid}), stopped first</li>}
        <li>its network namespace and logs</li>
        {nets.map((n) => <li key={n.network}>its endpoint on <strong>{n.network}</strong>{n.ip && <> (<code>{n.ip}</code>)</>}</li>)}
        {ports.length > 0 && <li>published ports {ports.join(', ')} and their NAT rules</li>}
      </ul>
    </ConfirmDialog>
  );
}
