import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import type { HostRaw } from '../kernel/host-raw-types';
import { buildHostInspect } from '../inspect/build';
import { RuleMemo } from '../inspect/rule-memo';
import { emptyBerthOwned, type BerthOwned } from './berth-owned';
import { findStale, planStale } from './findings';
import { publicFinding } from './planned';
import { RuleVerdicts } from './rule-verdicts';
import { COLD_LINES, MatchByPlace } from '../../../src/shared/match-by-place';

// Plans read again through the rule memo, as the helper reads them: a plan that keeps
// its verdicts (rule-verdicts.ts) must say exactly what a plan judged afresh says.
const raw = JSON.parse(readFileSync(new URL('../inspect/fixtures/hostraw.json', import.meta.url), 'utf8')) as HostRaw;
const extra = (counter: number) => `*nat
[${counter}:0] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8081 -j DNAT --to-destination 172.17.0.3:80
[${counter}:0] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
[${counter}:0] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
[${counter}:0] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 9090 -j DNAT --to-destination 172.17.0.2:90
[${counter}:0] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 9090 -j DNAT --to-destination 172.17.0.2:91
[${counter}:0] -A POSTROUTING -s 10.22.0.0/16 -m comment --comment "name: \\"cninet\\" id: \\"dead\\"" -j CNI-0123abcd
[${counter}:0] -A CNI-0123abcd ! -d 224.0.0.0/4 -j MASQUERADE
[${counter}:0] -A POSTROUTING -s 172.31.0.0/24 -m comment --comment "berth:ffffffffffff" -j MASQUERADE
COMMIT
*filter
[${counter}:0] -A DOCKER -d 172.17.0.3/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
COMMIT
`;
const berth: BerthOwned = emptyBerthOwned();

function reader() {
  const memo = new RuleMemo();
  // `ahead`: nat DOCKER lines read before the rest
  return (opts: { counter?: number; routes?: HostRaw['routes']; ahead?: string } = {}) => {
    const head = opts.ahead ? `*nat\n${opts.ahead}\nCOMMIT\n` : '';
    const host = buildHostInspect({ ...raw, routes: opts.routes ?? raw.routes, iptables: { ipv4: `${head}${raw.iptables.ipv4}${extra(opts.counter ?? 0)}`, ipv6: null } }, {}, memo);
    memo.settle(host.rules);
    return host;
  };
}
// the findings a rule gets on its own (duplicates and shadowed DNATs are of the whole reading)
const ruleFindings = (plan: ReturnType<typeof planStale>) => plan.filter((p) => p.target.type === 'rule' && p.kind !== 'duplicate-rule' && p.kind !== 'shadowed-dnat');

