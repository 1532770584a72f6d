import { describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../../../shared/methods';
import { staleAfter, staleMethods } from './invalidation';

describe('invalidation', () => {
  it('a new network refreshes network and container lists', () => {
    const m = staleMethods({ type: 'network.created', id: '1', name: 'a' });
    expect(m).toContain('network.list');
    expect(m).toContain('network.checkSubnet');
    expect(m).toContain('container.list');
  });
  it('an endpoint change refreshes both tables', () => {
    const m = staleMethods({ type: 'endpoint.joined', network: 'a', sandbox: 'c', ip: '10.0.0.2' });
    expect(m).toEqual(expect.arrayContaining(['network.list', 'container.list', 'network.inspect']));
  });
  it('progress invalidates nothing', () => {
    expect(staleMethods({ type: 'progress', op: 'x', done: 1, total: 2, message: '' })).toEqual([]);
  });
  it('names only contract methods', () => {
    for (const m of [...staleAfter('network.create'), ...staleAfter('container.run'), ...staleAfter('cleanup.apply')])
      expect(METHOD_NAMES).toContain(m);
  });
});
