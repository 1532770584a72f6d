import { readFileSync, writeFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import type { HostRaw } from '../kernel/host-raw-types';
import { buildHostInspect } from '../inspect/build';
import { emptyBerthOwned, type BerthOwned } from './berth-owned';
import { findStale } from './findings';

// The parse, the owners and the plan of a mixed ruleset (the fixtures' saves
// plus generated rules of every shape the finders look at) against what
// they were before the parse and the finders were reworked for tens of
// thousands of rules (docs/cleanup.md): the same rules, owners and findings,
// byte for byte. PLAN_GOLDEN_WRITE=1 rewrites the file after an intended change.
const fixture = (name: string) => readFileSync(new URL(`../inspect/fixtures/${name}`, import.meta.url), 'utf8');
const raw = JSON.parse(fixture('hostraw.json')) as HostRaw;

function generated(n: number, v6: boolean): string {
  const nat = ['*nat', ':DOCKER - [0:0]', ':KUBE-SERVICES - [0:0]', ':CNI-HOSTPORT-DNAT - [0:0]', ':BERTH-DNAT - [0:0]', ':CNI-abc - [0:0]'];
  const filter = ['*filter', ':DOCKER - [0:0]', ':KUBE-FORWARD - [0:0]', ':BERTH-FORWARD - [0:0]'];
  const a = (i: number) => (v6 ? `fd00::${(i % 4000).toString(16)}` : `172.17.${(i >> 8) & 255}.${i & 255}`);
  const h = (i: number) => (v6 ? `${a(i)}/128` : `${a(i)}/32`);
  const to = (i: number, p: number) => (v6 ? `[${a(i)}]:${p}` : `${a(i)}:${p}`);
  for (let i = 0; i < n; i++) {
    const c = `[${(i * 37) % 900}:${((i * 37) % 900) * 64}]`;
    switch (i % 12) {
      case 0: nat.push(`${c} -A DOCKER ! -i docker0 -p tcp -m tcp --dport ${1024 + (i % 40)} -j DNAT --to-destination ${i % 24 ? to(i, 80) : v6 ? `[fd00::2]:${80 + ((i / 24) % 2)}` : `172.17.0.2:${80 + ((i / 24) % 2)}`}`); break;
      case 1: nat.push(`${c} -A KUBE-SERVICES -d ${v6 ? 'fd96::' : '10.96.0.'}${i % 200}${v6 ? '/128' : '/32'} -p tcp -m comment --comment "default/svc-${i}:http cluster IP" -m tcp --dport 80 -j RETURN`); break;
      case 2: nat.push(`${c} -A CNI-HOSTPORT-DNAT -p tcp -m comment --comment "dnat name: \\"cni${i}\\" id: \\"${i}\\"" -m multiport --dports ${2000 + i} -j RETURN`); break;
      case 3: filter.push(`${c} -A KUBE-FORWARD -d ${h(i)} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`); break;
      case 4: filter.push(`${c} -A DOCKER -d ${h(i)} ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT`); break;
      case 5: nat.push(`${c} -A BERTH-DNAT -p tcp -m tcp --dport ${5000 + i} -m comment --comment "berth:${Math.floor(i / 12) % 2 ? 'e0000000000001' : 'abcdefabcdef'}" -j DNAT --to-destination ${to(i, 80)}`); break;
      case 6: filter.push(`${c} -A BERTH-FORWARD -d ${h(i)} -o berth${i % 3} -m comment --comment "berth:n0000000000001" -j ACCEPT`); break;
      case 7: nat.push(`${c} -A POSTROUTING -s ${v6 ? `fd${i % 50}::/64` : `10.${i % 50}.0.0/16`} ! -o br-${(i % 7).toString().repeat(12)} -j MASQUERADE`); break;
      case 8: nat.push(`${c} -A POSTROUTING -s ${v6 ? `fd${i % 30}::/64` : `10.${100 + (i % 30)}.0.0/24`} -m comment --comment "name: \\"n${i}\\" id: \\"x\\"" -j CNI-abc`); break;
      case 9: nat.push(`${c} -A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER`); break;
      case 10: nat.push(`${c} -A POSTROUTING -s ${h(i)} -d ${h(i)} -p tcp -m tcp --dport 80 -j MASQUERADE`); break;
      default: filter.push(`${c} -A FORWARD -i br-${(i % 5).toString().repeat(12)} ! -o br-${(i % 5).toString().repeat(12)} -j ACCEPT`);
    }
  }
  nat.push('-A CNI-abc ! -d 224.0.0.0/4 -j MASQUERADE');
  return [...nat, 'COMMIT', ...filter, 'COMMIT', ''].join('\n');
}

const berth: BerthOwned = {
  ...emptyBerthOwned(),
  networks: [{ id: 'n0000000000001', name: 'gone', bridge: 'berth1', subnet: '172.29.0.0/24', gateway: '172.29.0.1', internal: false }],
  endpoints: [{ id: 'e0000000000001', networkId: 'n0000000000001', sandboxId: 's1', ip: '172.17.0.5', ip6: 'fd00::5', hostVeth: 'vethgone', netnsPath: '/run/netns/berth-cccccccccccc' }],
};

it('parses, owns and plans a mixed ruleset exactly as before', () => {
  const ipv4 = [raw.iptables.ipv4, fixture('docker20.save'), fixture('docker28.save'), fixture('others.save'), generated(300, false)].join('\n');
  const host = buildHostInspect({ ...raw, iptables: { ipv4, ipv6: generated(96, true) } });
  const actual = JSON.parse(JSON.stringify({ rules: host.rules, findings: findStale(host, berth) }));
  const file = new URL('./fixtures/plan-golden.json', import.meta.url);
  if (process.env.PLAN_GOLDEN_WRITE) writeFileSync(file, `${JSON.stringify(actual)}\n`);
  const golden = JSON.parse(readFileSync(file, 'utf8'));
  expect(actual.rules.length).toBeGreaterThan(450);
  expect(actual.findings.length).toBeGreaterThan(100);
  expect(actual.rules).toEqual(golden.rules);
  expect(actual.findings).toEqual(golden.findings);
});
