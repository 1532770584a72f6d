// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NatQueryParams, type FirewallRule } from '../../../../shared/inspect';
import { fakeTransport, renderWith } from '../../test-utils';
import { NatView } from './NatView';
import { ROW_HEIGHT } from './NatTable';

afterEach(cleanup);

// jsdom lays nothing out: give the table's scroll box a height so the
// virtualizer has a window to fill.
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return this.dataset.testid === 'nat-scroll' ? 600 : 0;
    },
  });
});
afterAll(() => {
  delete (HTMLElement.prototype as { clientHeight?: number }).clientHeight; // back to Element's
});

const rule = (chain: string, position: number, text: string, x: Partial<FirewallRule> = {}): FirewallRule => ({
  id: `ipv4/nat/${chain}/${position}`, family: 'ipv4', source: 'iptables', table: 'nat', chain, position, text: `-A ${chain} ${text}`,
  matches: {}, target: '', targetArgs: {}, packets: 0, bytes: 0, comment: null, owner: 'berth', ownerEvidence: 'chain BERTH', mapping: null, ...x,
});
const RULES: FirewallRule[] = [
  rule('PREROUTING', 1, '-m addrtype --dst-type LOCAL -j BERTH', { matches: { m: 'addrtype', 'dst-type': 'LOCAL' }, target: 'BERTH', packets: 1500, bytes: 90000 }),
  rule('BERTH', 1, '-i br-1 -j RETURN', { matches: { i: 'br-1' }, target: 'RETURN' }),
  rule('BERTH', 2, '! -i br-1 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.18.0.2:80', {
    matches: { '!i': 'br-1', p: 'tcp', m: 'tcp', dport: '8080' }, target: 'DNAT', targetArgs: { 'to-destination': '172.18.0.2:80' }, mapping: '0.0.0.0:8080 -> 172.18.0.2:80/tcp', comment: 'berth:abc',
  }),
  rule('DOCKER', 1, '! -i docker0 -p tcp -m tcp --dport 9000 -j DNAT --to-destination 172.30.0.2:9000', {
    matches: { '!i': 'docker0', p: 'tcp', dport: '9000' }, target: 'DNAT', targetArgs: { 'to-destination': '172.30.0.2:9000' }, owner: 'docker', ownerEvidence: 'chain DOCKER', mapping: '0.0.0.0:9000 -> 172.30.0.2:9000/tcp',
  }),
];

// nat.query as the helper answers it (filter, search, page, find), over a fixed list
const natQuery = (rules: FirewallRule[], calls: unknown[] = []) => (params: unknown) => {
  const q = NatQueryParams.parse(params);
  calls.push(q);
  const needle = q.search.trim().toLowerCase();
  const m = rules.filter(
    (r) =>
      (!q.table || r.table === q.table) && (!q.owner || r.owner === q.owner) && (!q.family || r.family === q.family) &&
      (!needle || `${r.table} ${r.chain} ${r.owner} ${r.mapping ?? ''} ${r.comment ?? ''} ${r.text}`.toLowerCase().includes(needle)),
  );
  const at = q.find ? m.findIndex((r) => r.id === q.find) : -1;
  return {
    snapshot: 'reading-1', takenAt: '2026-11-30T18:00:00Z', total: rules.length, matched: m.length, offset: q.offset,
    rules: m.slice(q.offset, q.offset + q.limit), foundAt: at < 0 ? null : at,
    tables: [...new Set(rules.map((r) => r.table))].sort(), owners: [...new Set(rules.map((r) => r.owner))].sort(), baseChains: [], errors: [],
  };
};
const handlers = (rules: FirewallRule[], calls: unknown[] = []) => ({
  'nat.query': natQuery(rules, calls),
  'nat.counters': () => ({ takenAt: '', counters: [], changed: [] }),
});

