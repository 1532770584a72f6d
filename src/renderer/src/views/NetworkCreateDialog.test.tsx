// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { BerthError } from '../../../shared/errors';
import { fakeTransport, network, renderWith } from '../test-utils';
import { NetworkCreateDialog } from './NetworkCreateDialog';

afterEach(cleanup);

const checkSubnet = ({ subnet }: { subnet?: string }) => {
  if (!subnet) return { suggested: '172.19.0.0/16', valid: true, overlaps: [] };
  if (subnet === '10.300.0.0/24') return { suggested: '172.19.0.0/16', valid: false, error: 'not an IPv4 CIDR (like 10.1.0.0/24)', overlaps: [] };
  if (subnet === '192.168.1.0/25')
    return { suggested: '172.19.0.0/16', valid: true, overlaps: [{ kind: 'route', what: 'eth0', cidr: '192.168.1.0/24' }] };
  return { suggested: '172.19.0.0/16', valid: true, overlaps: [] };
};

describe('NetworkCreateDialog', () => {
  it('pre-fills the suggested free subnet as the placeholder', async () => {
    const { transport } = fakeTransport({ 'network.checkSubnet': checkSubnet });
    renderWith(<NetworkCreateDialog onClose={() => {}} />, transport);
    await waitFor(() => expect(screen.getByLabelText('Subnet').getAttribute('placeholder')).toBe('172.19.0.0/16'));
  });

  it('shows the helper verdict on an invalid subnet as the user types and cannot submit', async () => {
    const { transport, calls } = fakeTransport({ 'network.checkSubnet': checkSubnet, 'network.create': vi.fn() });
    renderWith(<NetworkCreateDialog onClose={() => {}} />, transport);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'red' } });
    fireEvent.change(screen.getByLabelText('Subnet'), { target: { value: '10.300.0.0/24' } });
    expect(await screen.findByText('not an IPv4 CIDR (like 10.1.0.0/24)')).toBeTruthy();
    expect(screen.getByLabelText('Subnet').getAttribute('aria-invalid')).toBe('true');
    const create = screen.getByRole('button', { name: 'Create' }) as HTMLButtonElement;
    expect(create.disabled).toBe(true);
    fireEvent.submit(create.form ?? document.getElementById('create-network')!);
    expect(calls.some((c) => c.method === 'network.create')).toBe(false);
  });

  it('warns about an overlapping host route but allows it', async () => {
    const { transport } = fakeTransport({ 'network.checkSubnet': checkSubnet });
    renderWith(<NetworkCreateDialog onClose={() => {}} />, transport);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'lan' } });
    fireEvent.change(screen.getByLabelText('Subnet'), { target: { value: '192.168.1.0/25' } });
    expect(await screen.findByText(/Overlaps host route 192\.168\.1\.0\/24 via eth0/)).toBeTruthy();
    await waitFor(() => expect((screen.getByRole('button', { name: 'Create' }) as HTMLButtonElement).disabled).toBe(false));
  });

  it('sends the form as network.create params and closes', async () => {
    const onClose = vi.fn();
    const create = vi.fn(() => network('red', '10.9.0.0/24'));
    const { transport } = fakeTransport({ 'network.checkSubnet': checkSubnet, 'network.create': create });
    renderWith(<NetworkCreateDialog onClose={onClose} />, transport);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'red' } });
    fireEvent.change(screen.getByLabelText('Subnet'), { target: { value: '10.9.0.0/24' } });
    fireEvent.change(screen.getByLabelText('MTU'), { target: { value: '1400' } });
    fireEvent.change(screen.getByLabelText('Labels'), { target: { value: 'team=net' } });
    fireEvent.click(screen.getByRole('switch', { name: /Inter-container traffic/ }));
    await screen.findByText('Free to use.');
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(create).toHaveBeenCalledWith({
      name: 'red',
      subnet: '10.9.0.0/24',
      gateway: undefined,
      ipRange: undefined,
      internal: false,
      options: {
        'com.docker.network.bridge.enable_icc': 'false',
        'com.docker.network.bridge.enable_ip_masquerade': 'true',
        'com.docker.network.driver.mtu': '1400',
      },
      labels: { team: 'net' },
    });
  });

  it("shows the helper's error in the dialog when it refuses", async () => {
    const { transport } = fakeTransport({
      'network.checkSubnet': checkSubnet,
      'network.create': () => {
        throw new BerthError('conflict', 'network with name red already exists');
      },
    });
    renderWith(<NetworkCreateDialog onClose={() => {}} />, transport);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'red' } });
    await waitFor(() => expect((screen.getByRole('button', { name: 'Create' }) as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByRole('button', { name: 'Create' }));
    expect((await screen.findByRole('alert')).textContent).toContain('network with name red already exists');
    expect(screen.getByRole('dialog', { name: 'Create network' })).toBeTruthy();
  });

  it('IPv6: dual stack and IPv6-only fields, checked as typed and by the helper, sent as one create', async () => {
    const validate = vi.fn((p: { subnet6?: string }) =>
      p.subnet6 === 'fd00:70::/64' ? { problems: [{ field: 'subnet6', message: 'Pool overlaps with other one on this address space: network dual (fd00:70::/64)' }] } : { problems: [] },
    );
    const create = vi.fn(() => network('six', 'fd00:71::/64'));
    const onClose = vi.fn();
    const { transport } = fakeTransport({ 'network.checkSubnet': checkSubnet, 'network.validate': validate, 'network.create': create });
    renderWith(<NetworkCreateDialog onClose={onClose} />, transport);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'six' } });
    expect(screen.queryByLabelText('IPv6 subnet')).toBeNull();
    fireEvent.click(screen.getByRole('switch', { name: /^IPv6/ }));
    fireEvent.change(screen.getByLabelText('IPv6 subnet'), { target: { value: 'fd00::/200' } });
    expect(await screen.findByText('Not an IPv6 CIDR (like fd00:1::/64)')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('IPv6 subnet'), { target: { value: 'fd00:70::/64' } });
    expect(await screen.findByText(/overlaps with other one on this address space: network dual/)).toBeTruthy();
    const button = () => screen.getByRole('button', { name: 'Create' }) as HTMLButtonElement;
    expect(button().disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('IPv6 subnet'), { target: { value: 'fd00:71::/64' } });
    fireEvent.change(screen.getByLabelText('IPv6 gateway'), { target: { value: '10.1.0.1' } });
    expect(await screen.findByText('Not an IPv6 address')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('IPv6 gateway'), { target: { value: 'fd00:71::fe' } });
    // IPv6-only: the IPv4 fields go
    fireEvent.click(screen.getByRole('switch', { name: /^IPv4/ }));
    expect(screen.queryByLabelText('Subnet')).toBeNull();
    await waitFor(() => expect(button().disabled).toBe(false));
    expect(validate).toHaveBeenLastCalledWith(expect.objectContaining({ ipv4: false, ipv6: true, subnet6: 'fd00:71::/64', gateway6: 'fd00:71::fe' }));
    fireEvent.click(button());
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(create).toHaveBeenCalledWith(expect.objectContaining({ name: 'six', ipv6: true, ipv4: false, subnet: ['fd00:71::/64'], gateway: ['fd00:71::fe'], ipRange: [] }));
  });
});
