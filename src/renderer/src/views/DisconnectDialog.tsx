import { useState } from 'react';
import { useBerthMutation } from '../api/hooks';
import { Dialog } from '../components/Dialog';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';
import { Spinner } from '../components/Spinner';
import type { SandboxTarget } from './ContainersView';

export function DisconnectDialog({ target, onClose }: { target: SandboxTarget; onClose: () => void }) {
  const disconnect = useBerthMutation('network.disconnect');
  const [network, setNetwork] = useState(target.attached[0] ?? '');
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (!network || disconnect.isPending) return;
    disconnect.mutate({ network, target: target.ref }, { onSuccess: onClose });
  };
  return (
    <Dialog
      title={`Disconnect ${target.label}`}
      description="Removes its interface on that network and frees the address."
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>Cancel</button>
          <button type="submit" form="disconnect-network" className="button button-danger" disabled={!network || disconnect.isPending}>
            {disconnect.isPending ? <Spinner label="Disconnecting…" /> : 'Disconnect'}
          </button>
        </>
      }
    >
      <form id="disconnect-network" className="form-stack" onSubmit={submit} noValidate>
        <Field label="Network">
          {(p) => (
            <select {...p} data-autofocus value={network} onChange={(e) => setNetwork(e.target.value)}>
              {target.attached.map((n) => <option key={n} value={n}>{n}</option>)}
            </select>
          )}
        </Field>
      </form>
      <ErrorMessage error={disconnect.error} title="The helper refused" />
    </Dialog>
  );
}
