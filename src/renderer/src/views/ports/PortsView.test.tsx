// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Container } from '../../../../shared/container';
import type { PortMapping } from '../../../../shared/ports';
import { BerthError } from '../../../../shared/errors';
import { fakeTransport, renderWith } from '../../test-utils';
import { PortsView } from './PortsView';

afterEach(cleanup);

const ctr = (name: string, ip: string, running = true) =>
  ({
    Id: `${name}-0123456789abcdef`, Name: `/${name}`, Created: '', Path: 'sleep', Args: ['300'],
    State: { Status: running ? 'running' : 'exited', Running: running, Pid: 1, ExitCode: 0, StartedAt: '', FinishedAt: '', Error: '' },
    Config: { Hostname: name, Cmd: [], Env: [], User: '', WorkingDir: '', ExposedPorts: {} },
    HostConfig: { NetworkMode: 'front', PortBindings: {}, PublishAllPorts: false, AutoRemove: false },
    NetworkSettings: { SandboxKey: '', Ports: {}, Networks: { front: { NetworkID: 'n', EndpointID: 'e', Gateway: '', IPAddress: ip, IPPrefixLen: 16, MacAddress: '', InterfaceName: 'eth0', IPAMConfig: null } } },
    LogPath: '',
  }) as Container;

function setup() {
  const ports: Record<string, PortMapping[]> = {
    web: [{ hostIp: '0.0.0.0', hostPort: 8080, containerPort: 80, proto: 'tcp', containerIp: '172.18.0.2' }],
    dns: [],
  };
  const t = fakeTransport({
    'container.list': () => [ctr('web', '172.18.0.2'), ctr('dns', '172.18.0.3'), ctr('old', '', false)],
    'port.list': (p) => ports[p.container],
    'port.add': (p) => {
      if (p.spec.startsWith('10.9.9.9')) throw new BerthError('invalid_argument', 'Bind for 10.9.9.9:9000 failed: 10.9.9.9 is not an address of this host');
      const [ip, hp, rest] = p.spec.split(':');
      const m: PortMapping = { hostIp: ip, hostPort: Number(hp), containerPort: Number(rest.split('/')[0]), proto: 'tcp', containerIp: '172.18.0.3' };
      ports[p.container] = [...ports[p.container], m];
      return [m];
    },
    'port.remove': (p) => {
      ports[p.container] = ports[p.container].filter((m) => `${m.hostIp}:${m.hostPort}:${m.containerPort}/${m.proto}` !== p.spec);
      return [];
    },
  });
  return { ...t, ports };
}

