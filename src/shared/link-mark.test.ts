import { describe, expect, it } from 'vitest';
import { berthLinkMac, hasBerthMac } from './link-mark';

describe('berthLinkMac', () => {
  it('is a locally administered unicast address, the same for the same name', () => {
    for (const name of ['berth0', 'br-0123456789ab', 'veth1a2b3c4']) {
      const mac = berthLinkMac(name);
      expect(mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      expect(parseInt(mac.slice(0, 2), 16) & 0x03).toBe(0x02);
      expect(berthLinkMac(name)).toBe(mac);
      expect(hasBerthMac(name, mac.toUpperCase())).toBe(true);
    }
  });
  it('differs between names and marks no other link', () => {
    const macs = new Set(Array.from({ length: 2000 }, (_, i) => berthLinkMac(`veth${i.toString(16)}`)));
    expect(macs.size).toBe(2000);
    expect(hasBerthMac('br-0123456789ab', berthLinkMac('br-0123456789ac'))).toBe(false);
    expect(hasBerthMac('eth0', undefined)).toBe(false);
  });
});
