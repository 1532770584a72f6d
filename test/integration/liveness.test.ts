import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/shared/inspect';
import { TestHost } from './harness';
import { messBuilders } from './mess';

// Cleanup judges liveness by evidence: on a host with a default route, a
// user's rules for remote networks are never "dangling", while a Docker
// network whose bridge is gone, a CNI container whose namespace is gone and
// an orphan bridge still are. Real kernel, real helper, through the CLI.
const USER_RULES = `*filter
:ufw-user-forward - [0:0]
:DOCKER-USER - [0:0]
-A FORWARD -j DOCKER-USER
-A FORWARD -j ufw-user-forward
-A ufw-user-forward -s 203.0.113.0/24 -j ACCEPT
-A ufw-user-forward -d 8.8.8.0/24 -j ACCEPT
-A DOCKER-USER -s 192.0.2.0/24 -j ACCEPT
COMMIT
*nat
-A POSTROUTING -s 100.64.0.0/16 -j MASQUERADE
COMMIT
`;
// Leftovers: a Docker network's DNAT, hairpin and MASQUERADE (its bridge
// br-aaaaaaaaaaaa is gone), a CNI portmap DNAT to a container address on
// cni0 that no namespace holds any more.
const DEAD = `*nat
:DOCKER - [0:0]
:CNI-DN-0123456789abcdef01234 - [0:0]
-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
-A PREROUTING -m addrtype --dst-type LOCAL -j CNI-DN-0123456789abcdef01234
-A POSTROUTING -s 172.19.0.0/16 ! -o br-aaaaaaaaaaaa -j MASQUERADE
-A POSTROUTING -s 172.19.0.2/32 -d 172.19.0.2/32 -p tcp -m tcp --dport 80 -j MASQUERADE
-A DOCKER ! -i br-aaaaaaaaaaaa -p tcp -m tcp --dport 8090 -j DNAT --to-destination 172.19.0.2:80
-A CNI-DN-0123456789abcdef01234 -p tcp -m tcp --dport 8095 -m comment --comment "dnat name: \\"cninet\\" id: \\"0d8f3a\\"" -j DNAT --to-destination 10.22.0.9:80
COMMIT
`;

describe('liveness by evidence', () => {
  let h: TestHost;
  let found: Finding[];
  const sh = (line: string) => h.shOk(line.split(' '));
  const { bridge, foreignContainer } = messBuilders(sh);

  beforeAll(async () => {
    h = await TestHost.create();
    // an uplink and a default route through it, like any desktop
    const gw = await h.addOutside();
    await sh(`ip route add default via ${gw}`);
    await bridge('cni0', '10.22.0.1/24');
    await foreignContainer('cnilive', 'vethcni1', 'cni0', '10.22.0.5/24');
    await bridge('br-0123456789ab', ''); // orphan: no port, no address
    const r = await h.sh(['iptables-restore', '--noflush'], { input: USER_RULES + DEAD });
    if (r.code !== 0) throw new Error(`iptables-restore: ${r.stderr}`);
    await h.startHelper(['--drift-interval', '3600000']);
    found = (JSON.parse(await h.berthOk(['cleanup', '--format', 'json'])) as { findings: Finding[] }).findings;
  });
  afterAll(async () => h?.destroy());

  const about = (needle: string) => found.filter((f) => f.evidence[0].includes(needle));

  it("proposes none of the user's rules for networks the default route reaches", () => {
    for (const net of ['203.0.113.0/24', '8.8.8.0/24', '192.0.2.0/24', '100.64.0.0/16'])
      expect(about(net), `${net} in\n${found.map((f) => f.evidence[0]).join('\n')}`).toEqual([]);
  });

  it("still finds a dead Docker network's and a dead CNI container's rules, each with its evidence, and the orphan bridge", () => {
    const dnat = about('--dport 8090');
    expect(dnat).toHaveLength(1);
    expect(dnat[0]).toMatchObject({ kind: 'dangling-nat-rule', owner: 'docker', risk: 'foreign' });
    expect(dnat[0].evidence.join('\n')).toContain("evidence: 172.19.0.2 is in docker's address pool");
    expect(about('-d 172.19.0.2/32')[0]).toMatchObject({ kind: 'dangling-masquerade', owner: 'docker' });
    expect(about('-s 172.19.0.0/16 ! -o br-aaaaaaaaaaaa')[0]).toMatchObject({ kind: 'dangling-masquerade', owner: 'docker' });
    const cni = about('--dport 8095');
    expect(cni[0]).toMatchObject({ kind: 'dangling-nat-rule', owner: 'cni' });
    expect(cni[0].evidence).toContain('evidence: 10.22.0.9 is on bridge cni0 (10.22.0.0/24) and no namespace holds it');
    expect(found.some((f) => f.kind === 'empty-bridge' && f.evidence[0].startsWith('bridge br-0123456789ab'))).toBe(true);
    // nothing alive is proposed: the live CNI container's address, the uplink
    expect(found.map((f) => f.evidence.join(' ')).join('\n')).not.toMatch(/10\.22\.0\.5|up-outside|198\.51\.100/);
  });

  it('a bulk --include-foreign apply leaves every user rule byte-identical', async () => {
    const userLines = USER_RULES.split('\n').filter((l) => l.startsWith('-A'));
    await h.berthOk(['cleanup', '--apply', '--include-foreign']);
    const save = await h.shOk(['iptables-save']);
    for (const l of userLines) expect(save).toContain(l);
    expect(save).not.toContain('--dport 8090');
    expect(save).not.toContain('--dport 8095');
  });
});
