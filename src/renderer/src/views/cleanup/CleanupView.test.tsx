// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { useEffect, useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { BerthProvider, makeQueryClient } from '../../api/context';
import { queryKey, useBerthPrefetch } from '../../api/hooks';
import type { Finding } from '../../../../shared/inspect';
import { fakeScrollLayout } from '../../test-layout';
import { BerthError } from '../../../../shared/errors';
import { fakeTransport, outage, renderWith } from '../../test-utils';
import { CleanupView, PLAN_FRESH_MS, PLAN_PARAMS } from './CleanupView';

afterEach(cleanup);
fakeScrollLayout();

const f = (id: string, owner: Finding['owner'], reason: string, cmd: string[]): Finding => ({
  id, kind: owner === 'berth' ? 'orphan-berth-rule' : 'dangling-nat-rule', owner, reason, evidence: [`evidence of ${id}`], commands: [cmd], risk: owner === 'berth' ? 'safe' : 'foreign',
});
const FINDINGS = [
  f('a1', 'berth', 'Berth DNAT with no container', ['iptables', '-t', 'nat', '-D', 'BERTH', '-p', 'tcp', '--dport', '8088', '-j', 'DNAT']),
  f('b2', 'docker', 'Docker DNAT to nobody', ['iptables', '-t', 'nat', '-D', 'DOCKER', '!', '-i', 'docker0', '-j', 'DNAT']),
];

