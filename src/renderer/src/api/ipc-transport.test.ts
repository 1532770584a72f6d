import { describe, expect, it, vi } from 'vitest';
import type { BerthBridge } from '../../../preload/bridge';
import { ipcTransport } from './ipc-transport';

const bridge = (result: unknown): BerthBridge =>
  ({ call: vi.fn(async () => result), api: {} as never, onEvent: () => () => {}, onState: () => () => {}, openPortUrl: vi.fn() }) as BerthBridge;

describe('ipcTransport', () => {
  it('unwraps ok envelopes', async () => {
    const b = bridge({ ok: true, value: [{ Name: 'a' }] });
    await expect(ipcTransport(b).call('network.list', {})).resolves.toEqual([{ Name: 'a' }]);
    expect(b.call).toHaveBeenCalledWith('network.list', {});
  });
  it('turns error envelopes into BerthErrors with their kind', async () => {
    const t = ipcTransport(bridge({ ok: false, error: { kind: 'in_use', message: 'network a has active endpoints' } }));
    await expect(t.call('network.remove', { name: 'a' })).rejects.toMatchObject({ name: 'BerthError', kind: 'in_use', message: 'network a has active endpoints' });
  });
  it('hands a published port\'s URL to the bridge (main checks and opens it)', () => {
    const b = bridge(null);
    ipcTransport(b).openPortUrl!('http://127.0.0.1:8080/');
    expect(b.openPortUrl).toHaveBeenCalledWith('http://127.0.0.1:8080/');
  });
});
