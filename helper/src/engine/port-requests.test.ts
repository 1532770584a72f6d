import { describe, expect, it } from 'vitest';
import type { PortRecord } from '../store/state';
import { addRequests, containerRequests, matchRecords, remainingSpecs } from './port-requests';

const rec = (hostIp: string, hostPort: number, containerPort: number, spec: string, proto: PortRecord['proto'] = 'tcp'): PortRecord => ({
  hostIp,
  hostPort,
  containerPort,
  proto,
  spec,
});

describe('containerRequests', () => {
  it('keeps the -p value each request came from, -P ones get ""', () => {
    const r = containerRequests({ portSpecs: ['8080:80', '9000-9001:9000-9001'], expose: ['443'], publishAll: true });
    expect(r.map((x) => [x.containerPort, x.hostPortStart, x.spec])).toEqual([
      [80, 8080, '8080:80'],
      [9000, 9000, '9000-9001:9000-9001'],
      [9001, 9001, '9000-9001:9000-9001'],
      [443, 0, ''],
    ]);
  });

  it('refuses bad specs, foreign host addresses and a host port given twice', () => {
    expect(() => containerRequests({ portSpecs: ['70000:80'], expose: [], publishAll: false })).toThrow(/invalid hostPort/);
    expect(() => containerRequests({ portSpecs: ['80/xyz'], expose: [], publishAll: false })).toThrow(/invalid proto/);
    expect(() => containerRequests({ portSpecs: [], expose: ['a'], publishAll: false })).toThrow();
    expect(() => containerRequests({ portSpecs: ['203.0.113.77:8080:80'], expose: [], publishAll: false })).toThrow(/not an address of this host/);
    expect(() => containerRequests({ portSpecs: ['8080:80', '127.0.0.1:8080:81'], expose: [], publishAll: false })).toThrow(/duplicate port mapping/);
    // different protos or loopback addresses are fine
    expect(containerRequests({ portSpecs: ['8080:80', '8080:80/udp', '127.0.0.2:9090:90'], expose: [], publishAll: false })).toHaveLength(3);
  });
});

describe('addRequests', () => {
  it('is a conflict when the host port is already published by the container', () => {
    const have = [rec('0.0.0.0', 8080, 80, '8080:80'), rec('::', 8080, 80, '8080:80')];
    expect(() => addRequests('8080:81', have)).toThrow(/already published by this container/);
    expect(() => addRequests('127.0.0.1:8080:81', have)).toThrow(/already published/);
    expect(addRequests('8081:80', have)).toHaveLength(1);
    expect(addRequests('8080:80/udp', have)).toHaveLength(1);
  });
});

describe('matchRecords / remainingSpecs', () => {
  const recs = [
    rec('0.0.0.0', 8080, 80, '8080:80'),
    rec('::', 8080, 80, '8080:80'),
    rec('127.0.0.1', 9000, 90, '127.0.0.1:9000-9001:90-91'),
    rec('127.0.0.1', 9001, 91, '127.0.0.1:9000-9001:90-91'),
    rec('0.0.0.0', 5353, 53, '5353:53/udp', 'udp'),
  ];

  it('matches by container port/proto, and by host address and port when given', () => {
    expect(matchRecords('80', recs)).toHaveLength(2);
    expect(matchRecords('0.0.0.0:8080:80', recs)).toHaveLength(1);
    expect(matchRecords('8081:80', recs)).toHaveLength(0);
    expect(matchRecords('53/udp', recs)).toHaveLength(1);
    expect(matchRecords('53', recs)).toHaveLength(0);
  });

  it('drops fully removed specs and spells out what is left of partly removed ones', () => {
    const gone = matchRecords('127.0.0.1:9000:90', recs);
    const kept = recs.filter((r) => !gone.includes(r));
    expect(remainingSpecs(['8080:80', '127.0.0.1:9000-9001:90-91', '5353:53/udp'], kept, gone)).toEqual([
      '8080:80',
      '127.0.0.1:9001:91/tcp',
      '5353:53/udp',
    ]);
    const all80 = matchRecords('80', recs);
    expect(remainingSpecs(['8080:80'], recs.filter((r) => !all80.includes(r)), all80)).toEqual([]);
  });
});
