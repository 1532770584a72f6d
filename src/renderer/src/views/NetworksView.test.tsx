// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fakeScrollLayout } from '../test-layout';
import { fakeTransport, network, renderWith } from '../test-utils';
import { NetworksView } from './NetworksView';

afterEach(cleanup);
fakeScrollLayout();

describe('NetworksView', () => {
  it('says what to do when there are no networks', async () => {
    const { transport } = fakeTransport({ 'network.list': () => [] });
    renderWith(<NetworksView />, transport);
    expect(await screen.findByText('No networks yet')).toBeTruthy();
    expect(screen.getAllByRole('button', { name: /Create network/ }).length).toBeGreaterThan(0);
  });

  it('with only the predefined networks, hints at creating one; the hint goes once there is one', async () => {
    const { transport } = fakeTransport({ 'network.list': () => [network('bridge', '172.17.0.0/16')] });
    renderWith(<NetworksView />, transport);
    const hint = await screen.findByRole('note');
    expect(hint.textContent).toMatch(/Only the predefined networks exist/);
    fireEvent.click(within(hint).getByRole('button', { name: 'create one' }));
    expect(await screen.findByRole('dialog')).toBeTruthy();
    cleanup();
    const { transport: t2 } = fakeTransport({ 'network.list': () => [network('bridge', '172.17.0.0/16'), network('red', '10.1.0.0/24')] });
    renderWith(<NetworksView />, t2);
    await screen.findByRole('table', { name: 'Networks' });
    expect(screen.queryByRole('note')).toBeNull();
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

  it('a failed refresh keeps the list and says so; the next one that works clears the note', async () => {
    let down = false;
    const { transport, emit } = fakeTransport({
      'network.list': () => {
        if (down) throw Object.assign(new Error('the helper did not answer'), { kind: 'unavailable' });
        return [network('red', '10.1.0.0/24')];
      },
    });
    renderWith(<NetworksView />, transport);
    await screen.findByRole('button', { name: 'Show details of network red' });
    down = true;
    await act(async () => emit({ type: 'network.created', id: 'b', name: 'blue' }));
    expect((await screen.findByText(/^Could not refresh the networks/)).closest('[role="status"]')!.textContent).toContain('the helper did not answer');
    expect(screen.getByRole('button', { name: 'Show details of network red' })).toBeTruthy();
    expect(screen.queryByText('Could not list networks')).toBeNull();
    down = false;
    await act(async () => emit({ type: 'network.created', id: 'b', name: 'blue' }));
    await waitFor(() => expect(screen.queryByText(/^Could not refresh/)).toBeNull());
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

  it('opens with a given network selected: details panel open, row highlighted and focused; taken once', async () => {
    const nets = Array.from({ length: 60 }, (_, i) => network(`n${i}`, `10.${i}.0.0/24`));
    const { transport } = fakeTransport({ 'network.list': () => nets, 'network.inspect': ({ name }) => nets.find((n) => n.Name === name) });
    const onFocused = vi.fn();
    renderWith(<NetworksView focus={nets[42].Id} onFocused={onFocused} />, transport);
    const panel = await screen.findByRole('complementary', { name: 'Network n42' });
    expect(panel.textContent).toContain('10.42.0.0/24');
    expect(onFocused).toHaveBeenCalledTimes(1);
    const row = (await screen.findByRole('button', { name: 'Show details of network n42' })).closest('tr')!;
    expect(row.getAttribute('aria-selected')).toBe('true');
    expect(row.className).toContain('selected');
    expect(row.getAttribute('tabindex')).toBe('0');
    await waitFor(() => expect(document.activeElement).toBe(row));
  });

  it('is a virtualized table with keyboard navigation: arrows move the selection, Enter selects', async () => {
    const nets = Array.from({ length: 400 }, (_, i) => network(`n${i}`, `10.${i % 250}.${Math.floor(i / 250)}.0/24`));
    const { transport } = fakeTransport({ 'network.list': () => nets, 'network.inspect': ({ name }) => nets.find((n) => n.Name === name) });
    renderWith(<NetworksView />, transport);
    const table = await screen.findByRole('table', { name: 'Networks' });
    expect(table.getAttribute('aria-rowcount')).toBe('401');
    const rows = within(table).getAllByRole('row');
    expect(rows.length).toBeLessThan(100); // not all 400 in the DOM
    const first = rows[1];
    expect(first.getAttribute('aria-rowindex')).toBe('2');
    expect(first.getAttribute('tabindex')).toBe('0');
    fireEvent.keyDown(first, { key: 'Enter' });
    await screen.findByRole('complementary', { name: 'Network n0' });
    fireEvent.keyDown(first, { key: 'ArrowDown' });
    await screen.findByRole('complementary', { name: 'Network n1' });
    const second = screen.getByRole('button', { name: 'Show details of network n1' }).closest('tr')!;
    expect(second.getAttribute('aria-selected')).toBe('true');
    await waitFor(() => expect(document.activeElement).toBe(second));
    // a click on the row's own button does its own thing, not a selection
    fireEvent.click(within(table).getByRole('button', { name: 'Remove network n0' }));
    expect(screen.getByRole('dialog', { name: 'Remove network n0?' })).toBeTruthy();
    expect(screen.getByRole('complementary', { name: 'Network n1' })).toBeTruthy();
  });
});
