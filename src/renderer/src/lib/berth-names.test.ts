import { describe, expect, it } from 'vitest';
import { berthNames, berthTag } from './berth-names';
import { hostPrefix } from './format';
import type { Container } from '../../../shared/container';
import type { Network } from '../../../shared/network';

describe('Berth tags as names', () => {
  const net = { Id: '9dd3e6a34ec4' + 'a'.repeat(52), Name: 'front' } as Network;
  const ctr = {
    Id: 'c'.repeat(64),
    Name: '/web',
    NetworkSettings: { Networks: { front: { EndpointID: '79c9b1b45e6d' + 'b'.repeat(52) } } },
  } as unknown as Container;

  it('reads the tag of a comment or alias', () => {
    expect(berthTag('berth:9dd3e6a34ec4')).toBe('9dd3e6a34ec4');
    expect(berthTag('Docker: berth:79c9b1b45e6d x')).toBe('79c9b1b45e6d');
    expect(berthTag('berth:short')).toBeNull();
    expect(berthTag(undefined)).toBeNull();
  });

  it('names a network by its id and a container by its endpoint id', () => {
    const names = berthNames([net], [ctr]);
    expect(names.get('9dd3e6a34ec4')).toEqual({ kind: 'network', id: net.Id, name: 'front' });
    expect(names.get('79c9b1b45e6d')).toEqual({ kind: 'container', id: ctr.Id, name: 'web', network: 'front' });
  });

  it('writes an IPv6 host address in brackets, as the Ports view does', () => {
    expect(hostPrefix('::')).toBe('[::]:');
    expect(hostPrefix('0.0.0.0')).toBe('0.0.0.0:');
    expect(hostPrefix('127.0.0.1')).toBe('127.0.0.1:');
  });
});
