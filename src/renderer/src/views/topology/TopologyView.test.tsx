// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { fakeTransport, renderWith } from '../../test-utils';
import { ctrFx, fixture, netFx } from './fixture';
import { TopologyView } from './TopologyView';

// React Flow measures with ResizeObserver and reads transforms with DOMMatrixReadOnly.
beforeAll(() => {
  class RO {
    cb: ResizeObserverCallback;
    constructor(cb: ResizeObserverCallback) {
      this.cb = cb;
    }
    observe() {}
    unobserve() {}
    disconnect() {}
  }
  class DM {
    m22: number;
    constructor(t?: string) {
      const scale = t?.match(/scale\(([0-9.]+)\)/)?.[1];
      this.m22 = scale !== undefined ? Number(scale) : 1;
    }
  }
  vi.stubGlobal('ResizeObserver', RO);
  vi.stubGlobal('DOMMatrixReadOnly', DM);
  Object.defineProperties(HTMLElement.prototype, {
    offsetHeight: { configurable: true, get() { return Number.parseFloat(this.style.height) || 600; } },
    offsetWidth: { configurable: true, get() { return Number.parseFloat(this.style.width) || 1000; } },
  });
  (SVGElement.prototype as unknown as { getBBox: () => object }).getBBox = () => ({ x: 0, y: 0, width: 0, height: 0 });
});
afterEach(cleanup);

function setup(data = fixture()) {
  const t = fakeTransport({
    'network.list': () => data.networks,
    'container.list': () => data.containers,
    'sandbox.listForeign': () => data.foreign,
    'host.inspect': () => data.host,
    'system.info': () => ({ version: 't', pid: 1, kernel: '6.1.0-test', firewallBackend: 'nftables', ipForward: true, hostChanges: [], dataRoot: '/', ownerUid: 1000, socket: '/s', startedAt: '', warnings: [] }),
  });
  return { ...t, data };
}
const nodeNamed = (name: RegExp) => within(screen.getByRole('region', { name: 'Network topology' })).findByRole('group', { name });

describe('TopologyView', () => {
  it('renders the graph: nodes with accessible names, edges with labels', async () => {
    const { transport } = setup();
    renderWith(<TopologyView />, transport);
    await nodeNamed(/^Container api, running, on front 10\.1\.0\.3, back 10\.2\.0\.2$/);
    await nodeNamed(/^Network back, bridge br-back, subnet 10\.2\.0\.0\/24, gateway 10\.2\.0\.1, internal, 1 endpoint$/);
    await nodeNamed(/^Foreign sandbox dev-ns \(netns\), on front 10\.1\.0\.9$/);
    await nodeNamed(/^Published port 0\.0\.0\.0 and :: port 8080\/tcp to web:80$/);
    await waitFor(() => expect(screen.getByRole('group', { name: /^Host, interfaces eth0/ })).toBeTruthy());
    expect(screen.getByRole('heading', { level: 1, name: 'Topology' })).toBeTruthy();
    expect(screen.getByText(/3 networks · 3 containers · 1 foreign · 2 published ports · live/)).toBeTruthy();
    // edges are drawn from the layout's static handles, no DOM measuring needed
    await waitFor(() => expect(document.querySelectorAll('.react-flow__edge').length).toBe(3 + 5 + 2));
    expect(screen.getByRole('img', { name: 'web eth0 10.1.0.2 on front, host veth vethaaa0001' })).toBeTruthy();
    expect(screen.getByText('vethaaa0001')).toBeTruthy();
    expect(screen.getByText('eth0 10.1.0.2')).toBeTruthy();
    // nodes are keyboard-focusable
    expect(screen.getByRole('group', { name: /^Container web/ }).getAttribute('tabindex')).toBe('0');
  });

  it('opens a details panel on selection, closes it with Escape, and offers the right view', async () => {
    const { transport, data } = setup();
    const onOpen = vi.fn();
    renderWith(<TopologyView onOpen={onOpen} />, transport);
    fireEvent.click(await nodeNamed(/^Container api/));
    const panel = await screen.findByRole('complementary', { name: 'Details of container api' });
    expect(within(panel).getByRole('table', { name: 'Endpoints of api' }).textContent).toContain('10.2.0.2/24');
    expect(within(panel).getByRole('table', { name: 'Endpoints of api' }).textContent).toContain('vethbbb0002');
    expect(within(panel).getByLabelText('Inspect JSON of api').textContent).toContain('"Name": "/api"');
    fireEvent.click(within(panel).getByRole('button', { name: 'Open in Containers' }));
    expect(onOpen).toHaveBeenLastCalledWith('containers', { container: data.containers.find((c) => c.Name === '/api')!.Id });
    // its edges highlighted, the others dimmed
    await waitFor(() => expect(document.querySelectorAll('.react-flow__edge.is-active').length).toBe(2));

    fireEvent.keyDown(panel, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('complementary', { name: 'Details of container api' })).toBeNull());
    expect(document.querySelectorAll('.react-flow__edge.is-dim').length).toBe(0);

    fireEvent.click(await nodeNamed(/^Network front/));
    const net = await screen.findByRole('complementary', { name: 'Details of network front' });
    expect(net.textContent).toContain('masqueraded (NAT)');
    fireEvent.click(within(net).getByRole('button', { name: 'Open in Networks' }));
    expect(onOpen).toHaveBeenLastCalledWith('networks', { network: data.networks.find((n) => n.Name === 'front')!.Id });
    fireEvent.click(within(net).getByRole('button', { name: 'Close details' }));
    await waitFor(() => expect(screen.queryByRole('complementary', { name: 'Details of network front' })).toBeNull());
  });

  it('a failed refresh keeps the graph, with a note', async () => {
    const { transport, emit } = setup();
    let down = false;
    const call = transport.call.bind(transport);
    transport.call = (method, params) =>
      down && (method === 'container.list' || method === 'network.list') ? Promise.reject(Object.assign(new Error('the helper did not answer'), { kind: 'unavailable' })) : call(method, params);
    renderWith(<TopologyView />, transport);
    await nodeNamed(/^Container api, running/);
    down = true;
    await act(async () => emit({ type: 'network.created', id: 'x', name: 'x' }));
    expect((await screen.findByText(/^Could not refresh the topology/)).closest('[role="status"]')!.textContent).toContain('the helper did not answer');
    expect(screen.queryByText(/Could not read the topology/)).toBeNull();
    await nodeNamed(/^Container api, running/);
  });

  it('re-lays out when an event makes the data stale', async () => {
    const { transport, emit, data } = setup();
    renderWith(<TopologyView />, transport);
    await nodeNamed(/^Container web/);
    const db = ctrFx('db', [{ net: data.back, ip: '10.2.0.3', eth: 'eth0' }]);
    data.containers = [...data.containers, db];
    act(() => emit({ type: 'container.changed', id: db.Id, name: 'db', status: 'running' }));
    await nodeNamed(/^Container db, running, on back 10\.2\.0\.3$/);
    await nodeNamed(/^Network back, .*2 endpoints$/);
  });

  it('explains the next steps when only the default bridge exists', async () => {
    const { transport } = setup({ ...fixture(), networks: [netFx('bridge', '172.17.0.0/16')], containers: [], foreign: [] });
    const onOpen = vi.fn();
    renderWith(<TopologyView onOpen={onOpen} />, transport);
    const help = await screen.findByRole('complementary', { name: 'Getting started' });
    expect(help.textContent).toContain('berth network create');
    fireEvent.click(within(help).getByRole('button', { name: 'Create a network' }));
    expect(onOpen).toHaveBeenCalledWith('networks');
  });
});
