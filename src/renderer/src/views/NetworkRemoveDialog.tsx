import { useBerthMutation } from '../api/hooks';
import type { Network } from '../../../shared/network';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { bridgeName } from '../lib/format';

export function NetworkRemoveDialog({ network, onClose, onRemoved }: { network: Network; onClose: () => void; onRemoved?: () => void }) {
  const remove = useBerthMutation('network.remove');
  const attached = Object.values(network.Containers).map((c) => c.Name);
  const subnet = network.IPAM.Config[0]?.Subnet;
  return (
    <ConfirmDialog
      title={`Remove network ${network.Name}?`}
      confirmLabel="Remove network"
      busyLabel="Removing…"
      pending={remove.isPending}
      error={remove.error}
      onClose={onClose}
      onConfirm={() =>
        remove.mutate({ name: network.Name }, { onSuccess: () => { onRemoved?.(); onClose(); } })
      }
    >
      <p>This removes:</p>
      <ul className="goes-list">
        <li>the network <strong>{network.Name}</strong> and its address pool{subnet ? <> <code>{subnet}</code></> : null}</li>
        {network.Driver === 'bridge' && <li>the bridge <code>{bridgeName(network)}</code> and its NAT, isolation and filter rules</li>}
      </ul>
      {attached.length > 0 && (
        <p className="callout callout-warn">
          Still attached: {attached.join(', ')}. Disconnect or remove them first; the helper refuses to remove a network in use.
        </p>
      )}
    </ConfirmDialog>
  );
}
