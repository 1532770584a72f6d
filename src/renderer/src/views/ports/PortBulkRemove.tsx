import { useBerth } from '../../api/context';
import { BulkConfirm } from '../../components/BulkBar';

// A ticked mapping's key, as the dialog lists it: "<container>: <spec>"
// (container names hold no ": "; a spec is what `berth port add` takes).
export const mappingKey = (container: string, spec: string) => `${container}: ${spec}`;
const splitKey = (key: string) => {
  const at = key.indexOf(': ');
  return { container: key.slice(0, at), spec: key.slice(at + 2) };
};

// Remove every ticked mapping, one call each; one that fails is named and
// the others still go. What went comes back in onRemoved (for the undo).
export function PortBulkRemove({ keys, onRemoved, onClose }: { keys: string[]; onRemoved: (removed: { container: string; spec: string }[]) => void; onClose: () => void }) {
  const { transport } = useBerth();
  const what = `${keys.length} mapping${keys.length === 1 ? '' : 's'}`;
  return (
    <BulkConfirm
      title={`Remove ${what}?`}
      confirmLabel={`Remove ${what}`}
      names={keys}
      run={(key) => transport.call('port.remove', splitKey(key))}
      onDone={(r) => r.done.length && onRemoved(r.done.map(splitKey))}
      onClose={onClose}
    >
      <p>Each host port is released at once, with its firewall rules; the containers keep running.</p>
    </BulkConfirm>
  );
}
