import { useState } from 'react';
import { useBerthMutation, useBerthQuery } from '../api/hooks';
import { BRIDGE_OPTS, type Network } from '../../../shared/network';
import { isCIDRv4, isIPv4, NAME_RE } from '../../../shared/validators';
import { isIPv6, tryParseCidr } from '../../../shared/ip';
import { Dialog } from '../components/Dialog';
import { ErrorMessage } from '../components/ErrorMessage';
import { Field } from '../components/Field';
import { Spinner } from '../components/Spinner';
import { Toggle } from '../components/Toggle';
import { parseLabels } from '../lib/format';
import { useDebounced } from '../lib/useDebounced';
import { subnetStatus } from './subnet-status';

export function NetworkCreateDialog({ onClose, onCreated }: { onClose: () => void; onCreated?: (n: Network) => void }) {
  const [name, setName] = useState('');
  const [subnet, setSubnet] = useState('');
  const [gateway, setGateway] = useState('');
  const [ipRange, setIpRange] = useState('');
  const [internal, setInternal] = useState(false);
  const [icc, setIcc] = useState(true);
  const [masq, setMasq] = useState(true);
  const [mtu, setMtu] = useState('');
  const [labels, setLabels] = useState('');
  // dual stack / IPv6-only, as docker network create --ipv6 [--ipv4=false] (docs/ipv6.md)
  const [ipv6, setIpv6] = useState(false);
  const [ipv4, setIpv4] = useState(true);
  const [subnet6, setSubnet6] = useState('');
  const [gateway6, setGateway6] = useState('');
  const [ipRange6, setIpRange6] = useState('');
  const create = useBerthMutation('network.create');

  const v4 = ipv4 || !ipv6; // IPv4 can only be turned off for an IPv6 network
  const typed = v4 ? subnet.trim() : '';
  const debounced = useDebounced(typed, 150);
  const check = useBerthQuery('network.checkSubnet', debounced ? { subnet: debounced } : {}, { staleTime: 0 });
  const suggestion = useBerthQuery('network.checkSubnet', {}, { staleTime: 0 }).data?.suggested ?? null;
  const checking = typed !== debounced || check.isFetching;
  const live = typed && !checking && debounced === typed ? subnetStatus(check.data) : { error: null, warning: null };

  // the helper's own checks as the user types (network.validate: what the create would refuse, nothing changed)
  const sixFields = { ipv4: v4, ipv6: true, subnet6: subnet6.trim(), gateway6: gateway6.trim(), ipRange6: ipRange6.trim() };
  const fields = useDebounced(
    JSON.stringify({ name, subnet: typed, gateway: v4 ? gateway.trim() : '', ipRange: v4 ? ipRange.trim() : '', ...(ipv6 ? sixFields : {}) }),
    200,
  );
  const validation = useBerthQuery('network.validate', JSON.parse(fields), { staleTime: 0 });
  const helperSays = (field: string) => validation.data?.problems.find((x) => x.field === field)?.message ?? null;
  const nameError = name && !NAME_RE.test(name) ? 'Only letters, digits and _ . - (starting with a letter or digit)' : name.length > 64 ? 'At most 64 characters' : helperSays('name');
  const gatewayError = !v4 ? null : gateway && !isIPv4(gateway.trim()) ? 'Not an IPv4 address' : helperSays('gateway');
  const rangeError = !v4 ? null : ipRange && !isCIDRv4(ipRange.trim()) ? 'Not an IPv4 CIDR (like 10.1.0.128/25)' : helperSays('ipRange');
  const subnetError = !v4 ? null : helperSays('subnet') ?? live.error;
  const isCidr6 = (t: string) => tryParseCidr(t.trim())?.v6 === true;
  const subnet6Error = !ipv6 ? null : subnet6.trim() && !isCidr6(subnet6) ? 'Not an IPv6 CIDR (like fd00:1::/64)' : helperSays('subnet6');
  const gateway6Error = !ipv6 ? null : gateway6.trim() && !isIPv6(gateway6.trim()) ? 'Not an IPv6 address' : helperSays('gateway6');
  const range6Error = !ipv6 ? null : ipRange6.trim() && !isCidr6(ipRange6) ? 'Not an IPv6 CIDR (like fd00:1::/80)' : helperSays('ipRange6');
  const sixError = subnet6Error ?? gateway6Error ?? range6Error;
  // the helper's dry run has not caught up with what is typed yet
  const pending = fields !== JSON.stringify({ name, subnet: typed, gateway: v4 ? gateway.trim() : '', ipRange: v4 ? ipRange.trim() : '', ...(ipv6 ? sixFields : {}) }) || validation.isFetching;
  const mtuN = Number(mtu);
  const mtuError = mtu && (!Number.isInteger(mtuN) || mtuN < 68 || mtuN > 65535) ? 'MTU between 68 and 65535' : null;
  const parsedLabels = parseLabels(labels);
  const invalid =
    !name || !!nameError || !!subnetError || !!gatewayError || !!rangeError || !!sixError || !!mtuError || !!parsedLabels.error || (typed !== '' && checking) || (ipv6 && pending);

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
          subnet: both(typed, subnet6),
          gateway: both(v4 ? gateway : '', gateway6),
          ipRange: both(v4 ? ipRange : '', ipRange6),
        }
      : { subnet: typed || undefined, gateway: gateway.trim() || undefined, ipRange: ipRange.trim() || undefined };
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
        {v4 && (<>
        <Field
          label="Subnet"
          error={subnetError}
          warning={live.warning}
          hint={typed && checking ? 'Checking…' : typed && check.data?.valid ? 'Free to use.' : suggestion ? <>Leave empty for the next free subnet, <button type="button" className="link-button" onClick={() => setSubnet(suggestion)}>{suggestion}</button></> : 'Leave empty to pick the next free subnet.'}
        >
          {(p) => <input {...p} className="mono" value={subnet} onChange={(e) => setSubnet(e.target.value)} autoComplete="off" spellCheck={false} placeholder={suggestion ?? '10.1.0.0/24'} />}
        </Field>
        <Field label="Gateway" error={gatewayError} hint="Default: the first address of the subnet.">
          {(p) => <input {...p} className="mono" value={gateway} onChange={(e) => setGateway(e.target.value)} autoComplete="off" spellCheck={false} placeholder="auto" />}
        </Field>
        <Field label="IP range" error={rangeError} hint="Allocate container addresses only from this part of the subnet.">
          {(p) => <input {...p} className="mono" value={ipRange} onChange={(e) => setIpRange(e.target.value)} autoComplete="off" spellCheck={false} placeholder="whole subnet" />}
        </Field>
        </>)}
        <div className="toggles">
          <Toggle label="IPv6" hint="Give the network an IPv6 subnet too (--ipv6): dual stack." checked={ipv6} onChange={setIpv6} />
          {ipv6 && <Toggle label="IPv4" hint="Off: an IPv6-only network (--ipv4=false)." checked={ipv4} onChange={setIpv4} />}
        </div>
        {ipv6 && (<>
        <Field label="IPv6 subnet" error={subnet6Error} hint="Leave empty for a free /64 of the host's ULA prefix.">
          {(p) => <input {...p} className="mono" value={subnet6} onChange={(e) => setSubnet6(e.target.value)} autoComplete="off" spellCheck={false} placeholder="auto (fdXX:…::/64)" />}
        </Field>
        <Field label="IPv6 gateway" error={gateway6Error} hint="Default: the first address of the IPv6 subnet.">
          {(p) => <input {...p} className="mono" value={gateway6} onChange={(e) => setGateway6(e.target.value)} autoComplete="off" spellCheck={false} placeholder="auto" />}
        </Field>
        <Field label="IPv6 IP range" error={range6Error} hint="Allocate IPv6 addresses only from this part of the subnet.">
          {(p) => <input {...p} className="mono" value={ipRange6} onChange={(e) => setIpRange6(e.target.value)} autoComplete="off" spellCheck={false} placeholder="whole subnet" />}
        </Field>
        </>)}
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
