import { describe, expect, it } from 'vitest';
import { noneBackend, type FirewallBackend } from './backend';
import { planGuest, withGuest, type GuestView } from './guest';

const bridges = [
  { id: 'aaaaaaaaaaaa0000', bridge: 'berth0' },
  { id: 'bbbbbbbbbbbb0000', bridge: 'br-bbbbbbbbbbbb' },
];
const view = (over: Partial<GuestView>): GuestView => ({ iptables: null, nft: [], firewalld: false, errors: [], ...over });

describe('planGuest', () => {
  it('accepts every bridge, berth0 included, at the head of an iptables FORWARD that drops', () => {
    const p = planGuest(view({ iptables: { forwardDrop: true, ours: [] } }), bridges);
    expect(p.iptablesScript).toBe(
      [
        '*filter',
        '-I FORWARD 1 -i berth0 -m comment --comment "berth:aaaaaaaaaaaa" -j ACCEPT',
        '-I FORWARD 1 -o berth0 -m comment --comment "berth:aaaaaaaaaaaa" -j ACCEPT',
        '-I FORWARD 1 -i br-bbbbbbbbbbbb -m comment --comment "berth:bbbbbbbbbbbb" -j ACCEPT',
        '-I FORWARD 1 -o br-bbbbbbbbbbbb -m comment --comment "berth:bbbbbbbbbbbb" -j ACCEPT',
        'COMMIT',
        '',
      ].join('\n'),
    );
    expect(p.missing).toHaveLength(4);
    expect(p.report.done[0]).toMatch(/^iptables filter FORWARD drops by default .*\(berth0, br-bbbbbbbbbbbb\)/);
  });

  it('changes nothing when all is in place, and takes its rules away when FORWARD accepts again', () => {
    const ours = ['-i berth0 -m comment --comment "berth:aaaaaaaaaaaa" -j ACCEPT', '-o berth0 -m comment --comment "berth:aaaaaaaaaaaa" -j ACCEPT'];
    const same = planGuest(view({ iptables: { forwardDrop: true, ours } }), bridges.slice(0, 1));
    expect([same.iptablesScript, same.nftScript, same.missing, same.extra]).toEqual(['', '', [], []]);
    const gone = planGuest(view({ iptables: { forwardDrop: false, ours } }), bridges.slice(0, 1));
    expect(gone.iptablesScript).toBe(`*filter\n-D FORWARD ${ours[0]}\n-D FORWARD ${ours[1]}\nCOMMIT\n`);
    expect(gone.report.done).toEqual([]);
  });

  it("inserts into another table's dropping forward chain, deletes by handle what is no longer wanted, warns about firewalld", () => {
    const p = planGuest(
      view({
        nft: [{ family: 'inet', table: 'firewalld', name: 'filter_FORWARD', why: 'ends in drop/reject', ours: [{ handle: 7, key: 'iifname br-old000000000 berth:old000000000' }] }],
        firewalld: true,
      }),
      bridges.slice(0, 1),
    );
    expect(p.nftScript).toBe(
      'delete rule inet firewalld filter_FORWARD handle 7\n' +
        'insert rule inet firewalld filter_FORWARD iifname "berth0" accept comment "berth:aaaaaaaaaaaa"\n' +
        'insert rule inet firewalld filter_FORWARD oifname "berth0" accept comment "berth:aaaaaaaaaaaa"\n',
    );
    expect(p.report.warnings[0]).toContain('firewall-cmd --permanent --zone=trusted --add-interface=berth0');
  });
});

describe('planGuest on IPv6', () => {
  it('accepts every bridge at the head of an ip6tables FORWARD that drops, apart from iptables, and takes them away after', () => {
    const p = planGuest(view({ iptables: { forwardDrop: false, ours: [] }, ip6tables: { forwardDrop: true, ours: [] } }), bridges.slice(1));
    expect(p.iptablesScript).toBe('');
    expect(p.ip6tablesScript).toBe(
      '*filter\n-I FORWARD 1 -i br-bbbbbbbbbbbb -m comment --comment "berth:bbbbbbbbbbbb" -j ACCEPT\n-I FORWARD 1 -o br-bbbbbbbbbbbb -m comment --comment "berth:bbbbbbbbbbbb" -j ACCEPT\nCOMMIT\n',
    );
    expect(p.missing).toEqual([
      'ip6tables filter -A FORWARD -i br-bbbbbbbbbbbb -m comment --comment "berth:bbbbbbbbbbbb" -j ACCEPT',
      'ip6tables filter -A FORWARD -o br-bbbbbbbbbbbb -m comment --comment "berth:bbbbbbbbbbbb" -j ACCEPT',
    ]);
    expect(p.report.done).toEqual([expect.stringMatching(/^ip6tables filter FORWARD drops by default .*\(br-bbbbbbbbbbbb\)/)]);
    const ours = ['-i br-bbbbbbbbbbbb -m comment --comment "berth:bbbbbbbbbbbb" -j ACCEPT'];
    const gone = planGuest(view({ ip6tables: { forwardDrop: true, ours } }), []);
    expect(gone.ip6tablesScript).toBe(`*filter\n-D FORWARD ${ours[0]}\nCOMMIT\n`);
    expect(gone.extra).toEqual([`ip6tables filter -A FORWARD ${ours[0]}`]);
  });
});

describe('withGuest', () => {
  it('passes the inner backend\'s background writes through, so the engine waits for them', async () => {
    let done = false;
    const commit = new Promise<void>((r) => setTimeout(() => ((done = true), r()), 10));
    const inner: FirewallBackend = { ...noneBackend, name: 'iptables', settled: () => commit, pending: () => !done };
    const fw = withGuest(inner);
    expect(fw.pending?.()).toBe(true);
    await fw.settled?.();
    expect(done).toBe(true);
    expect(fw.pending?.()).toBe(false);
  });
});
