import { describe, expect, it } from 'vitest';
import { bindingGroups, defaultHostIps, exposedPorts, parseExpose, parsePublish, portRequests } from './spec';
import { errorOf } from '../testing/berth-error';

const req = (hostIp: string, hostPortStart: number, hostPortEnd: number, containerPort: number, proto = 'tcp') => ({
  hostIp,
  hostPortStart,
  hostPortEnd,
  containerPort,
  proto,
});


describe('parsePublish', () => {
  it.each([
    ['80', [req('', 0, 0, 80)]],
    ['8080:80', [req('', 8080, 8080, 80)]],
    ['8080:80/udp', [req('', 8080, 8080, 80, 'udp')]],
    ['8080:80/SCTP', [req('', 8080, 8080, 80, 'sctp')]],
    ['127.0.0.1:8080:80', [req('127.0.0.1', 8080, 8080, 80)]],
    ['127.0.0.1::80', [req('127.0.0.1', 0, 0, 80)]],
    ['[::]:8080:80', [req('::', 8080, 8080, 80)]],
    ['[::1]:8080:80/udp', [req('::1', 8080, 8080, 80, 'udp')]],
    ['[0:0:0:0:0:0:0:1]:8080:80', [req('::1', 8080, 8080, 80)]],
    ['::1:8080:80', [req('::1', 8080, 8080, 80)]], // bare IPv6, as go-connections splits it
    ['8000-8010:80', [req('', 8000, 8010, 80)]],
    ['0:80', [req('', 0, 0, 80)]],
    [' 8080:80 ', [req('', 8080, 8080, 80)]],
  ])('%s', (spec, want) => {
    expect(parsePublish(spec)).toEqual(want);
  });

  it('expands equal ranges one to one', () => {
    const r = parsePublish('8000-8002:9000-9002/udp');
    expect(r).toEqual([req('', 8000, 8000, 9000, 'udp'), req('', 8001, 8001, 9001, 'udp'), req('', 8002, 8002, 9002, 'udp')]);
  });

  it('gives each port of a container range its own ephemeral port', () => {
    expect(parsePublish('10.0.0.1::80-81')).toEqual([req('10.0.0.1', 0, 0, 80), req('10.0.0.1', 0, 0, 81)]);
  });

  it.each([
    ['', 'no port specified: <empty>'],
    ['8080:', 'no port specified: 8080:<empty>'],
    ['8080:70000', 'invalid containerPort: 70000 (ports are 1-65535)'],
    ['8080:0', 'invalid containerPort: 0 (ports are 1-65535)'],
    ['99999:80', 'invalid hostPort: 99999 (ports are 0-65535)'],
    ['abc:80', 'invalid hostPort: abc (must be a port or a range like 8000-8010)'],
    ['8080:8o', 'invalid containerPort: 8o (must be a port or a range like 8000-8010)'],
    ['8010-8000:80', 'invalid range specified for port: 8010-8000 (start is above end)'],
    ['8080:90-80', 'invalid range specified for port: 90-80 (start is above end)'],
    [
      '8000-8010:80-81',
      'invalid ranges specified for container and host Ports: 80-81 and 8000-8010 (both ranges must have the same length)',
    ],
    [
      '8080:80-81',
      'invalid ranges specified for container and host Ports: 80-81 and 8080 (both ranges must have the same length)',
    ],
    ['8080:80/icmp', 'invalid proto: icmp (must be tcp, udp or sctp)'],
    ['8080:80/', 'invalid proto: <empty> (must be tcp, udp or sctp)'],
    ['1.2.3:8080:80', 'invalid IP address: 1.2.3'],
    ['[fe80::1%eth0]:8080:80', 'invalid IP address: [fe80::1%eth0]'],
    ['localhost:8080:80', 'invalid IP address: localhost'],
    ['0-5:80', 'invalid hostPort: 0-5 (a range starts at 1 or above)'],
  ])('rejects %j', (spec, msg) => {
    const e = errorOf(() => parsePublish(spec));
    expect(e.kind).toBe('invalid_argument');
    expect(e.message).toBe(msg);
    expect(e.message).not.toContain('\n');
  });
});

describe('parseExpose', () => {
  it('parses ports, ranges and protos', () => {
    expect(parseExpose('80')).toEqual([{ port: 80, proto: 'tcp' }]);
    expect(parseExpose('53/udp')).toEqual([{ port: 53, proto: 'udp' }]);
    expect(parseExpose('7000-7002/tcp').map((e) => e.port)).toEqual([7000, 7001, 7002]);
  });
  it.each([
    ['8080:80', 'invalid range format for --expose: 8080:80'],
    ['', 'invalid range format for --expose: <empty>'],
    ['80/foo', 'invalid proto: foo (must be tcp, udp or sctp)'],
    ['90-80', 'invalid range specified for port: 90-80 (start is above end)'],
    ['0', 'invalid port: 0 (ports are 1-65535)'],
  ])('rejects %j', (spec, msg) => {
    expect(errorOf(() => parseExpose(spec)).message).toBe(msg);
  });
});

describe('portRequests', () => {
  it('sorts exact ports before ranges, then by container port and proto, and drops duplicates', () => {
    const r = portRequests({ publish: ['9000-9001:443', '53:53/udp', '8080:80', '53:53/tcp', '8080:80', '81'] });
    expect(r).toEqual([
      req('', 53, 53, 53, 'tcp'),
      req('', 53, 53, 53, 'udp'),
      req('', 8080, 8080, 80),
      req('', 0, 0, 81),
      req('', 9000, 9001, 443),
    ]);
  });

  it('-P publishes every exposed port without an explicit binding on an ephemeral port', () => {
    const r = portRequests({ publish: ['8080:80'], expose: ['80', '53/udp', '7000-7001'], publishAll: true });
    expect(r).toEqual([req('', 8080, 8080, 80), req('', 0, 0, 53, 'udp'), req('', 0, 0, 7000), req('', 0, 0, 7001)]);
  });

  it('validates --expose even without -P', () => {
    expect(() => portRequests({ expose: ['nope'] })).toThrow(/invalid port: nope/);
    expect(portRequests({ expose: ['80'] })).toEqual([]);
  });

  it('lists exposed ports including published ones', () => {
    expect(exposedPorts({ publish: ['8080:80', '53:53/udp'], expose: ['80', '443'] })).toEqual([
      { port: 53, proto: 'udp' },
      { port: 80, proto: 'tcp' },
      { port: 443, proto: 'tcp' },
    ]);
  });
});

describe('default host address', () => {
  it('binds 0.0.0.0, plus [::] only when IPv6 is usable', () => {
    expect(defaultHostIps(false)).toEqual(['0.0.0.0']);
    expect(defaultHostIps(true)).toEqual(['0.0.0.0', '::']);
  });

  it('groups the default-address bindings of one request so they share a port', () => {
    const groups = bindingGroups(portRequests({ publish: ['8080:80', '127.0.0.1:9090:90'] }), { ipv6: true });
    expect(groups).toEqual([[req('0.0.0.0', 8080, 8080, 80), req('::', 8080, 8080, 80)], [req('127.0.0.1', 9090, 9090, 90)]]);
    expect(bindingGroups(parsePublish('80'), { ipv6: false })).toEqual([[req('0.0.0.0', 0, 0, 80)]]);
  });
});