describe('PortsView', () => {
  it('shows host side → container side per running container', async () => {
    const { transport } = setup();
    renderWith(<PortsView />, transport);
    const table = await screen.findByRole('table', { name: 'Port mappings of web' });
    expect(table.textContent).toContain('0.0.0.0:8080');
    expect(table.textContent).toContain('172.18.0.2:80');
    expect(screen.getByText('No published ports yet.')).toBeTruthy();
    expect(screen.getByText(/Not running: old/)).toBeTruthy();
  });

  it('shows a conflict as the user types, then adds with Docker -p text', async () => {
    const { transport, calls } = setup();
    renderWith(<PortsView />, transport);
    await screen.findByRole('table', { name: 'Port mappings of web' });
    const form = screen.getByRole('form', { name: 'Add a port mapping to dns' });
    fireEvent.change(within(form).getByLabelText('Host port'), { target: { value: '8080' } });
    fireEvent.change(within(form).getByLabelText('Container port'), { target: { value: '80' } });
    expect(form.textContent).toContain('0.0.0.0:8080/tcp is already published by web');
    expect((within(form).getByRole('button', { name: /Add/ }) as HTMLButtonElement).disabled).toBe(true);
    expect(within(form).getByLabelText('Host port').getAttribute('aria-invalid')).toBe('true');
    fireEvent.change(within(form).getByLabelText('Host port'), { target: { value: '8081' } });
    expect(form.textContent).not.toContain('already published');
    await act(async () => fireEvent.submit(form));
    await waitFor(() => expect(calls.find((c) => c.method === 'port.add')?.params).toEqual({ container: 'dns', spec: '0.0.0.0:8081:80/tcp' }));
    await screen.findByRole('table', { name: 'Port mappings of dns' });
  });

  it("shows the helper's refusal in place", async () => {
    const { transport } = setup();
    renderWith(<PortsView />, transport);
    await screen.findByRole('table', { name: 'Port mappings of web' });
    const form = screen.getByRole('form', { name: 'Add a port mapping to dns' });
    fireEvent.change(within(form).getByLabelText('Host IP'), { target: { value: '10.9.9.9' } });
    fireEvent.change(within(form).getByLabelText('Host port'), { target: { value: '9000' } });
    fireEvent.change(within(form).getByLabelText('Container port'), { target: { value: '80' } });
    await act(async () => fireEvent.submit(form));
    expect((await within(form).findByRole('alert')).textContent).toContain('10.9.9.9 is not an address of this host');
  });

  it('removes a mapping and puts it back from the toast', async () => {
    const { transport, calls } = setup();
    renderWith(<PortsView />, transport);
    await screen.findByRole('table', { name: 'Port mappings of web' });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Remove mapping 0.0.0.0:8080/tcp → 80 of web' })));
    const toast = await screen.findByText(/Removed/);
    expect(calls.find((c) => c.method === 'port.remove')?.params).toEqual({ container: 'web', spec: '0.0.0.0:8080:80/tcp' });
    await act(async () => fireEvent.click(within(toast.closest('li')!).getByRole('button', { name: 'Undo' })));
    await waitFor(() => expect(calls.filter((c) => c.method === 'port.add').map((c) => c.params)).toEqual([{ container: 'web', spec: '0.0.0.0:8080:80/tcp' }]));
    await screen.findByText(/Put back/);
  });

  it('a failed refresh keeps the cards, the mappings and what the user typed, with a note', async () => {
    const { transport, emit } = setup();
    let down = false;
    const list = transport.call.bind(transport);
    transport.call = (method, params) =>
      down && (method === 'container.list' || method === 'port.list') ? Promise.reject(new BerthError('unavailable', 'the helper did not answer')) : list(method, params);
    renderWith(<PortsView />, transport);
    await screen.findByRole('table', { name: 'Port mappings of web' });
    const form = () => screen.getByRole('form', { name: 'Add a port mapping to dns' });
    fireEvent.change(within(form()).getByLabelText('Host port'), { target: { value: '8080' } });
    fireEvent.change(within(form()).getByLabelText('Container port'), { target: { value: '80' } });
    expect(form().textContent).toContain('already published by web');

    // a background refresh (an event made the lists stale) fails
    down = true;
    act(() => emit({ type: 'ports.changed', container: 'web-0123456789abcdef' }));
    // every card failed with the list: one note for the view, not one per card
    const notes = await screen.findAllByText(/^Could not refresh/);
    expect(notes.map((n) => n.textContent)).toEqual(['Could not refresh the containers and their ports: ']);
    const note = notes[0].closest('[role="status"]')!;
    expect(note.textContent).toContain('the helper did not answer');
    expect(note.textContent).toMatch(/showing what was read at \d/);
    expect(within(note as HTMLElement).getByRole('button', { name: 'Retry reading the containers and their ports' })).toBeTruthy();
    expect(screen.queryByText('Could not list containers')).toBeNull();
    expect(screen.getByRole('table', { name: 'Port mappings of web' }).textContent).toContain('0.0.0.0:8080');
    expect((within(form()).getByLabelText('Host port') as HTMLInputElement).value).toBe('8080');
    expect((within(form()).getByLabelText('Container port') as HTMLInputElement).value).toBe('80');
    expect(form().textContent).toContain('already published by web');

    // the next refresh that works clears the note; the draft is still there
    down = false;
    act(() => emit({ type: 'ports.changed', container: 'web-0123456789abcdef' }));
    await waitFor(() => expect(screen.queryByText(/^Could not refresh/)).toBeNull());
    expect((within(form()).getByLabelText('Host port') as HTMLInputElement).value).toBe('8080');
  });

  it("one card's failed refresh is noted on that card only", async () => {
    const { transport, emit } = setup();
    let down = false;
    const list = transport.call.bind(transport);
    transport.call = (method, params) =>
      down && method === 'port.list' && (params as { container: string }).container === 'web' ? Promise.reject(new BerthError('unavailable', 'the helper did not answer')) : list(method, params);
    renderWith(<PortsView />, transport);
    await screen.findByRole('table', { name: 'Port mappings of web' });
    down = true;
    act(() => emit({ type: 'ports.changed', container: 'web-0123456789abcdef' }));
    await waitFor(() => expect(screen.queryAllByText(/^Could not refresh/).map((n) => n.textContent)).toEqual(['Could not refresh the ports of web: ']));
    expect(screen.getByRole('table', { name: 'Port mappings of web' }).textContent).toContain('0.0.0.0:8080');
    // Retry (a button, so Tab and Enter reach it) asks again; the note goes when it works
    down = false;
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Retry reading the ports of web' })));
    await waitFor(() => expect(screen.queryByText(/^Could not refresh/)).toBeNull());
  });

  it('shows an error only when the first read fails', async () => {
    const { transport } = fakeTransport({ 'container.list': () => { throw new BerthError('unavailable', 'the helper did not answer'); } });
    renderWith(<PortsView />, transport);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not list containers');
    expect(within(alert).getByRole('button', { name: 'Retry reading the containers' })).toBeTruthy();
    expect(screen.queryByText(/^Could not refresh/)).toBeNull();
  });

  it('keeps a half-typed mapping while the search hides its card', async () => {
    const { transport } = setup();
    renderWith(<PortsView />, transport);
    await screen.findByRole('table', { name: 'Port mappings of web' });
    fireEvent.change(within(screen.getByRole('form', { name: 'Add a port mapping to dns' })).getByLabelText('Host port'), { target: { value: '5300' } });
    const search = screen.getByRole('searchbox', { name: 'Search ports' });
    fireEvent.change(search, { target: { value: 'web' } });
    expect(screen.queryByRole('form', { name: 'Add a port mapping to dns' })).toBeNull();
    fireEvent.change(search, { target: { value: '' } });
    expect((within(screen.getByRole('form', { name: 'Add a port mapping to dns' })).getByLabelText('Host port') as HTMLInputElement).value).toBe('5300');
  });

  it('explains -p when nothing runs', async () => {
    const { transport } = fakeTransport({ 'container.list': () => [] });
    renderWith(<PortsView />, transport);
    expect((await screen.findByText('No running containers')).closest('.empty-state')!.textContent).toContain('-p 8080:80');
  });
});
