import type { BaseChain, FirewallRule } from '../../../src/shared/inspect';
import { splitWords } from './tokens';
import { decodeNat } from './nat-decode';
import { scanSave } from '../kernel/save-lines';

export type Family = 'ipv4' | 'ipv6';

// Options iptables-save prints with no value; everything else takes the
// words up to the next option (`--tcp-flags FIN,SYN SYN`, `--match-set s dst`).
// Character tests, not a regex per word: this runs for every word of every rule.
const isLetter = (c: string | undefined) => c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
const isOption = (w: string) => w === '!' || (w[0] === '-' && (isLetter(w[1]) || (w[1] === '-' && isLetter(w[2]))));

// The priority netfilter gives each iptables table's chains (NF_IP_PRI_*):
// nat's are dstnat (-100) before routing and srcnat (100) after it.
const PRIORITY: Record<string, number> = { raw: -300, mangle: -150, filter: 0, security: 50 };
const priorityOf = (table: string, chain: string) =>
  table === 'nat' ? (chain === 'PREROUTING' || chain === 'OUTPUT' ? -100 : 100) : PRIORITY[table];

// Parse `iptables-save [-c]` output into rules with their matches, target
// and counters. Owners are filled in later by classify (they need the links).
// The built-in chains (those with a policy) go to `baseChains` when given.
export function parseIptablesSave(text: string, family: Family, baseChains?: BaseChain[]): FirewallRule[] {
  const rules: FirewallRule[] = [];
  const positions = new Map<string, number>();
  scanSave(text, (l) => {
    if (l.kind === 'chain') {
      const priority = priorityOf(l.table, l.chain);
      if (baseChains && l.policy !== '-' && priority !== undefined)
        baseChains.push({
          source: 'iptables', family, table: l.table, chain: l.chain, type: l.table === 'nat' ? 'nat' : 'filter',
          hook: l.chain.toLowerCase(), priority, policy: l.policy === 'DROP' ? 'drop' : 'accept',
        });
      return;
    }
    if (l.kind !== 'rule') return;
    const { table, chain } = l;
    const key = `${table}/${chain}`;
    const position = (positions.get(key) ?? 0) + 1;
    positions.set(key, position);
    const { matches, target, targetArgs } = readWords(splitWords(l.spec));
    const rule: FirewallRule = {
      id: `${family}/${table}/${chain}/${position}`,
      family,
      source: 'iptables',
      table,
      chain,
      position,
      text: l.text,
      matches,
      target,
      targetArgs,
      packets: l.packets,
      bytes: l.bytes,
      comment: matches.comment ?? null,
      owner: 'unknown',
      ownerEvidence: '',
      mapping: null,
    };
    rule.mapping = decodeNat(rule);
    rules.push(rule);
  });
  return rules;
}

function readWords(words: string[]) {
  const matches: Record<string, string> = {};
  const targetArgs: Record<string, string> = {};
  let target = '';
  let inTarget = false;
  let negate = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    if (w === '!') {
      negate = true;
      continue;
    }
    if (!isOption(w)) continue; // a stray value; kept in `text`
    // the words up to the next option, joined (mostly exactly one)
    let value = '';
    if (i + 1 < words.length && !isOption(words[i + 1])) {
      value = words[++i];
      while (i + 1 < words.length && !isOption(words[i + 1])) value += ` ${words[++i]}`;
    }
    const name = w.slice(w[1] === '-' ? 2 : 1);
    if ((name === 'j' || name === 'g') && !inTarget) {
      target = value;
      inTarget = true;
      if (name === 'g') targetArgs.goto = 'true';
    } else if (inTarget) {
      targetArgs[negate ? `!${name}` : name] = value;
    } else {
      const key = negate ? `!${name}` : name;
      matches[key] = key in matches ? `${matches[key]},${value}` : value;
    }
    negate = false;
  }
  return { matches, target, targetArgs };
}

// The rule's spec (what follows `-A CHAIN `), for -D / -I lines.
export const ruleSpec = (r: Pick<FirewallRule, 'text' | 'chain'>) => r.text.slice(4 + r.chain.length);
