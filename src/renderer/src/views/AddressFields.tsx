import type { ReactNode } from 'react';
import { tryParseAddr, tryParseCidr } from '../../../shared/ip';
import { Field } from '../components/Field';

// One IP family's subnet, gateway and IP range in the create dialog: the
// same three fields for IPv4 and IPv6 (docker network create --subnet,
// --gateway, --ip-range, once per family; docs/ipv6.md), told apart by
// their labels, hints and the syntax they accept.
export type Family = 4 | 6;
export interface Addresses {
  subnet: string;
  gateway: string;
  ipRange: string;
}
export type AddressErrors = Record<keyof Addresses, string | null>;
export const NO_ADDRESSES: Addresses = { subnet: '', gateway: '', ipRange: '' };

const TEXT = {
  4: {
    label: { subnet: 'Subnet', gateway: 'Gateway', ipRange: 'IP range' },
    hint: { gateway: 'Default: the first address of the subnet.', ipRange: 'Allocate container addresses only from this part of the subnet.' },
    notAddr: 'Not an IPv4 address',
    // the IPv4 subnet's syntax is the helper's live check (network.checkSubnet), with its overlaps
    notCidr: { subnet: null, ipRange: 'Not an IPv4 CIDR (like 10.1.0.128/25)' },
  },
  6: {
    label: { subnet: 'IPv6 subnet', gateway: 'IPv6 gateway', ipRange: 'IPv6 IP range' },
    hint: { gateway: 'Default: the first address of the IPv6 subnet.', ipRange: 'Allocate IPv6 addresses only from this part of the subnet.' },
    notAddr: 'Not an IPv6 address',
    notCidr: { subnet: 'Not an IPv6 CIDR (like fd00:1::/64)', ipRange: 'Not an IPv6 CIDR (like fd00:1::/80)' },
  },
} as const;

const isAddr = (f: Family, t: string) => tryParseAddr(t)?.v6 === (f === 6);
const isCidr = (f: Family, t: string) => tryParseCidr(t)?.v6 === (f === 6);

// What the dialog sees wrong with a family's fields before the helper is
// asked: the syntax; then the helper's own verdict (network.validate) on
// each field, `helperSays` naming the field as the contract does (subnet6 …).
export function addressErrors(f: Family, a: Addresses, helperSays: (field: string) => string | null): AddressErrors {
  const t = TEXT[f];
  const key = (k: keyof Addresses) => (f === 6 ? `${k}6` : k);
  const check = (k: keyof Addresses, ok: (s: string) => boolean, msg: string | null) => {
    const v = a[k].trim();
    return msg && v && !ok(v) ? msg : helperSays(key(k));
  };
  return {
    subnet: check('subnet', (s) => isCidr(f, s), t.notCidr.subnet),
    gateway: check('gateway', (s) => isAddr(f, s), t.notAddr),
    ipRange: check('ipRange', (s) => isCidr(f, s), t.notCidr.ipRange),
  };
}

export function AddressFields({
  family,
  value,
  onChange,
  errors,
  subnet,
}: {
  family: Family;
  value: Addresses;
  onChange: (a: Addresses) => void;
  errors: AddressErrors;
  // the subnet field's hint, warning and placeholder (IPv4: the helper's live check and suggestion)
  subnet: { hint: ReactNode; warning?: string | null; placeholder: string };
}) {
  const t = TEXT[family];
  const input = (k: keyof Addresses, placeholder: string) => (p: { id: string }) => (
    <input {...p} className="mono" value={value[k]} onChange={(e) => onChange({ ...value, [k]: e.target.value })} autoComplete="off" spellCheck={false} placeholder={placeholder} />
  );
  return (
    <>
      <Field label={t.label.subnet} error={errors.subnet} warning={subnet.warning} hint={subnet.hint}>
        {input('subnet', subnet.placeholder)}
      </Field>
      <Field label={t.label.gateway} error={errors.gateway} hint={t.hint.gateway}>
        {input('gateway', 'auto')}
      </Field>
      <Field label={t.label.ipRange} error={errors.ipRange} hint={t.hint.ipRange}>
        {input('ipRange', 'whole subnet')}
      </Field>
    </>
  );
}
