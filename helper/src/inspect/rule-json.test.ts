import { describe, expect, it } from 'vitest';
import type { FirewallRule } from '../../../src/shared/inspect';
import { newSaveState, parseIptablesSave } from './iptables-parse';
import { RuleMemo, writableRule } from './rule-memo';
import { ruleJsonText } from './rule-json';

const save = (counters: number, port = 80) => `*nat
:DOCKER - [0:0]
[${counters}:${counters * 64}] -A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:${port}
[${counters}:0] -A DOCKER -m comment --comment "a \\"quoted\\" packets\\",\\"packets\\":1" -j RETURN
[0:0] -A DOCKER -s 10.0.0.0/8 ! -o br0 -j MASQUERADE
[0:0] -A DOCKER -s 10.0.0.0/8 ! -o br0 -j MASQUERADE
COMMIT
`;

// every rule's text is JSON.stringify's
const expectSame = (rules: FirewallRule[]) => {
  for (const r of rules) expect(ruleJsonText(r)).toBe(JSON.stringify(r));
};

describe('ruleJsonText: a parsed rule as JSON.stringify writes it', () => {
  it('for new lines, counters changed, owners and engine objects changed, a line repeated', () => {
    const memo = new RuleMemo();
    let rules: FirewallRule[] = [];
    for (const [k, counters] of [3, 3, 5, 6].entries()) {
      rules = parseIptablesSave(save(counters, k === 3 ? 81 : 80), 'ipv4', [], newSaveState(memo));
      expectSame(rules);
      const w = writableRule(rules, 0);
      w.owner = 'docker';
      w.ownerEvidence = `chain "DOCKER" ${k}`;
      if (k % 2) w.ownerObject = { kind: 'container', id: `c${k}`, name: 'web ☃' };
      writableRule(rules, 2).ownerObject = null;
      expectSame(rules);
      memo.settle(rules);
      expectSame(rules);
      expectSame(rules);
    }
    const w = writableRule(rules, 0);
    delete w.ownerObject;
    expectSame(rules);
  });

  it('leaves to JSON.stringify what it does not know: other fields or their order, other objects', () => {
    const [r] = parseIptablesSave(save(1), 'ipv4');
    const { id, ...rest } = r;
    expect(ruleJsonText({ ...rest, id })).toBeUndefined(); // id last
    expect(ruleJsonText({ ...r, extra: 1 })).toBeUndefined();
    expect(ruleJsonText({ ...r, source: 'nftables' })).toBeUndefined();
    expect(ruleJsonText({ name: 'x' })).toBeUndefined();
  });
});
