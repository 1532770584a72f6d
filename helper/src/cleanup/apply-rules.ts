import type { HostInspect } from '../../../src/shared/inspect';
import { ruleSpec } from '../inspect/iptables-parse';
import { iptablesRestore, iptablesSave, type Family as IpFamily } from '../kernel/iptables';
import { scanSave } from '../kernel/save-lines';
import { errText, ofKind, type Outcome } from './apply-outcome';
import type { Planned } from './planned';
import { deleteLines, restoreText } from './restore-text';
import { chainKey, saveFile, type RemovedRule, type Snapshot } from './snapshot';

type RuleRef = { family: string; table: string; chain: string; text: string };

// Saves every table of the families the chosen rules live in into the
// snapshot directory. That reading is also what the rules look like now: a
// rule the plan named that is no longer there went on its own (CNI's DEL:
// done), which the returned test tells.
export async function saveRulesNow(dir: string, chosen: Planned[]): Promise<(r: RuleRef) => boolean> {
  const families = new Set(ofKind(chosen, 'rule').map((p) => p.target.rule.family));
  const now = new Map<string, Set<string>>(); // chainKey -> rule lines; only tables that could be read
  for (const family of families)
    for (const table of ['filter', 'nat', 'raw', 'mangle']) {
      let text: string;
      try {
        text = await iptablesSave(family, { table });
        scanSave(text, (l) => {
          const k = chainKey(family as IpFamily, table, l.kind === 'table' ? '' : l.chain);
          if (l.kind === 'chain') now.set(k, now.get(k) ?? new Set());
          else if (l.kind === 'rule') now.set(k, (now.get(k) ?? new Set()).add(l.text));
        });
        now.set(chainKey(family as IpFamily, table, ''), new Set()); // this table was read
      } catch (e) {
        text = `# unreadable: ${errText(e)}\n`;
      }
      await saveFile(dir, `${family}-${table}.rules`, text);
    }
  return (r) =>
    now.has(chainKey(r.family as IpFamily, r.table, '')) && !now.get(chainKey(r.family as IpFamily, r.table, r.chain))?.has(r.text);
}

// Rules: one atomic restore per family; the same rule named by two findings
// is removed once. The snapshot records each removed rule and its chain as
// it was, for undo.
export async function removeRules(host: HostInspect, chosen: Planned[], goneSincePlan: (r: RuleRef) => boolean, snap: Snapshot, out: Outcome): Promise<void> {
  const rules = ofKind(chosen, 'rule');
  for (const family of new Set(rules.map((p) => p.target.rule.family))) {
    const mine = rules.filter((p) => p.target.rule.family === family);
    const byRule = new Map<string, RemovedRule>();
    for (const { target: { rule: r } } of mine) {
      if (goneSincePlan(r)) continue; // nothing to delete, nothing for undo to put back
      const earlierCopy = host.rules.some(
        (x) => x.source === 'iptables' && x.family === r.family && x.table === r.table && x.chain === r.chain && x.position < r.position && x.text === r.text,
      );
      byRule.set(r.id, { family: family as IpFamily, table: r.table, chain: r.chain, position: r.position, spec: ruleSpec(r), ...(earlierCopy ? { byPosition: true } : {}) });
    }
    const removed = [...byRule.values()];
    try {
      if (removed.length) await iptablesRestore(restoreText(deleteLines(removed)), family as IpFamily);
      snap.rules.push(...removed);
      for (const r of removed) {
        const k = chainKey(r.family, r.table, r.chain);
        snap.chainsBefore[k] ??= host.rules
          .filter((x) => x.source === 'iptables' && x.family === r.family && x.table === r.table && x.chain === r.chain)
          .map((x) => x.text);
      }
      out.applied.push(...mine.map((p) => p.id));
    } catch (e) {
      for (const p of mine) out.failed.push({ id: p.id, error: errText(e) });
    }
  }
}
