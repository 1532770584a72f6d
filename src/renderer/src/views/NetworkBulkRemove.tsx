import { useBerth } from '../api/context';
import type { Network } from '../../../shared/network';
import { BulkConfirm } from '../components/BulkBar';

// Remove every ticked network; one in use is refused by the helper, by
// name, and the others still go.
export function NetworkBulkRemove({ networks, onRemoved, onClose }: { networks: Network[]; onRemoved: (names: string[]) => void; onClose: () => void }) {
  const { transport } = useBerth();
  const inUse = networks.filter((n) => Object.keys(n.Containers).length > 0);
  const what = `${networks.length} network${networks.length === 1 ? '' : 's'}`;
  return (
    <BulkConfirm
      title={`Remove ${what}?`}
      confirmLabel={`Remove ${what}`}
      names={networks.map((n) => n.Name)}
      run={(name) => transport.call('network.remove', { name })}
      onDone={(r) => onRemoved(r.done)}
      onClose={onClose}
    >
      <p>Each network goes with its bridge, address pool and firewall rules.</p>
      {inUse.length > 0 && (
        <p className="callout callout-warn">
          Still in use: {inUse.map((n) => n.Name).join(', ')}. The helper refuses to remove a network in use; the others are removed.
        </p>
      )}
    </BulkConfirm>
  );
}
