import { describe, expect, it } from 'vitest';
import { Ipam } from './ipam';

describe('checkSubnet', () => {
  it('without a subnet reports what automatic allocation would pick', () => {
    const ipam = new Ipam();
    expect(ipam.checkSubnet(undefined, [])).toEqual({ suggested: '172.17.0.0/16', valid: true, overlaps: [] });
    ipam.requestPool('a', {}, []);
    expect(ipam.checkSubnet('', [{ cidr: '172.18.0.0/16', dev: 'docker0' }, { cidr: '0.0.0.0/0', dev: 'eth0' }])).toEqual({
      suggested: '172.19.0.0/16',
      valid: true,
      overlaps: [],
    });
  });

  it('reports exhaustion as invalid with no suggestion', () => {
    const ipam = new Ipam();
    const r = ipam.checkSubnet(undefined, [{ cidr: '172.16.0.0/12' }, { cidr: '192.168.0.0/16' }]);
    expect(r).toEqual({
      suggested: null,
      valid: false,
      error: 'all predefined address pools have been fully subnetted',
      overlaps: [],
    });
  });

  it('flags malformed input', () => {
    const ipam = new Ipam();
    expect(ipam.checkSubnet('10.1.0.0/', [])).toEqual({
      suggested: '172.17.0.0/16',
      valid: false,
      error: 'invalid CIDR address: 10.1.0.0/',
      overlaps: [],
    });
    expect(ipam.checkSubnet('fd00::/200', []).error).toBe('invalid CIDR address: fd00::/200');
  });

  it('normalises and lists route overlaps as warnings only', () => {
    const ipam = new Ipam();
    const r = ipam.checkSubnet('192.168.1.77/24', [
      { cidr: '192.168.1.0/24', dev: 'wlan0' },
      { cidr: '192.168.0.0/16' },
      { cidr: '10.8.0.1', dev: 'tun0' },
    ]);
    expect(r).toEqual({
      suggested: '172.17.0.0/16',
      valid: true,
      normalized: '192.168.1.0/24',
      overlaps: [
        { kind: 'route', what: 'dev wlan0', cidr: '192.168.1.0/24' },
        { kind: 'route', what: 'route', cidr: '192.168.0.0/16' },
      ],
    });
  });

  it('makes a network overlap an error and names every clash', () => {
    const ipam = new Ipam();
    ipam.requestPool('net1', { subnet: '10.1.0.0/24' }, []);
    ipam.requestPool('net2', { subnet: '10.1.1.0/24' }, []);
    const r = ipam.checkSubnet('10.1.0.0/16', [{ cidr: '10.1.0.0/24', dev: 'br-net1' }]);
    expect(r.valid).toBe(false);
    expect(r.error).toBe('Pool overlaps with other one on this address space');
    expect(r.overlaps).toEqual([
      { kind: 'network', what: 'net1', cidr: '10.1.0.0/24' },
      { kind: 'network', what: 'net2', cidr: '10.1.1.0/24' },
      { kind: 'route', what: 'dev br-net1', cidr: '10.1.0.0/24' },
    ]);
    expect(ipam.checkSubnet('10.2.0.0/16', []).valid).toBe(true);
  });

  it('changes nothing', () => {
    const ipam = new Ipam();
    ipam.checkSubnet('10.0.0.0/8', []);
    expect(ipam.has('10.0.0.0/8')).toBe(false);
    expect(ipam.requestPool('a', {}, []).subnet).toBe('172.17.0.0/16');
  });
});
