// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeTransport, network, renderWith } from '../test-utils';
import { NetworksView } from './NetworksView';

afterEach(cleanup);

describe('NetworksView', () => {
  it('says what to do when there are no networks', async () => {
    const { transport } = fakeTransport({ 'network.list': () => [] });
    renderWith(<NetworksView />, transport);
    expect(await screen.findByText('No networks yet')).toBeTruthy();
    expect(screen.getAllByRole('button', { name: /Create network/ }).length).toBeGreaterThan(0);
  });

  it('lists networks with subnet, bridge, count and flags, and refreshes on events (no polling)', async () => {
    let nets = [network('bridge', '172.17.0.0/16'), network('red', '10.1.0.0/24', { Options: { 'com.docker.network.bridge.enable_icc': 'false' } })];
    const { transport, emit, calls } = fakeTransport({ 'network.list': () => nets });
    renderWith(<NetworksView />, transport);
    const table = await screen.findByRole('table', { name: 'Networks' });
    const red = within(table).getByRole('button', { name: 'Show details of network red' }).closest('tr')!;
    expect(red.textContent).toContain('10.1.0.0/24');
    expect(red.textContent).toContain('no icc');
    expect(within(table).queryByRole('button', { name: 'Remove network bridge' })).toBeNull();
    const listed = () => calls.filter((c) => c.method === 'network.list').length;
    const before = listed();
    nets = [...nets, network('blue', '10.2.0.0/24')];
    await act(async () => emit({ type: 'network.created', id: 'b', name: 'blue' }));
    await screen.findByRole('button', { name: 'Show details of network blue' });
    expect(listed()).toBe(before + 1);
  });

  it('asks before removing and names what goes', async () => {
    const nets = [network('red', '10.1.0.0/24', { Containers: { c1: { Name: 'web', EndpointID: 'e', MacAddress: '', IPv4Address: '10.1.0.2/24', IPv6Address: '' } } })];
    const { transport } = fakeTransport({
      'network.list': () => nets,
      'network.remove': () => {
        throw Object.assign(new Error('network red has active endpoints'), { kind: 'in_use' });
      },
    });
    renderWith(<NetworksView />, transport);
    fireEvent.click(await screen.findByRole('button', { name: 'Remove network red' }));
    const d = screen.getByRole('dialog', { name: 'Remove network red?' });
    expect(d.textContent).toContain('10.1.0.0/24');
    expect(d.textContent).toContain('br-red');
    expect(d.textContent).toContain('Still attached: web');
    fireEvent.click(within(d).getByRole('button', { name: 'Remove network' }));
    await waitFor(() => expect(within(d).getByRole('alert').textContent).toContain('network red has active endpoints'));
  });
});
