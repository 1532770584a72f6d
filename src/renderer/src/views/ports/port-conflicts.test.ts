import { describe, expect, it } from 'vitest';
import type { PortMapping } from '../../../../shared/ports';
import { checkDraft, hostIpsOverlap, mappingSpec, type Draft, type Owned } from './port-conflicts';

const m = (container: string, hostIp: string, hostPort: number, containerPort = 80, proto: PortMapping['proto'] = 'tcp'): Owned => ({
  container, mapping: { hostIp, hostPort, containerPort, proto, containerIp: '172.18.0.2' },
});
const d = (x: Partial<Draft>): Draft => ({ hostIp: '0.0.0.0', hostPort: '', containerPort: '80', proto: 'tcp', ...x });
const table = [m('web', '0.0.0.0', 8080), m('web', '::', 8080), m('db', '127.0.0.1', 5432, 5432), m('dns', '0.0.0.0', 5353, 53, 'udp')];

describe('checkDraft', () => {
  it('builds Docker -p text', () => {
    expect(checkDraft(d({ hostIp: '127.0.0.1', hostPort: '9000' }), []).spec).toBe('127.0.0.1:9000:80/tcp');
    expect(checkDraft(d({ hostPort: '9000' }), []).spec).toBe('0.0.0.0:9000:80/tcp');
    expect(checkDraft(d({ hostIp: '', hostPort: '9000' }), []).spec).toBe('9000:80/tcp');
    expect(checkDraft(d({ hostIp: '' }), []).spec).toBe('80/tcp');
    expect(checkDraft(d({ hostIp: '::1', hostPort: '9000', proto: 'udp' }), []).spec).toBe('[::1]:9000:80/udp');
    expect(checkDraft(d({ hostIp: '127.0.0.1' }), []).spec).toBe('127.0.0.1::80/tcp');
    expect(checkDraft(d({ hostPort: '9000-9001', containerPort: '80-81' }), []).spec).toBe('0.0.0.0:9000-9001:80-81/tcp');
  });

  it('says what is wrong with each field as it is typed', () => {
    expect(checkDraft(d({ hostIp: '10.0.0' }), []).errors.hostIp).toMatch(/IPv4 or IPv6/);
    expect(checkDraft(d({ hostPort: '70000' }), []).errors.hostPort).toMatch(/1–65535/);
    expect(checkDraft(d({ containerPort: '' }), []).errors.containerPort).toBe('Required');
    expect(checkDraft(d({ containerPort: 'http' }), []).errors.containerPort).toMatch(/1–65535/);
    expect(checkDraft(d({ hostPort: '9000', containerPort: '80-81' }), []).errors.hostPort).toMatch(/same length/);
    expect(checkDraft(d({ hostPort: '9000' }), []).spec).not.toBeNull();
  });

  it('finds the same host IP/port/proto in the table, with 0.0.0.0 overlapping specific IPv4s', () => {
    const same = checkDraft(d({ hostPort: '8080' }), table);
    expect(same.conflicts.map((c) => c.container)).toEqual(['web']);
    expect(same.errors.hostPort).toBe('0.0.0.0:8080/tcp is already published by web');
    expect(same.spec).toBeNull();
    expect(checkDraft(d({ hostIp: '127.0.0.1', hostPort: '8080' }), table).conflicts).toHaveLength(1); // under 0.0.0.0
    expect(checkDraft(d({ hostIp: '0.0.0.0', hostPort: '5432' }), table).conflicts[0].container).toBe('db'); // covers 127.0.0.1
    expect(checkDraft(d({ hostIp: '127.0.0.2', hostPort: '5432' }), table).conflicts).toEqual([]);
    expect(checkDraft(d({ hostIp: '', hostPort: '8080' }), table).conflicts).toHaveLength(2); // both families
    expect(checkDraft(d({ hostIp: '::1', hostPort: '8080' }), table).conflicts.map((c) => c.mapping.hostIp)).toEqual(['::']);
  });

  it('the protocol counts, an ephemeral port never conflicts, a range only when full', () => {
    expect(checkDraft(d({ hostPort: '5353', proto: 'tcp' }), table).conflicts).toEqual([]);
    expect(checkDraft(d({ hostPort: '5353', proto: 'udp' }), table).conflicts).toHaveLength(1);
    expect(checkDraft(d({ hostPort: '' }), table).conflicts).toEqual([]);
    expect(checkDraft(d({ hostPort: '8080-8081' }), table).conflicts).toEqual([]);
    expect(checkDraft(d({ hostPort: '8080-8080' }), table).conflicts).toHaveLength(1);
    expect(checkDraft(d({ hostPort: '8079-8080', containerPort: '79-80' }), table).conflicts).toHaveLength(1);
  });
});

describe('helpers', () => {
  it('hostIpsOverlap', () => {
    expect(hostIpsOverlap('0.0.0.0', '10.0.0.1')).toBe(true);
    expect(hostIpsOverlap('10.0.0.2', '10.0.0.1')).toBe(false);
    expect(hostIpsOverlap('::', '0.0.0.0')).toBe(false);
    expect(hostIpsOverlap('', '::1')).toBe(true);
  });
  it('mappingSpec', () => {
    expect(mappingSpec({ hostIp: '::', hostPort: 8080, containerPort: 80, proto: 'tcp' })).toBe('[::]:8080:80/tcp');
  });
});