describe('NatView', () => {
  it('lists decoded rules with owner evidence and counters', async () => {
    const { transport } = fakeTransport(handlers(RULES));
    renderWith(<NatView />, transport);
    const table = await screen.findByRole('table', { name: 'Firewall rules' });
    const row = table.querySelector('[data-rule-id="ipv4/nat/BERTH/2"]')!;
    expect(row.textContent).toContain('0.0.0.0:8080 → 172.18.0.2:80/tcp');
    // tooltips sit on the row under the pointer and the current row (the first) only
    const titles = (r: Element) => [...r.querySelectorAll<HTMLElement>('[role="cell"], .badge')].map((e) => e.title);
    expect(titles(row).filter(Boolean)).toEqual([]);
    expect(titles(table.querySelector('[data-rule-id="ipv4/nat/PREROUTING/1"]')!).filter(Boolean)).not.toEqual([]);
    fireEvent.pointerOver(row.querySelector('[role="cell"]')!);
    // a NAT rule shows its mapping; what it matches is in the same cell's tooltip
    await waitFor(() => expect(titles(row)).toContain('0.0.0.0:8080 → 172.18.0.2:80/tcp\n! -i br-1 -p tcp --dport 8080'));
    expect(table.querySelector('[data-rule-id="ipv4/nat/BERTH/1"]')!.textContent).toContain('-i br-1');
    expect(within(table).queryAllByTitle('docker: chain DOCKER')).toHaveLength(0);
    fireEvent.pointerOver(table.querySelector('[data-rule-id="ipv4/nat/DOCKER/1"] .badge')!);
    await waitFor(() => expect(within(table).getAllByTitle('docker: chain DOCKER')).toHaveLength(1));
    expect(titles(row).filter(Boolean)).toEqual([]); // the pointer left it
    expect(table.querySelector('[data-rule-id="ipv4/nat/PREROUTING/1"]')!.textContent).toContain('1.5K');
    expect(table.getAttribute('aria-rowcount')).toBe('5');
  });

  it('filters by owner and text, and shows the raw iptables-save text', async () => {
    const { transport } = fakeTransport(handlers(RULES));
    renderWith(<NatView />, transport);
    await screen.findByRole('table', { name: 'Firewall rules' });
    fireEvent.change(screen.getByRole('combobox', { name: 'Owner' }), { target: { value: 'docker' } });
    await waitFor(() => expect(screen.getByRole('search').textContent).toContain('1 of 4 rules'));
    fireEvent.change(screen.getByRole('combobox', { name: 'Owner' }), { target: { value: '' } });
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search rules' }), { target: { value: 'br-1' } });
    await waitFor(() => expect(screen.getByRole('search').textContent).toContain('2 of 4 rules'));
    fireEvent.click(screen.getByRole('button', { name: 'Raw view' }));
    const raw = (await screen.findByLabelText('Raw rules (iptables-save)')).textContent!;
    expect(raw).toContain('*nat');
    expect(raw).toContain('[0:0] -A BERTH -i br-1 -j RETURN');
    expect(raw).not.toContain('DOCKER');
  });

  it('traces a packet, highlights the rule it hits and shows its details', async () => {
    const { transport } = fakeTransport(handlers(RULES));
    renderWith(<NatView />, transport);
    await screen.findByRole('table', { name: 'Firewall rules' });
    const form = screen.getByRole('form', { name: 'Trace a packet' });
    fireEvent.change(within(form).getByLabelText('Host IP'), { target: { value: '192.168.1.10' } });
    fireEvent.change(within(form).getByLabelText('Port'), { target: { value: '8080' } });
    await act(async () => fireEvent.submit(form));
    expect((await screen.findByText(/is translated by/)).textContent).toContain('192.168.1.10:8080/tcp');
    await waitFor(() => expect(document.querySelector('[data-rule-id].hit')?.getAttribute('data-rule-id')).toBe('ipv4/nat/BERTH/2'));
    expect(document.querySelector('[data-rule-id].on-path')!.getAttribute('data-rule-id')).toBe('ipv4/nat/PREROUTING/1');
    expect(screen.getByRole('complementary', { name: 'Rule nat BERTH #2' })).toBeTruthy();
    fireEvent.change(within(form).getByLabelText('Port'), { target: { value: '1234' } });
    await act(async () => fireEvent.submit(form));
    expect(await screen.findByText(/No NAT rule matches/)).toBeTruthy();
    expect(document.querySelector('[data-rule-id].hit')).toBeNull();
  });

  it('says what is wrong with the tracer input', async () => {
    const { transport } = fakeTransport(handlers(RULES));
    renderWith(<NatView />, transport);
    await screen.findByRole('table', { name: 'Firewall rules' });
    const form = screen.getByRole('form', { name: 'Trace a packet' });
    fireEvent.change(within(form).getByLabelText('Host IP'), { target: { value: '10.0.0' } });
    await act(async () => fireEvent.submit(form));
    expect(screen.getByRole('alert').textContent).toMatch(/IPv4 or IPv6/);
  });

  it('virtualizes and pages: 10,000 rules render a screenful of rows, asked of the helper a page at a time', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => rule('KUBE-SERVICES', i + 1, `-d 10.96.0.${i % 255}/32 -j KUBE-SVC-${i}`, { target: `KUBE-SVC-${i}`, owner: 'kubernetes' }));
    const calls: { offset: number; limit: number; snapshot?: string }[] = [];
    const { transport } = fakeTransport(handlers(many, calls));
    renderWith(<NatView />, transport);
    const table = await screen.findByRole('table', { name: 'Firewall rules' });
    await waitFor(() => expect(table.querySelectorAll('[data-rule-id]').length).toBeGreaterThan(15));
    expect(table.querySelectorAll('[data-rule-id]').length).toBeLessThan(80);
    expect(table.getAttribute('aria-rowcount')).toBe('10001');
    expect(Math.max(...calls.map((c) => c.limit))).toBeLessThan(1000); // never the whole set
    const scroller = screen.getByTestId('nat-scroll');
    await act(async () => {
      scroller.scrollTop = 1000 * ROW_HEIGHT;
      fireEvent.scroll(scroller);
    });
    await waitFor(() => expect(table.querySelector('[data-rule-id="ipv4/nat/KUBE-SERVICES/1001"]')).toBeTruthy());
    expect(calls.filter((c) => c.offset > 0).every((c) => c.snapshot === 'reading-1')).toBe(true); // later pages from the same reading
  });

  it('asks the first page once: the answer that names the reading is its first page too', async () => {
    const many = Array.from({ length: 1_000 }, (_, i) => rule('KUBE-SERVICES', i + 1, `-j KUBE-SVC-${i}`, { target: `KUBE-SVC-${i}`, owner: 'kubernetes' }));
    const calls: { offset: number; limit: number; snapshot?: string }[] = [];
    const { transport } = fakeTransport(handlers(many, calls));
    renderWith(<NatView />, transport);
    const table = await screen.findByRole('table', { name: 'Firewall rules' });
    await waitFor(() => expect(table.querySelector('[data-rule-id]')).toBeTruthy());
    // the counters are asked of the reading the view switched to: by then a second ask would be out
    await waitFor(() => expect(screen.getByRole('button', { name: 'Refresh' }).hasAttribute('disabled')).toBe(false));
    await act(async () => { await new Promise((r) => setTimeout(r, 100)); });
    expect(calls.filter((c) => c.offset === 0 && c.limit > 0)).toHaveLength(1);
  });

  it('places rows absolutely in a body of the whole height, under one header of the same columns', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => rule('KUBE-SERVICES', i + 1, `-j KUBE-SVC-${i}`, { target: `KUBE-SVC-${i}`, owner: 'kubernetes' }));
    const { transport } = fakeTransport(handlers(many));
    renderWith(<NatView />, transport);
    const table = await screen.findByRole('table', { name: 'Firewall rules' });
    const [head, body] = within(table).getAllByRole('rowgroup');
    expect(within(head).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Table / chain / #', 'Target', 'Owner', 'Mapping / match', 'Packets']);
    expect(body.style.height).toBe(`${10_000 * ROW_HEIGHT}px`);
    const row = await waitFor(() => table.querySelector<HTMLElement>('[data-rule-id="ipv4/nat/KUBE-SERVICES/3"]')!);
    // its place: the window of rows' (moved by a transform) plus its own in the window
    const at = (el: HTMLElement) => Number(/translateY\((-?[\d.]+)px\)/.exec(el.style.transform)?.[1] ?? 0) + (parseFloat(el.style.top) || 0);
    expect(at(row.parentElement!) + at(row)).toBe(2 * ROW_HEIGHT);
    expect(row.getAttribute('aria-rowindex')).toBe('4'); // the header is row 1
    // every row is a grid of the header's columns (one template: --cols)
    expect(within(row).getAllByRole('cell')).toHaveLength(5);
    expect(row.className).toContain('vgrid-row');
    expect(head.querySelector('[role="row"]')!.className).toContain('vgrid-row');
  });

  it('a scroll step reuses the row elements it drops for the rows it brings; a focused row scrolled away lets the focus go', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => rule('KUBE-SERVICES', i + 1, `-j KUBE-SVC-${i}`, { target: `KUBE-SVC-${i}`, owner: 'kubernetes' }));
    const { transport } = fakeTransport(handlers(many));
    renderWith(<NatView />, transport);
    const table = await screen.findByRole('table', { name: 'Firewall rules' });
    const first = await waitFor(() => table.querySelector<HTMLElement>('[data-rule-id="ipv4/nat/KUBE-SERVICES/1"]')!);
    const before = new Set(table.querySelectorAll('[role="row"][data-index]'));
    first.focus();
    expect(document.activeElement).toBe(first);
    const scroller = screen.getByTestId('nat-scroll');
    await act(async () => {
      scroller.scrollTop = 100 * ROW_HEIGHT;
      fireEvent.scroll(scroller);
    });
    await waitFor(() => expect(table.querySelector('[data-rule-id="ipv4/nat/KUBE-SERVICES/101"]')).toBeTruthy());
    expect(table.querySelector('[data-rule-id="ipv4/nat/KUBE-SERVICES/1"]')).toBeNull();
    // the same elements, now other rules (keyed by their place in the window, not by rule)
    expect([...table.querySelectorAll('[role="row"][data-index]')].filter((r) => before.has(r)).length).toBeGreaterThan(10);
    // the focus is not left on an element that now shows another rule
    expect((document.activeElement as HTMLElement | null)?.dataset?.ruleId).toBeUndefined();
  });

  it('keyboard: the current row is the one tab stop; arrows move it and select the rule, Enter opens it', async () => {
    const { transport } = fakeTransport(handlers(RULES));
    renderWith(<NatView />, transport);
    const table = await screen.findByRole('table', { name: 'Firewall rules' });
    const rowOf = (id: string) => table.querySelector<HTMLElement>(`[data-rule-id="${id}"]`)!;
    await waitFor(() => expect(rowOf('ipv4/nat/PREROUTING/1')).toBeTruthy());
    expect([...table.querySelectorAll('[data-rule-id]')].map((r) => r.getAttribute('tabindex'))).toEqual(['0', '-1', '-1', '-1']);
    const first = rowOf('ipv4/nat/PREROUTING/1');
    first.focus();
    fireEvent.keyDown(first, { key: 'Enter' });
    expect(await screen.findByRole('complementary', { name: 'Rule nat PREROUTING #1' })).toBeTruthy();
    fireEvent.keyDown(first, { key: 'ArrowDown' });
    expect(await screen.findByRole('complementary', { name: 'Rule nat BERTH #1' })).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(rowOf('ipv4/nat/BERTH/1')));
    expect(rowOf('ipv4/nat/BERTH/1').getAttribute('tabindex')).toBe('0');
    expect(rowOf('ipv4/nat/BERTH/1').getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(rowOf('ipv4/nat/BERTH/1'), { key: 'End' });
    expect(await screen.findByRole('complementary', { name: 'Rule nat DOCKER #1' })).toBeTruthy();
    fireEvent.click(rowOf('ipv4/nat/BERTH/2'));
    expect(await screen.findByRole('complementary', { name: 'Rule nat BERTH #2' })).toBeTruthy();
  });

  it('a failed refresh keeps the rows and says so in one line; the next one that works clears the note', async () => {
    let down = false;
    const answer = natQuery(RULES);
    const { transport } = fakeTransport({
      'nat.query': (params: unknown) => {
        if (down) throw Object.assign(new Error('iptables-save timed out'), { kind: 'unavailable' });
        return answer(params);
      },
      'nat.counters': () => ({ takenAt: '', counters: [], changed: [] }),
    });
    renderWith(<NatView />, transport);
    const table = await screen.findByRole('table', { name: 'Firewall rules' });
    await waitFor(() => expect(table.querySelector('[data-rule-id="ipv4/nat/BERTH/2"]')).toBeTruthy());
    down = true;
    fireEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    const note = await waitFor(() => screen.getByText(/^Could not refresh the firewall rules/).closest('.refresh-error')!, { timeout: 10_000 });
    expect(note.textContent).toContain('iptables-save timed out');
    expect(screen.getByRole('table', { name: 'Firewall rules' }).querySelector('[data-rule-id="ipv4/nat/BERTH/2"]')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
    down = false;
    fireEvent.click(screen.getByRole('button', { name: 'Refresh' }));
    await waitFor(() => expect(screen.queryByText(/^Could not refresh/)).toBeNull());
    expect(screen.getByRole('table', { name: 'Firewall rules' }).querySelector('[data-rule-id="ipv4/nat/BERTH/2"]')).toBeTruthy();
  });

  it('a first reading that fails is an error', async () => {
    const { transport } = fakeTransport({
      'nat.query': () => { throw Object.assign(new Error('iptables-save timed out'), { kind: 'unavailable' }); },
      'nat.counters': () => ({ takenAt: '', counters: [], changed: [] }),
    });
    renderWith(<NatView />, transport);
    expect((await screen.findByRole('alert')).textContent).toContain('Could not read the firewall rules: iptables-save timed out');
    expect(screen.queryByText(/^Could not refresh/)).toBeNull();
  });

  it('search finds the rule among 10,000 and says how many match', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => rule('KUBE-SERVICES', i + 1, `-d 10.96.${i >> 8}.${i & 255}/32 -j KUBE-SVC-${i}`, { target: `KUBE-SVC-${i}`, owner: 'kubernetes' }));
    const { transport } = fakeTransport(handlers(many));
    renderWith(<NatView />, transport);
    await screen.findByRole('table', { name: 'Firewall rules' });
    fireEvent.change(screen.getByRole('searchbox', { name: 'Search rules' }), { target: { value: 'kube-svc-9876 ' } });
    await waitFor(() => expect(screen.getByRole('search').textContent).toContain('1 of 10,000 rules'));
    await waitFor(() => expect(document.querySelector('[data-rule-id="ipv4/nat/KUBE-SERVICES/9877"]')).toBeTruthy());
    expect(document.querySelectorAll('[data-rule-id]')).toHaveLength(1);
  });
});
