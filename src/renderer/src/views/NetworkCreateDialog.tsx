import { useState } from 'react';
import { useBerthMutation, useBerthQuery } from '../api/hooks';
import { BRIDGE_OPTS, type Network } from '../../../shared/network';
import { NAME_RE } from '../../../shared/validators';
import { Dialog } from '../components/Dialog';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';
import { Spinner } from '../components/Spinner';
import { Toggle } from '../components/Toggle';
import { parseLabels } from '../lib/format';
import { useDebounced } from '../lib/useDebounced';
import { AddressFields, addressErrors, NO_ADDRESSES, type Addresses } from './AddressFields';
import { subnetStatus } from './subnet-status';

export function NetworkCreateDialog({ onClose, onCreated }: { onClose: () => void; onCreated?: (n: Network) => void }) {
  const [name, setName] = useState('');
  const [four, setFour] = useState<Addresses>(NO_ADDRESSES);
  const [internal, setInternal] = useState(false);
  const [icc, setIcc] = useState(true);
  const [masq, setMasq] = useState(true);
  const [mtu, setMtu] = useState('');
  const [labels, setLabels] = useState('');
  // dual stack / IPv6-only, as docker network create --ipv6 [--ipv4=false] (docs/ipv6.md)
  const [ipv6, setIpv6] = useState(false);
  const [ipv4, setIpv4] = useState(true);
  const [six, setSix] = useState<Addresses>(NO_ADDRESSES);
  const create = useBerthMutation('network.create');

  const v4 = ipv4 || !ipv6; // IPv4 can only be turned off for an IPv6 network
  const typed = v4 ? four.subnet.trim() : '';
  const debounced = useDebounced(typed, 150);
  const check = useBerthQuery('network.checkSubnet', debounced ? { subnet: debounced } : {}, { staleTime: 0 });
  const suggestion = useBerthQuery('network.checkSubnet', {}, { staleTime: 0 }).data?.suggested ?? null;
  const checking = typed !== debounced || check.isFetching;
  const live = typed && !checking && debounced === typed ? subnetStatus(check.data) : { error: null, warning: null };

  // the helper's own checks as the user types (network.validate: what the create would refuse, nothing changed)
  const sixFields = { ipv4: v4, ipv6: true, subnet6: six.subnet.trim(), gateway6: six.gateway.trim(), ipRange6: six.ipRange.trim() };
  const asked = JSON.stringify({ name, subnet: typed, gateway: v4 ? four.gateway.trim() : '', ipRange: v4 ? four.ipRange.trim() : '', ...(ipv6 ? sixFields : {}) });
  const fields = useDebounced(asked, 200);
  const validation = useBerthQuery('network.validate', JSON.parse(fields), { staleTime: 0 });
  const helperSays = (field: string) => validation.data?.problems.find((x) => x.field === field)?.message ?? null;
  const nameError = name && !NAME_RE.test(name) ? 'Only letters, digits and _ . - (starting with a letter or digit)' : name.length > 64 ? 'At most 64 characters' : helperSays('name');
  const fourErrors = addressErrors(4, four, helperSays);
  fourErrors.subnet ??= live.error;
  const sixErrors = addressErrors(6, six, helperSays);
  const familyError = (v4 && Object.values(fourErrors).some(Boolean)) || (ipv6 && Object.values(sixErrors).some(Boolean));
  // the helper's dry run has not caught up with what is typed yet
  const pending = fields !== asked || validation.isFetching;
  const mtuN = Number(mtu);
  const mtuError = mtu && (!Number.isInteger(mtuN) || mtuN < 68 || mtuN > 65535) ? 'MTU between 68 and 65535' : null;
  const parsedLabels = parseLabels(labels);
  const invalid =
    !name || !!nameError || familyError || !!mtuError || !!parsedLabels.error || (typed !== '' && checking) || (ipv6 && pending);

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (invalid || create.isPending) return;
    const options: Record<string, string> = { [BRIDGE_OPTS.icc]: String(icc), [BRIDGE_OPTS.masquerade]: String(masq) };
    if (mtu) options[BRIDGE_OPTS.mtu] = String(mtuN);
    // IPv6: each family's values, paired with their subnet by the helper
    const both = (a: string, b: string) => [a.trim(), b.trim()].filter(Boolean);
    const family = ipv6
      ? {
          ipv6: true,
          ...(v4 ? {} : { ipv4: false }),
          subnet: both(typed, six.subnet),
          gateway: both(v4 ? four.gateway : '', six.gateway),
          ipRange: both(v4 ? four.ipRange : '', six.ipRange),
        }
      : { subnet: typed || undefined, gateway: four.gateway.trim() || undefined, ipRange: four.ipRange.trim() || undefined };
    create.mutate(
      {
        name,
        ...family,
        internal,
        options,
        labels: parsedLabels.labels,
      },
      { onSuccess: (n) => { onCreated?.(n); onClose(); } },
    );
  };

  return (
    <Dialog
      title="Create network"
      description="A bridge network with its own subnet, like docker network create."
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>Cancel</button>
          <button type="submit" form="create-network" className="button button-primary" disabled={invalid || create.isPending}>
            {create.isPending ? <Spinner label="Creating…" /> : 'Create'}
          </button>
        </>
      }
    >
      <form id="create-network" className="form-grid" onSubmit={submit} noValidate>
        <Field label="Name" error={nameError} hint="Used as the network's name in every command.">
          {(p) => <input {...p} data-autofocus value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" spellCheck={false} placeholder="my-net" />}
        </Field>
        {v4 && (
          <AddressFields
            family={4}
            value={four}
            onChange={setFour}
            errors={fourErrors}
            subnet={{
              warning: live.warning,
              placeholder: suggestion ?? '10.1.0.0/24',
              hint:
                typed && checking ? 'Checking…'
                : typed && check.data?.valid ? 'Free to use.'
                : suggestion ? <>Leave empty for the next free subnet, <button type="button" className="link-button" onClick={() => setFour({ ...four, subnet: suggestion })}>{suggestion}</button></>
                : 'Leave empty to pick the next free subnet.',
            }}
          />
        )}
        <div className="toggles">
          <Toggle label="IPv6" hint="Give the network an IPv6 subnet too (--ipv6): dual stack." checked={ipv6} onChange={setIpv6} />
          {ipv6 && <Toggle label="IPv4" hint="Off: an IPv6-only network (--ipv4=false)." checked={ipv4} onChange={setIpv4} />}
        </div>
        {ipv6 && (
          <AddressFields
            family={6}
            value={six}
            onChange={setSix}
            errors={sixErrors}
            subnet={{ hint: "Leave empty for a free /64 of the host's ULA prefix.", placeholder: 'auto (fdXX:…::/64)' }}
          />
        )}
        <Field label="MTU" error={mtuError}>
          {(p) => <input {...p} inputMode="numeric" value={mtu} onChange={(e) => setMtu(e.target.value)} placeholder="1500" />}
        </Field>
        <Field label="Labels" error={parsedLabels.error ?? null} hint="KEY=VALUE, one per line.">
          {(p) => <textarea {...p} className="mono" rows={2} value={labels} onChange={(e) => setLabels(e.target.value)} spellCheck={false} />}
        </Field>
        <div className="toggles">
          <Toggle label="Internal" hint="No route to or from outside the subnet." checked={internal} onChange={setInternal} />
          <Toggle label="Inter-container traffic (icc)" hint="Containers on this network can reach each other." checked={icc} onChange={setIcc} />
          <Toggle label="IP masquerade" hint="NAT traffic leaving the subnet to the host's address." checked={masq} onChange={setMasq} />
        </div>
      </form>
      <ErrorMessage error={create.error} title="The helper refused" />
    </Dialog>
  );
}