describe('a plan that keeps its rule verdicts', () => {
  it('answers an unchanged line with the same finding, its public form frozen and the same object', () => {
    const read = reader();
    const verdicts = new RuleVerdicts();
    const h1 = read();
    const p1 = planStale(h1, berth, [], verdicts);
    expect(p1.map(publicFinding)).toEqual(findStale(h1, berth));
    const h2 = read();
    const p2 = planStale(h2, berth, [], verdicts);
    expect(p2.map(publicFinding)).toEqual(findStale(h2, berth));
    const [r1, r2] = [ruleFindings(p1), ruleFindings(p2)];
    expect(r1.length).toBeGreaterThanOrEqual(4);
    r2.forEach((p, i) => {
      expect(publicFinding(p)).toBe(publicFinding(r1[i]));
      expect(Object.isFrozen(publicFinding(p).commands[0])).toBe(true);
    });
  });

  it('targets the rule read now when only its counters moved', () => {
    const read = reader();
    const verdicts = new RuleVerdicts();
    const p1 = ruleFindings(planStale(read(), berth, [], verdicts));
    const h2 = read({ counter: 7 });
    const p2 = ruleFindings(planStale(h2, berth, [], verdicts));
    expect(p2.map(publicFinding)).toEqual(p1.map(publicFinding));
    for (const p of p2) {
      const rule = p.target.type === 'rule' ? p.target.rule : null;
      expect(h2.rules).toContain(rule);
      expect(rule?.packets).toBe(7);
    }
  });

  it('judges again when the host or the store changed', () => {
    const read = reader();
    const verdicts = new RuleVerdicts();
    const kinds = (plan: ReturnType<typeof planStale>) => plan.map((p) => `${p.kind} ${p.evidence[0]}`);
    planStale(read(), berth, [], verdicts);
    // a route to the CNI subnet: its masquerade is alive again
    const routed = read({ routes: [{ dst: '10.22.0.0/16', dev: 'docker0', protocol: 'static', flags: [] } as never, ...raw.routes] });
    const afterRoute = planStale(routed, berth, [], verdicts);
    expect(afterRoute.map(publicFinding)).toEqual(findStale(routed, berth));
    expect(kinds(afterRoute).some((k) => k.startsWith('dangling-masquerade'))).toBe(false);
    // the store has the network the Berth rule is tagged for: no orphan
    const known: BerthOwned = { ...berth, networks: [{ id: 'ffffffffffff0000', name: 'n', bridge: 'berth-n', subnet: '172.31.0.0/24', gateway: '172.31.0.1', internal: false }] };
    const h3 = read();
    const afterStore = planStale(h3, known, [], verdicts);
    expect(afterStore.map(publicFinding)).toEqual(findStale(h3, known));
    expect(kinds(afterStore).some((k) => k.startsWith('orphan-berth-rule'))).toBe(false);
    // and back
    const h4 = read();
    expect(planStale(h4, berth, [], verdicts).map(publicFinding)).toEqual(findStale(h4, berth));
  });

  it('finds the last verdicts of lines moved down by a few new lines ahead of them (no index made for it)', () => {
    const read = reader();
    const verdicts = new RuleVerdicts();
    const p1 = ruleFindings(planStale(read(), berth, [], verdicts));
    const ahead = ['-A DOCKER -p tcp -m tcp --dport 1 -j RETURN', '-A DOCKER -p tcp -m tcp --dport 2 -j RETURN', '-A DOCKER -p tcp -m tcp --dport 3 -j RETURN'].join('\n');
    const h2 = read({ ahead });
    const p2 = ruleFindings(planStale(h2, berth, [], verdicts));
    expect(p2.map(publicFinding)).toEqual(findStale(h2, berth).filter((f) => p1.some((p) => p.id === f.id)));
    p2.forEach((p, i) => expect(publicFinding(p)).toBe(publicFinding(p1[i])));
  });

  it('says what a plan judged afresh says after a cold plan, and when only its first lines are new', () => {
    const read = reader();
    const verdicts = new RuleVerdicts();
    // more new lines ahead of the fixture's than a plan looks up before it takes itself as cold
    const ahead = (v: number) => Array.from({ length: COLD_LINES + 100 }, (_, i) => `-A DOCKER ! -i docker0 -p tcp -m tcp --dport ${1024 + i + v} -j DNAT --to-destination 172.17.9.${i % 250}:80`).join('\n');
    const readWith = (v: number) => read({ ahead: ahead(v) });
    for (const h of [readWith(1), readWith(2), read(), readWith(3), readWith(3)]) {
      expect(planStale(h, berth, [], verdicts).map(publicFinding)).toEqual(findStale(h, berth));
    }
  });

  it('finds by index the verdicts of lines moved far, in a plan mostly found', () => {
    const read = reader();
    const verdicts = new RuleVerdicts();
    const same = Array.from({ length: COLD_LINES + 100 }, (_, i) => `-A DOCKER ! -i docker0 -p tcp -m tcp --dport ${1024 + i} -j DNAT --to-destination 172.17.9.${i % 250}:80`);
    const moved = Array.from({ length: 40 }, (_, i) => `-A DOCKER -p tcp -m tcp --dport ${i + 1} -j RETURN`);
    const p1 = ruleFindings(planStale(read({ ahead: same.join('\n') }), berth, [], verdicts));
    const h2 = read({ ahead: [...same, ...moved].join('\n') });
    const p2 = ruleFindings(planStale(h2, berth, [], verdicts));
    expect(p2.map(publicFinding)).toEqual(findStale(h2, berth).filter((f) => p1.some((p) => p.id === f.id)));
    p2.forEach((p, i) => expect(publicFinding(p)).toBe(publicFinding(p1[i])));
  });

  it('makes no index of the last plan for one whose lines are all new but its first few (as Berth\'s own, printed first)', () => {
    const memo = new RuleMemo();
    const verdicts = new RuleVerdicts();
    // the fixture's lines first, unchanged; then more new lines than a plan looks at before it indexes
    const many = (v: number) => Array.from({ length: COLD_LINES * 3 }, (_, i) => `-A DOCKER ! -i docker0 -p tcp -m tcp --dport ${1024 + i + v} -j DNAT --to-destination 172.17.9.${i % 250}:80`).join('\n');
    const readWith = (v: number) => {
      const host = buildHostInspect({ ...raw, iptables: { ipv4: `${raw.iptables.ipv4}*nat\n${many(v)}\nCOMMIT\n`, ipv6: null } }, {}, memo);
      memo.settle(host.rules);
      return host;
    };
    const indexed = vi.spyOn(MatchByPlace.prototype, 'indexed');
    try {
      for (const v of [1, 2]) {
        const h = readWith(v);
        indexed.mockClear(); // the rule memo's own index aside
        const plan = planStale(h, berth, [], verdicts);
        expect(indexed).not.toHaveBeenCalled();
        expect(plan.map(publicFinding)).toEqual(findStale(h, berth));
      }
    } finally {
      indexed.mockRestore();
    }
  });

  it('judges every line again after forget (a NAT reading started), saying what a plan judged afresh says', () => {
    const read = reader();
    const verdicts = new RuleVerdicts();
    const p1 = ruleFindings(planStale(read(), berth, [], verdicts));
    verdicts.forget();
    const h2 = read();
    const p2 = planStale(h2, berth, [], verdicts);
    expect(p2.map(publicFinding)).toEqual(findStale(h2, berth));
    // made anew, not the kept ones
    ruleFindings(p2).forEach((p, i) => expect(p).not.toBe(p1[i]));
  });
});
