// @vitest-environment jsdom
import { cleanup, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeTransport, renderWith } from '../test-utils';
import { StatusBar, helperText } from './StatusBar';

afterEach(cleanup);

describe('StatusBar', () => {
  it('shows the helper state, firewall backend and kernel', async () => {
    const { transport } = fakeTransport({
      'system.info': () => ({ version: '0.1.0', pid: 1, kernel: '6.1.0', firewallBackend: 'iptables', ipForward: true, hostChanges: [], dataRoot: '/', ownerUid: 1000, socket: '/s', startedAt: '', warnings: [] }),
    });
    renderWith(<StatusBar />, transport);
    expect(screen.getByRole('status').textContent).toContain('Helper connected');
    expect(await screen.findByText(/iptables/)).toBeTruthy();
    expect(screen.getByText(/Linux 6\.1\.0/)).toBeTruthy();
  });

  it("says when Berth let its traffic through the host's other firewall, and counts warnings", async () => {
    const done = 'iptables filter FORWARD drops by default (policy DROP, as Docker and ufw set it): Berth accepts its bridges there (berth0)';
    const { transport } = fakeTransport({
      'system.info': () => ({ version: '0.1.0', pid: 1, kernel: '6.1.0', firewallBackend: 'nftables', ipForward: true, hostChanges: [done], dataRoot: '/', ownerUid: 1000, socket: '/s', startedAt: '', warnings: ['firewalld is running: …'] }),
    });
    renderWith(<StatusBar />, transport);
    expect(await screen.findByText(/allowed through the host firewall/)).toBeTruthy();
    const warn = screen.getByRole('note');
    expect(warn.textContent).toContain('1 warning');
    expect(warn.getAttribute('title')).toBe('firewalld is running: …');
  });

  it('words every state', () => {
    expect(helperText({ state: 'not-running', socket: '' })).toBe('Helper not running');
    expect(helperText({ state: 'starting', socket: '' })).toBe('Helper starting…');
    expect(helperText({ state: 'failed', socket: '', reason: 'boom' })).toBe('Helper failed: boom');
  });
});
