import { useState } from 'react';
import { useBerthMutation, useBerthQuery } from '../api/hooks';
import { isIPv4 } from '../../../shared/validators';
import { Dialog } from '../components/Dialog';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';
import { Spinner } from '../components/Spinner';
import type { SandboxTarget } from './ContainersView';

export function ConnectDialog({ target, onClose }: { target: SandboxTarget; onClose: () => void }) {
  const networks = useBerthQuery('network.list', {});
  const connect = useBerthMutation('network.connect');
  const choices = (networks.data ?? []).filter((n) => n.Driver === 'bridge' && !target.attached.includes(n.Name)).map((n) => n.Name);
  const [network, setNetwork] = useState('');
  const [ip, setIp] = useState('');
  const chosen = network || choices[0] || '';
  const ipError = ip && !isIPv4(ip.trim()) ? 'Not an IPv4 address' : null;

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (!chosen || ipError || connect.isPending) return;
    connect.mutate({ network: chosen, target: target.ref, ip: ip.trim() || undefined }, { onSuccess: onClose });
  };
  return (
    <Dialog
      title={`Connect ${target.label}`}
      description="Adds a veth pair: one end on the network's bridge, the other inside the sandbox as the next ethN."
      onClose={onClose}
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>Cancel</button>
          <button type="submit" form="connect-network" className="button button-primary" disabled={!chosen || !!ipError || connect.isPending}>
            {connect.isPending ? <Spinner label="Connecting…" /> : 'Connect'}
          </button>
        </>
      }
    >
      <form id="connect-network" className="form-stack" onSubmit={submit} noValidate>
        {networks.data && choices.length === 0 ? (
          <p className="callout callout-warn">It is on every bridge network already. Create another network first.</p>
        ) : (
          <Field label="Network">
            {(p) => (
              <select {...p} data-autofocus value={chosen} onChange={(e) => setNetwork(e.target.value)}>
                {choices.map((n) => <option key={n} value={n}>{n}</option>)}
              </select>
            )}
          </Field>
        )}
        <Field label="IPv4 address" error={ipError} hint="Optional; the next free address otherwise.">
          {(p) => <input {...p} className="mono" value={ip} onChange={(e) => setIp(e.target.value)} placeholder="auto" autoComplete="off" />}
        </Field>
      </form>
      <ErrorMessage error={connect.error} title="The helper refused" />
    </Dialog>
  );
}
