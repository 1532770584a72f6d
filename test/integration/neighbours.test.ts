import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet, TestHost, waitFor } from './harness';

// The nftables backend beside firewalls that drop forwarded traffic by
// default: an iptables FORWARD policy DROP (as Docker and ufw set it) and
// another nft table's forward chain with policy drop (nftables.conf,
// firewalld). Berth's published ports and egress work through an "outside"
// namespace, `info` and `doctor` say what Berth did, a reload of the other
// firewall is healed, and the other firewall's own rules stay as they were.
const HOST = '198.51.100.1';
const OTHER_NFT = `table inet filter {
  chain forward {
    type filter hook forward priority 0; policy drop;
    ct state established,related accept
  }
}
`;

describe('nftables backend next to firewalls that drop forwarded traffic', () => {
  let h: TestHost;
  const outside = (argv: string[]) => h.sh(['ip', 'netns', 'exec', 'outside', ...argv]);
  const httpOutside = async (port: number) => (await outside(httpGet(`http://${HOST}:${port}/`, 1))).code === 0;
  const otherChain = async () => h.shOk(['nft', 'list', 'chain', 'inet', 'filter', 'forward']);

  beforeAll(async () => {
    h = await TestHost.create();
    await h.addOutside();
    await h.shOk(['iptables', '-P', 'FORWARD', 'DROP']);
    await h.shOk(['iptables', '-A', 'FORWARD', '-s', '203.0.113.0/24', '-j', 'ACCEPT']);
    const r = await h.sh(['nft', '-f', '-'], { input: OTHER_NFT });
    if (r.code !== 0) throw new Error(`nft: ${r.stderr}`);
    await h.startHelper(['--firewall', 'nftables']);
    await h.berthOk(['network', 'create', '--subnet', '10.77.0.0/24', 'pub']);
    await h.berthOk(['run', '-d', '--name', 'web', '--network', 'pub', '-p', '8080:8000', '--', 'python3', '-m', 'http.server', '8000']);
    await waitFor(async () => (await h.inContainer('web', ['ss', '-Hltn', 'sport = :8000'])).stdout.trim() !== '', 60_000, 'web listening');
  });
  afterAll(async () => h?.destroy());

  it('publishes a port to the outside and lets containers out, through both drops', async () => {
    expect(await waitFor(() => httpOutside(8080), 60_000, 'outside -> 8080')).toBe(true);
    expect(await h.pings('web', '198.51.100.2')).toBe(true);
    await h.berthOk(['run', '-d', '--name', 'def', '--', 'sleep', 'infinity']); // on berth0
    expect(await h.pings('def', '198.51.100.2')).toBe(true);
  });

  it('puts one tagged accept in and out per bridge, berth0 included, at the head of each dropping chain', async () => {
    const br = `br-${(JSON.parse(await h.berthOk(['network', 'inspect', 'pub']))[0].Id as string).slice(0, 12)}`;
    const fwd = (await h.shOk(['iptables', '-S', 'FORWARD'])).split('\n');
    expect(fwd[0]).toBe('-P FORWARD DROP');
    for (const b of ['berth0', br]) {
      expect(fwd).toContainEqual(expect.stringMatching(new RegExp(`^-A FORWARD -i ${b} -m comment --comment "?berth:[0-9a-f]{12}"? -j ACCEPT$`)));
      expect(fwd).toContainEqual(expect.stringMatching(new RegExp(`^-A FORWARD -o ${b} -m comment --comment "?berth:[0-9a-f]{12}"? -j ACCEPT$`)));
    }
    expect(fwd).toContain('-A FORWARD -s 203.0.113.0/24 -j ACCEPT');
    const chain = await otherChain();
    expect(chain).toMatch(/policy drop;\n\s+(\S+ "(berth0|br-[0-9a-f]{12})" accept comment "berth:[0-9a-f]{12}"\n\s+){4}ct state established,related accept/);
  });

  it('says what it did in info and doctor', async () => {
    const info = JSON.parse(await h.berthOk(['info', '--format', 'json']));
    const changes = info.hostChanges.join('\n');
    expect(changes).toContain('iptables filter FORWARD drops by default');
    expect(changes).toContain('nft chain inet filter forward (policy drop): Berth accepts its bridges there');
    expect(await h.berthOk(['info'])).toMatch(/Host change: +iptables filter FORWARD drops by default/);
    expect(await h.berthOk(['doctor'])).toMatch(/ok +nft chain inet filter forward \(policy drop\)/);
  });

  it("comes back after the other firewall reloads, and goes when that firewall stops dropping", async () => {
    // a reload: the other firewall's table is rewritten without Berth's rules
    await h.shOk(['nft', 'delete', 'table', 'inet', 'filter']);
    await h.shOk(['iptables', '-D', 'FORWARD', '-i', 'berth0', '-m', 'comment', '--comment', (await tagOf('berth0')), '-j', 'ACCEPT']);
    const r = await h.sh(['nft', '-f', '-'], { input: OTHER_NFT });
    expect(r.code).toBe(0);
    await waitFor(async () => (await otherChain()).includes('iifname "berth0" accept'), 60_000, 'accepts back in inet filter forward');
    await waitFor(async () => (await h.shOk(['iptables', '-S', 'FORWARD'])).includes('-i berth0 -m comment'), 60_000, 'accept back in FORWARD');
    expect(await waitFor(() => httpOutside(8080), 60_000, 'traffic after the reload')).toBe(true);
    // the other firewall no longer drops: Berth's accepts there are not needed, and go
    await h.shOk(['nft', 'chain', 'inet', 'filter', 'forward', '{ policy accept; }']);
    await waitFor(async () => !(await otherChain()).includes('berth:'), 60_000, 'accepts gone from a chain that no longer drops');
    await h.shOk(['nft', 'chain', 'inet', 'filter', 'forward', '{ policy drop; }']);
    await waitFor(async () => (await otherChain()).includes('berth:'), 60_000, 'accepts back');
  });

  const tagOf = async (bridge: string) => {
    const line = (await h.shOk(['iptables', '-S', 'FORWARD'])).split('\n').find((l) => l.startsWith(`-A FORWARD -i ${bridge} `))!;
    return /berth:[0-9a-f]{12}/.exec(line)![0];
  };
});
