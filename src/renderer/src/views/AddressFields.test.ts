import { describe, expect, it } from 'vitest';
import { addressErrors, NO_ADDRESSES } from './AddressFields';

// The syntax each family's fields accept before the helper is asked, then
// the helper's verdict on the field by its contract name.
describe('addressErrors', () => {
  const quiet = () => null;
  it.each([
    [4, { subnet: '', gateway: '10.1.0.1', ipRange: '10.1.0.128/25' }, { subnet: null, gateway: null, ipRange: null }],
    [4, { subnet: 'x', gateway: 'fd00::1', ipRange: '10.1.0.0' }, { subnet: null, gateway: 'Not an IPv4 address', ipRange: 'Not an IPv4 CIDR (like 10.1.0.128/25)' }],
    [6, { subnet: 'fd00:1::/64', gateway: 'fd00:1::1', ipRange: 'fd00:1::/80' }, { subnet: null, gateway: null, ipRange: null }],
    [6, { subnet: '10.1.0.0/24', gateway: '10.1.0.1', ipRange: 'fd00:1::' }, { subnet: 'Not an IPv6 CIDR (like fd00:1::/64)', gateway: 'Not an IPv6 address', ipRange: 'Not an IPv6 CIDR (like fd00:1::/80)' }],
  ] as const)('IPv%i %o', (family, value, want) => {
    expect(addressErrors(family, value, quiet)).toEqual(want);
  });

  it("passes the helper's word on a well-formed field, asking by the contract's field names", () => {
    const asked: string[] = [];
    const helper = (f: string) => (asked.push(f), f === 'gateway6' ? 'gateway is outside the IPv6 subnet' : null);
    expect(addressErrors(6, { ...NO_ADDRESSES, gateway: 'fd00:9::1' }, helper).gateway).toBe('gateway is outside the IPv6 subnet');
    expect(asked).toEqual(['subnet6', 'gateway6', 'ipRange6']);
  });
});
