import { describe, expect, it } from 'vitest';
import { ruleText } from './rule-line';
import type { PublishedPort } from './model';
import { portRules } from './port-rules';

// Golden strings: each line is what `iptables-save` (v1.8.9) printed after
// the rule was added with iptables in a throwaway netns.
const base: PublishedPort = {
  endpointId: 'ep0123456789',
  bridge: 'br-abc',
  containerIp: '172.18.0.2',
  hostIp: '0.0.0.0',
  hostPort: 8080,
  containerPort: 80,
  proto: 'tcp',
};
const lines = (p: Partial<PublishedPort>, opts = {}) =>
  portRules({ ...base, ...p }, opts).map((r) => `${r.table} ${ruleText(r)}`);

describe('portRules', () => {
  it('-p 8080:80: DNAT from outside the bridge and ACCEPT to the container', () => {
    expect(lines({})).toEqual([
      'nat -A BERTH ! -i br-abc -p tcp -m tcp --dport 8080 -m comment --comment "berth:ep0123456789" -j DNAT --to-destination 172.18.0.2:80',
      'filter -A BERTH -d 172.18.0.2/32 ! -i br-abc -o br-abc -p tcp -m tcp --dport 80 -m comment --comment "berth:ep0123456789" -j ACCEPT',
    ]);
    expect(lines({ hostIp: '' })).toEqual(lines({}));
  });

  it('-p 10.0.0.1:8080:80/udp: DNAT only to that address', () => {
    expect(lines({ hostIp: '10.0.0.1', proto: 'udp' })).toEqual([
      'nat -A BERTH -d 10.0.0.1/32 ! -i br-abc -p udp -m udp --dport 8080 -m comment --comment "berth:ep0123456789" -j DNAT --to-destination 172.18.0.2:80',
      'filter -A BERTH -d 172.18.0.2/32 ! -i br-abc -o br-abc -p udp -m udp --dport 80 -m comment --comment "berth:ep0123456789" -j ACCEPT',
    ]);
  });

  it('-p 127.0.0.1:8080:80: raw DROP of loopback traffic from other interfaces', () => {
    expect(lines({ hostIp: '127.0.0.1' })).toEqual([
      'nat -A BERTH -d 127.0.0.1/32 ! -i br-abc -p tcp -m tcp --dport 8080 -m comment --comment "berth:ep0123456789" -j DNAT --to-destination 172.18.0.2:80',
      'filter -A BERTH -d 172.18.0.2/32 ! -i br-abc -o br-abc -p tcp -m tcp --dport 80 -m comment --comment "berth:ep0123456789" -j ACCEPT',
      'raw -A PREROUTING -d 127.0.0.1/32 ! -i lo -p tcp -m tcp --dport 8080 -m comment --comment "berth:ep0123456789" -j DROP',
    ]);
  });

  it('sctp uses the sctp match', () => {
    expect(lines({ proto: 'sctp', hostPort: 9999, containerPort: 9 })[0]).toBe(
      'nat -A BERTH ! -i br-abc -p sctp -m sctp --dport 9999 -m comment --comment "berth:ep0123456789" -j DNAT --to-destination 172.18.0.2:9',
    );
    expect(lines({ proto: 'sctp' }, { sctpChecksum: true })).toContain(
      'mangle -A POSTROUTING -p sctp -m sctp --sport 80 -m comment --comment "berth:ep0123456789" -j CHECKSUM --checksum-fill',
    );
    expect(lines({ proto: 'tcp' }, { sctpChecksum: true })).toHaveLength(2);
  });

  it('hairpin mode (no userland proxy): DNAT from the bridge too, plus per-port MASQUERADE', () => {
    expect(lines({}, { hairpin: true })).toEqual([
      'nat -A BERTH -p tcp -m tcp --dport 8080 -m comment --comment "berth:ep0123456789" -j DNAT --to-destination 172.18.0.2:80',
      'filter -A BERTH -d 172.18.0.2/32 ! -i br-abc -o br-abc -p tcp -m tcp --dport 80 -m comment --comment "berth:ep0123456789" -j ACCEPT',
      'nat -A POSTROUTING -s 172.18.0.2/32 -d 172.18.0.2/32 -p tcp -m tcp --dport 80 -m comment --comment "berth:ep0123456789" -j MASQUERADE',
    ]);
  });

  it('leaves IPv6 host addresses to the userland proxy', () => {
    expect(portRules({ ...base, hostIp: '::' })).toEqual([]);
    expect(portRules({ ...base, hostIp: '[::1]' })).toEqual([]);
  });

  it.each([
    [{ hostIp: 'nope' }, 'invalid IP address: nope'],
    [{ containerIp: 'fd00::2' }, 'container address fd00::2 is not IPv4'],
    [{ hostPort: 0 }, 'invalid port: 0 (ports are 1-65535)'],
    [{ bridge: 'br-abc; iptables -F' }, 'invalid bridge name: br-abc; iptables -F'],
    [{ endpointId: 'a" -j ACCEPT "' }, 'invalid endpoint id: a" -j ACCEPT "'],
  ])('rejects %j', (p, msg) => {
    expect(() => portRules({ ...base, ...p })).toThrow(msg);
  });
});