describe('CleanupView', () => {
  it('groups findings, selects Berth ones, needs an explicit include for foreign ones, applies the chosen ids and undoes', async () => {
    const { transport, calls } = fakeTransport({
      'cleanup.plan': () => ({ takenAt: new Date().toISOString(), findings: FINDINGS }),
      'cleanup.apply': (p) => ({ snapshotId: 'snap-1', applied: p.ids, failed: [] }),
      'cleanup.undo': () => ({ snapshotId: 'snap-1', restored: ['rule a', 'rule b'] }),
    });
    renderWith(<CleanupView />, transport);
    const berth = await screen.findByRole('checkbox', { name: /^Fix: Berth DNAT/ });
    const docker = screen.getByRole('checkbox', { name: /^Include this docker finding/ });
    expect((berth as HTMLInputElement).checked).toBe(true);
    expect((docker as HTMLInputElement).checked).toBe(false);
    expect(screen.getByRole('heading', { name: /Berth rules with nothing behind them/ })).toBeTruthy();
    expect(screen.getByText("iptables -t nat -D DOCKER '!' -i docker0 -j DNAT")).toBeTruthy();
    fireEvent.click(docker);
    expect(screen.getByText(/Included: this belongs to/)).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Preview' }));
    const preview = screen.getByRole('dialog', { name: 'Preview' });
    expect(within(preview).getByLabelText('Commands Apply will run').textContent).toContain('-D DOCKER');
    fireEvent.click(within(preview).getByRole('button', { name: 'Close' }));

    fireEvent.click(screen.getByRole('button', { name: 'Apply 2 fixes' }));
    const confirm = screen.getByRole('dialog', { name: 'Apply 2 fixes?' });
    expect(confirm.textContent).toContain('1 fix touches an object Berth does not own');
    await act(async () => fireEvent.click(within(confirm).getByRole('button', { name: 'Apply 2 fixes' })));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(calls.find((c) => c.method === 'cleanup.apply')!.params).toEqual({ ids: ['a1', 'b2'], includeForeign: true });
    const result = screen.getByRole('status', { name: 'Cleanup result' });
    expect(result.textContent).toContain('2 fixes applied.');
    await act(async () => fireEvent.click(within(result).getByRole('button', { name: 'Undo' })));
    await screen.findByText(/Restored 2 objects/);
    expect(calls.some((c) => c.method === 'cleanup.undo')).toBe(true);
  });

  it('shows the plan the app asked for before the view opened, without asking again', async () => {
    let answer: (v: unknown) => void = () => {};
    const { transport, calls } = fakeTransport({ 'cleanup.plan': () => new Promise((r) => (answer = r)) });
    // the app's prefetch (on connect, or the nav item hovered), then the view opened while the plan is read
    function Harness() {
      const prefetch = useBerthPrefetch();
      const [open, setOpen] = useState(false);
      useEffect(() => prefetch('cleanup.plan', PLAN_PARAMS), [prefetch]);
      return open ? <CleanupView /> : <button type="button" onClick={() => setOpen(true)}>Open</button>;
    }
    renderWith(<Harness />, transport);
    const plans = () => calls.filter((c) => c.method === 'cleanup.plan').length;
    await waitFor(() => expect(plans()).toBe(1));
    fireEvent.click(screen.getByRole('button', { name: 'Open' }));
    answer({ takenAt: new Date().toISOString(), findings: FINDINGS });
    expect(await screen.findByRole('checkbox', { name: /^Fix: Berth DNAT/ })).toBeTruthy();
    expect(plans()).toBe(1);
  });

  it('shows a plan read long before at once and reads the host again behind it', async () => {
    const { transport, calls } = fakeTransport({ 'cleanup.plan': () => ({ takenAt: new Date().toISOString(), findings: [] }) });
    const client = makeQueryClient();
    function Harness() {
      const [open, setOpen] = useState(false);
      return open ? <CleanupView /> : <button type="button" onClick={() => setOpen(true)}>Open</button>;
    }
    render(<BerthProvider transport={transport} client={client}><Harness /></BerthProvider>);
    // connected (the provider has subscribed), then a plan the app read two minutes ago
    await waitFor(() => expect(calls.some((c) => c.method === 'events.subscribe')).toBe(true));
    const ago = Date.now() - 2 * PLAN_FRESH_MS;
    client.setQueryData(queryKey('cleanup.plan', PLAN_PARAMS), { takenAt: new Date(ago).toISOString(), findings: FINDINGS }, { updatedAt: ago });
    fireEvent.click(screen.getByRole('button', { name: 'Open' }));
    expect(screen.getByRole('checkbox', { name: /^Fix: Berth DNAT/ })).toBeTruthy();
    // read before this page started (kept by the helper, or another client's): a new reading, not a kept one
    await waitFor(() => expect(calls.filter((c) => c.method === 'cleanup.plan').map((c) => c.params)).toContainEqual({}));
    expect(await screen.findByText('Nothing stale on this host')).toBeTruthy();
  });

  it('says when nothing is stale, with when it was checked, and re-checks', async () => {
    // read while this page runs: shown as it is, not read again
    const takenAt = new Date().toISOString();
    const { transport, calls } = fakeTransport({ 'cleanup.plan': () => ({ takenAt, findings: [] }) });
    renderWith(<CleanupView />, transport);
    expect(await screen.findByText('Nothing stale on this host')).toBeTruthy();
    expect(document.querySelector('.empty-state time')!.getAttribute('dateTime')).toBe(takenAt);
    const before = calls.filter((c) => c.method === 'cleanup.plan').length;
    // one Re-check, the header's (the empty state no longer repeats it)
    expect(screen.getAllByRole('button', { name: 'Re-check' })).toHaveLength(1);
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Re-check' })));
    await waitFor(() => expect(calls.filter((c) => c.method === 'cleanup.plan').length).toBe(before + 1));
    // the view's own asks accept a plan the helper kept; Re-check asks for a new reading
    const asked = calls.filter((c) => c.method === 'cleanup.plan').map((c) => c.params);
    expect(asked.slice(0, before)).toEqual(Array(before).fill(PLAN_PARAMS));
    expect(asked[before]).toEqual({});
  });

  it('runs the doctor on request and shows what it found', async () => {
    const { transport } = fakeTransport({
      'cleanup.plan': () => ({ takenAt: new Date().toISOString(), findings: [] }),
      doctor: () => ({ healthy: ['bridge berth0'], missing: ['nat BERTH: -i berth0 -j RETURN'], extra: [], healed: true }),
    });
    renderWith(<CleanupView />, transport);
    await act(async () => fireEvent.click(await screen.findByRole('button', { name: 'Run doctor' })));
    const r = await screen.findByRole('status', { name: 'Doctor result' });
    expect(r.textContent).toMatch(/healed.*1 healthy · 1 missing · 0 extra/);
    expect(r.textContent).toContain('nat BERTH: -i berth0 -j RETURN');
  });

  it('a failed refresh keeps the plan and the choices, with a note and Retry; apply still sends the chosen ids for the helper to check again', async () => {
    const { transport, emit, calls } = fakeTransport({
      'cleanup.plan': () => ({ takenAt: new Date().toISOString(), findings: FINDINGS }),
      'cleanup.apply': () => { throw new BerthError('not_found', 'no such finding: a1 (the host may have changed: run berth cleanup again)'); },
    });
    const helper = outage(transport, (m) => m === 'cleanup.plan');
    renderWith(<CleanupView />, transport);
    fireEvent.click(await screen.findByRole('checkbox', { name: /^Include this docker finding/ }));

    // an event made the plan stale; reading it again fails
    helper.down = true;
    act(() => emit({ type: 'drift.found', missing: 1, extra: 0, healed: false }));
    const note = (await screen.findByText(/^Could not refresh the cleanup plan/)).closest('[role="status"]') as HTMLElement;
    expect(note.textContent).toContain('the helper did not answer');
    expect(note.textContent).toMatch(/showing what was read at \d/);
    expect(screen.queryByText('Could not check the host')).toBeNull();
    expect((screen.getByRole('checkbox', { name: /^Include this docker finding/ }) as HTMLInputElement).checked).toBe(true);

    // applying the kept plan: the dialog says it may be out of date, and what the helper refuses is shown
    fireEvent.click(screen.getByRole('button', { name: 'Apply 2 fixes' }));
    const confirm = screen.getByRole('dialog', { name: 'Apply 2 fixes?' });
    expect(confirm.textContent).toContain('this plan may be out of date');
    await act(async () => fireEvent.click(within(confirm).getByRole('button', { name: 'Apply 2 fixes' })));
    expect((await within(confirm).findByRole('alert')).textContent).toContain('no such finding: a1');
    expect(calls.find((c) => c.method === 'cleanup.apply')!.params).toEqual({ ids: ['a1', 'b2'], includeForeign: true });
    fireEvent.click(within(confirm).getByRole('button', { name: 'Cancel' }));

    helper.down = false;
    await act(async () => fireEvent.click(within(note).getByRole('button', { name: 'Retry reading the cleanup plan' })));
    await waitFor(() => expect(screen.queryByText(/^Could not refresh/)).toBeNull());
  });

  it('a first plan that fails shows the error with Retry', async () => {
    let fail = true;
    const { transport } = fakeTransport({
      'cleanup.plan': () => {
        if (fail) throw new BerthError('unavailable', 'the helper did not answer');
        return { takenAt: new Date().toISOString(), findings: FINDINGS };
      },
    });
    renderWith(<CleanupView />, transport);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Could not check the host');
    fail = false;
    await act(async () => fireEvent.click(within(alert).getByRole('button', { name: 'Retry reading the cleanup plan' })));
    await screen.findByRole('checkbox', { name: /^Fix: Berth DNAT/ });
  });

  it("a doctor run that fails keeps the last result, with a note", async () => {
    let fail = false;
    const { transport } = fakeTransport({
      'cleanup.plan': () => ({ takenAt: new Date().toISOString(), findings: [] }),
      doctor: () => {
        if (fail) throw new BerthError('unavailable', 'the helper did not answer');
        return { healthy: ['bridge berth0'], missing: [], extra: [], healed: false };
      },
    });
    renderWith(<CleanupView />, transport);
    await act(async () => fireEvent.click(await screen.findByRole('button', { name: 'Run doctor' })));
    await screen.findByRole('status', { name: 'Doctor result' });
    fail = true;
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Run doctor' })));
    const note = (await screen.findByText(/^Could not refresh the doctor's check/)).closest('[role="status"]') as HTMLElement;
    expect(note.textContent).toContain('the helper did not answer');
    expect(screen.getByRole('status', { name: 'Doctor result' }).textContent).toContain('1 healthy');
    expect(screen.queryByText('Doctor failed')).toBeNull();
    fail = false;
    await act(async () => fireEvent.click(within(note).getByRole('button', { name: "Retry reading the doctor's check" })));
    await waitFor(() => expect(screen.queryByText(/^Could not refresh/)).toBeNull());
    expect(screen.getByRole('status', { name: 'Doctor result' })).toBeTruthy();
  });

  it('5,000 findings: virtualized, grouped, select-all per group, and the count of what is selected', async () => {
    const many = Array.from({ length: 5000 }, (_, i) =>
      f(`n${i}`, i < 4 ? 'berth' : 'docker', `stale rule ${i}`, ['iptables', '-t', 'nat', '-D', 'X', String(i)]));
    const { transport } = fakeTransport({ 'cleanup.plan': () => ({ takenAt: new Date().toISOString(), findings: many }) });
    renderWith(<CleanupView />, transport);
    await screen.findByRole('heading', { name: /Berth rules with nothing behind them/ });
    const cards = document.querySelectorAll('li.finding').length;
    expect(cards).toBeGreaterThan(4);
    expect(cards).toBeLessThan(60); // a screenful, not 5,000
    const status = () => screen.getAllByRole('status').map((s) => s.textContent).join(' ');
    expect(status()).toContain('4 fixes selected'); // Berth's own, by default
    // the foreign group: nothing chosen until its select-all is ticked
    const all = screen.getByRole('checkbox', { name: /^Select all 4996: NAT rules to addresses/ });
    expect((all as HTMLInputElement).checked).toBe(false);
    fireEvent.click(all);
    expect(status()).toContain('5000 fixes selected (4996 foreign)');
    expect((all as HTMLInputElement).checked).toBe(true);
    expect(document.querySelector('li.finding-group-head:nth-of-type(1)')?.textContent).toContain('4 of 4 selected');
    // clearing Berth's group leaves only the foreign ones
    fireEvent.click(screen.getByRole('checkbox', { name: /^Select all 4: Berth rules/ }));
    expect(status()).toContain('4996 fixes selected (4996 foreign)');
    expect(screen.getByRole('button', { name: 'Apply 4996 fixes' })).toBeTruthy();
  });
});
