import { describe, expect, it } from 'vitest';
import type { PortMapping } from '../../../src/shared/ports';
import { formatHostAddr, formatPort, formatPortLines, formatPortsColumn, naturalCompare } from './format';

const m = (hostIp: string, hostPort: number, containerPort: number, proto: PortMapping['proto'] = 'tcp'): PortMapping => ({
  hostIp,
  hostPort,
  containerPort,
  proto,
});

describe('docker port output', () => {
  it('formats one mapping', () => {
    expect(formatPort(m('0.0.0.0', 8080, 80))).toBe('80/tcp -> 0.0.0.0:8080');
    expect(formatPort(m('::', 8080, 80))).toBe('80/tcp -> [::]:8080');
    expect(formatPort(m('::1', 5353, 53, 'udp'))).toBe('53/udp -> [::1]:5353');
    expect(formatHostAddr(m('127.0.0.1', 8080, 80))).toBe('127.0.0.1:8080');
  });

  it('natural-sorts the lines', () => {
    const lines = formatPortLines([m('0.0.0.0', 8443, 443), m('::', 8080, 80), m('0.0.0.0', 8080, 80), m('0.0.0.0', 5353, 53, 'udp'), m('0.0.0.0', 9000, 8080)]);
    expect(lines).toEqual([
      '53/udp -> 0.0.0.0:5353',
      '80/tcp -> 0.0.0.0:8080',
      '80/tcp -> [::]:8080',
      '443/tcp -> 0.0.0.0:8443',
      '8080/tcp -> 0.0.0.0:9000',
    ]);
  });

  it('filters by container port, proto defaulting to tcp', () => {
    const all = [m('0.0.0.0', 8080, 80), m('::', 8080, 80), m('0.0.0.0', 5353, 80, 'udp')];
    expect(formatPortLines(all, '80')).toEqual(['0.0.0.0:8080', '[::]:8080']);
    expect(formatPortLines(all, '80/udp')).toEqual(['0.0.0.0:5353']);
    expect(formatPortLines(all, '81')).toEqual([]);
  });

  it('compares digit runs as numbers', () => {
    expect(['a10', 'a9', 'a100', 'b1'].sort(naturalCompare)).toEqual(['a9', 'a10', 'a100', 'b1']);
    expect(naturalCompare('x', 'x')).toBe(0);
  });
});

describe('ps PORTS column', () => {
  it('prints mapped ports as host->container', () => {
    expect(formatPortsColumn([m('0.0.0.0', 8080, 80), m('::', 8080, 80)])).toBe('0.0.0.0:8080->80/tcp, [::]:8080->80/tcp');
  });

  it('groups same-numbered consecutive ports into ranges', () => {
    const ms = [8000, 8001, 8002].flatMap((p) => [m('0.0.0.0', p, p), m('::', p, p)]);
    expect(formatPortsColumn(ms)).toBe('0.0.0.0:8000-8002->8000-8002/tcp, [::]:8000-8002->8000-8002/tcp');
  });

  it('prints exposed-only ports bare and mapped ones last', () => {
    const col = formatPortsColumn([m('0.0.0.0', 32768, 80), m('0.0.0.0', 53, 53, 'udp')], [
      { port: 80, proto: 'tcp' },
      { port: 443, proto: 'tcp' },
      { port: 444, proto: 'tcp' },
      { port: 9000, proto: 'tcp' },
    ]);
    // docker/cli's quirk kept: a group closed by a gap prints before the groups still open.
    expect(col).toBe('443-444/tcp, 0.0.0.0:53->53/udp, 9000/tcp, 0.0.0.0:32768->80/tcp');
  });

  it('is empty with no ports', () => {
    expect(formatPortsColumn([])).toBe('');
  });
});
