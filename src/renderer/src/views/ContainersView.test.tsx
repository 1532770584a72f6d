// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ForeignSandbox } from '../../../shared/container';
import { fakeScrollLayout } from '../test-layout';
import { fakeTransport, renderWith } from '../test-utils';
import { ctrFx, netFx } from './topology/fixture';
import { ContainersView } from './ContainersView';

afterEach(cleanup);
fakeScrollLayout();

function setup(n = 50) {
  const front = netFx('front', '10.1.0.0/24');
  const containers = Array.from({ length: n }, (_, i) => ctrFx(`c${i}`, [{ net: front, ip: `10.1.0.${i + 2}`, eth: 'eth0' }]));
  const foreign: ForeignSandbox[] = Array.from({ length: 30 }, (_, i) => ({ source: 'netns', id: `ns-${i}`, name: `ns${i}`, pid: null, netnsPath: `/run/netns/ns${i}`, status: 'present', addresses: [], attachedNetworks: [] }));
  const t = fakeTransport({
    'container.list': () => containers,
    'sandbox.listForeign': () => foreign,
    'container.logs': ({ name }) => ({ data: `hello from ${name}\n`, exitCode: null }),
  });
  return { ...t, containers, foreign };
}
const rowOf = (table: HTMLElement, name: string) => table.querySelector<HTMLTableRowElement>(`tr[data-name="${name}"]`);

describe('ContainersView', () => {
  it('a failed refresh keeps both lists and says so', async () => {
    let down = false;
    const { transport, emit, containers, foreign } = setup(3);
    const call = transport.call.bind(transport);
    transport.call = (method, params) =>
      down && (method === 'container.list' || method === 'sandbox.listForeign') ? Promise.reject(Object.assign(new Error('the helper did not answer'), { kind: 'unavailable' })) : call(method, params);
    renderWith(<ContainersView />, transport);
    const table = await screen.findByRole('table', { name: 'Berth containers' });
    await waitFor(() => expect(rowOf(table, 'c0')).toBeTruthy());
    down = true;
    await act(async () => emit({ type: 'container.changed', id: containers[0].Id, name: 'c0', status: 'running' }));
    await waitFor(() => expect(screen.queryAllByText(/^Could not refresh/).map((n) => n.textContent)).toEqual(['Could not refresh the containers: ', 'Could not refresh the other sandboxes: ']));
    expect(rowOf(table, 'c0')).toBeTruthy();
    expect(screen.getByText(foreign[0].name)).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('opens with a given Berth container selected: its logs beside it, the row highlighted and focused', async () => {
    const { transport, containers } = setup();
    const onFocused = vi.fn();
    renderWith(<ContainersView focus={{ container: containers[37].Id }} onFocused={onFocused} />, transport);
    const panel = await screen.findByRole('complementary', { name: 'Logs of c37' });
    await waitFor(() => expect(panel.textContent).toContain('hello from c37'));
    expect(onFocused).toHaveBeenCalledTimes(1);
    const table = screen.getByRole('table', { name: 'Berth containers' });
    await waitFor(() => expect(rowOf(table, 'c37')).toBeTruthy());
    const row = rowOf(table, 'c37')!;
    expect(row.getAttribute('aria-selected')).toBe('true');
    expect(row.className).toContain('selected');
    await waitFor(() => expect(document.activeElement).toBe(row));
  });

  it('opens with a given foreign sandbox selected', async () => {
    const { transport } = setup(3);
    const onFocused = vi.fn();
    renderWith(<ContainersView focus={{ sandbox: 'netns:ns-21' }} onFocused={onFocused} />, transport);
    const table = await screen.findByRole('table', { name: 'Foreign sandboxes' });
    await waitFor(() => expect(rowOf(table, 'ns21')?.getAttribute('aria-selected')).toBe('true'));
    expect(onFocused).toHaveBeenCalledTimes(1);
    expect(table.querySelectorAll('tr[aria-selected="true"]').length).toBe(1);
  });

  it('virtualizes both tables and moves through rows by keyboard; Enter opens the logs', async () => {
    const { transport } = setup(300);
    renderWith(<ContainersView />, transport);
    const table = await screen.findByRole('table', { name: 'Berth containers' });
    expect(table.getAttribute('aria-rowcount')).toBe('301');
    expect(within(table).getAllByRole('row').length).toBeLessThan(100);
    const first = rowOf(table, 'c0')!;
    expect(first.getAttribute('tabindex')).toBe('0');
    fireEvent.keyDown(first, { key: 'ArrowDown' });
    const second = rowOf(table, 'c1')!;
    await waitFor(() => expect(document.activeElement).toBe(second));
    expect(second.getAttribute('tabindex')).toBe('0');
    expect(screen.queryByRole('complementary')).toBeNull(); // arrows only move here
    fireEvent.keyDown(second, { key: 'Enter' });
    await screen.findByRole('complementary', { name: 'Logs of c1' });
    expect(second.getAttribute('aria-selected')).toBe('true');
    // the row's buttons keep their own meaning
    fireEvent.click(within(second).getByRole('button', { name: 'Remove c1' }));
    expect(screen.getByRole('dialog', { name: /Remove container c1/ })).toBeTruthy();
  });
});
