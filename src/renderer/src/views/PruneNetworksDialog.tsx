import { useBerthMutation } from '../api/hooks';
import type { Network } from '../../../shared/network';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { PREDEFINED } from '../lib/format';

export function PruneNetworksDialog({ networks, onClose }: { networks: Network[]; onClose: () => void }) {
  const prune = useBerthMutation('network.prune');
  const unused = networks.filter((n) => !PREDEFINED.has(n.Name) && Object.keys(n.Containers).length === 0).map((n) => n.Name);
  if (prune.data) {
    return (
      <ConfirmDialog title="Networks pruned" confirmLabel="Done" danger={false} onConfirm={onClose} onClose={onClose}>
        {prune.data.removed.length ? <p>Removed: {prune.data.removed.join(', ')}</p> : <p>Nothing to remove.</p>}
      </ConfirmDialog>
    );
  }
  return (
    <ConfirmDialog
      title="Prune unused networks?"
      confirmLabel={unused.length ? `Remove ${unused.length} network${unused.length === 1 ? '' : 's'}` : 'Prune'}
      busyLabel="Pruning…"
      pending={prune.isPending}
      error={prune.error}
      onClose={onClose}
      onConfirm={() => prune.mutate({})}
    >
      {unused.length ? (
        <>
          <p>Networks with nothing attached go, with their bridges and rules:</p>
          <ul className="goes-list">{unused.map((n) => <li key={n}><strong>{n}</strong></li>)}</ul>
        </>
      ) : (
        <p>Every network has something attached (or is predefined); nothing should go.</p>
      )}
    </ConfirmDialog>
  );
}
