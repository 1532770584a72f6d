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
// `state`: where the text before this one ended (iptablesSaveParser); what
// is kept from one line to the next is kept there from one piece to the next.
export function parseIptablesSave(text: string, family: Family, baseChains?: BaseChain[], state: SaveState = newState()): FirewallRule[] {
  const rules: FirewallRule[] = [];
  const positions = state.positions;
  let { lastTable, lastChain, lastPosition, idPrefix } = state;
  state.table = scanSave(text, (l) => {
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
    const { table } = l;
    // iptables-save prints a chain's rules together: the Map (and its key
    // string) only when the chain changes, and the rules of one chain share
    // its name and the start of their ids (tens of thousands of rules are
    // kept while a reading is paged)
    let position: number;
    if (l.chain === lastChain && table === lastTable) position = ++lastPosition;
    else {
      if (lastChain !== '') positions.set(`${lastTable}/${lastChain}`, lastPosition);
      position = (positions.get(`${table}/${l.chain}`) ?? 0) + 1;
      [lastTable, lastChain, lastPosition] = [table, l.chain, position];
      idPrefix = `${family}/${table}/${lastChain}/`;
    }
    const chain = lastChain;
    const { matches, target, targetArgs } = readSpec(l.spec);
    const rule: FirewallRule = {
      id: idPrefix + position,
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
  }, state.table);
  Object.assign(state, { lastTable, lastChain, lastPosition, idPrefix });
  return rules;
}

// What one piece of a save leaves to the next: its table, each chain's rule count.
interface SaveState {
  table: string;
  positions: Map<string, number>;
  lastTable: string;
  lastChain: string;
  lastPosition: number;
  idPrefix: string;
}
const newState = (): SaveState => ({ table: '', positions: new Map(), lastTable: '', lastChain: '', lastPosition: 0, idPrefix: '' });

// parseIptablesSave over a save that arrives in pieces (`berth nat ls` parses
// while iptables-save still writes): `push` answers the rules of the lines
// the pieces so far complete, `end` those of a last line with no newline.
export function iptablesSaveParser(family: Family, baseChains?: BaseChain[]) {
  const state = newState();
  let rest = '';
  return {
    push(chunk: string): FirewallRule[] {
      const nl = chunk.lastIndexOf('\n');
      if (nl < 0) {
        rest += chunk;
        return [];
      }
      const text = rest + chunk.slice(0, nl + 1);
      rest = chunk.slice(nl + 1);
      return parseIptablesSave(text, family, baseChains, state);
    },
    end(): FirewallRule[] {
      const text = rest;
      rest = '';
      return text ? parseIptablesSave(text, family, baseChains, state) : [];
    },
  };
}

// A spec whose words are separated by single spaces with no quotes or
// escapes (most rules) is read in place: a value is the slice from its first
// word to its last, which is what joining those words with spaces gives, and
// no array of words is built. Others go word by word through splitWords.
const isLetterAt = (s: string, i: number) => {
  const c = s.charCodeAt(i) | 0x20; // NaN (past the end) | 0x20 is 0x20: no letter
  return c >= 0x61 && c <= 0x7a;
};
// isOption for the word spec[s, e)
const optionAt = (spec: string, s: number, e: number) =>
  spec.charCodeAt(s) === 0x21 /* ! */ ? e - s === 1
    : spec.charCodeAt(s) === 0x2d /* - */ && ((s + 1 < e && isLetterAt(spec, s + 1)) || (s + 2 < e && spec.charCodeAt(s + 1) === 0x2d && isLetterAt(spec, s + 2)));

function readSpec(spec: string) {
  const n = spec.length;
  if (spec.indexOf('"') >= 0 || spec.indexOf('\\') >= 0 || spec.indexOf('  ') >= 0 || spec.indexOf('\t') >= 0 || spec[0] === ' ' || spec[n - 1] === ' ')
    return readWords(splitWords(spec));
  const out = new RuleOptions();
  let negate = false;
  const endOf = (from: number) => {
    const e = spec.indexOf(' ', from);
    return e < 0 ? n : e;
  };
  let s = 0;
  while (s < n) {
    const e = endOf(s);
    if (e - s === 1 && spec.charCodeAt(s) === 0x21) {
      negate = true;
      s = e + 1;
      continue;
    }
    if (!optionAt(spec, s, e)) {
      s = e + 1; // a stray value; kept in `text`
      continue;
    }
    // the words up to the next option
    let next = e + 1;
    let valueEnd = e;
    while (next < n) {
      const we = endOf(next);
      if (optionAt(spec, next, we)) break;
      valueEnd = we;
      next = we + 1;
    }
    const value = valueEnd > e ? spec.slice(e + 1, valueEnd) : '';
    out.add(spec.slice(spec.charCodeAt(s + 1) === 0x2d ? s + 2 : s + 1, e), value, negate);
    negate = false;
    s = next;
  }
  return out;
}

/** Where a rule's options go: matches up to the first -j/-g, then the target's own arguments. */
class RuleOptions {
  matches: Record<string, string> = {};
  targetArgs: Record<string, string> = {};
  target = '';
  private inTarget = false;

  add(name: string, value: string, negate: boolean): void {
    if ((name === 'j' || name === 'g') && !this.inTarget) {
      this.target = value;
      this.inTarget = true;
      if (name === 'g') this.targetArgs.goto = 'true';
    } else if (this.inTarget) {
      this.targetArgs[negate ? `!${name}` : name] = value;
    } else {
      const key = negate ? `!${name}` : name;
      this.matches[key] = key in this.matches ? `${this.matches[key]},${value}` : value;
    }
  }
}

function readWords(words: string[]) {
  const out = new RuleOptions();
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
    out.add(w.slice(w[1] === '-' ? 2 : 1), value, negate);
    negate = false;
  }
  return out;
}

// The rule's spec (what follows `-A CHAIN `), for -D / -I lines.
export const ruleSpec = (r: Pick<FirewallRule, 'text' | 'chain'>) => r.text.slice(4 + r.chain.length);
