import type { z } from 'zod';
import type { FirewallRule, NatTextParams, NatTextResult } from '../../../src/shared/inspect';
import { readFirewallRaw, streamIptablesSave } from '../kernel/host-readers';
import { scanSave } from '../kernel/save-lines';
import { classifyRules, linkOwnerMap } from './build';
import { nameEngineRules } from './engine-names';
import { iptablesSaveParser, type Family } from './iptables-parse';
import { tableMatches } from './nat-query';
import { natText } from './nat-text';
import { parseNftRuleset } from './nft-parse';
import { linkNameOwner } from './owner';

type Params = z.infer<typeof NatTextParams>;

// Where `berth nat ls`'s output goes, a piece at a time: `write` resolves once
// the client has read most of what was sent (the helper never holds more than
// a little of it); `signal` says the client went away.
export interface NatSink {
  write(text: string): Promise<void>;
  signal: AbortSignal;
}

// Rules per piece of json or table output: a notification of ~0.5 MB.
const PAGE = 2000;
const SAVES: [Family, 'iptables-save' | 'ip6tables-save'][] = [['ipv4', 'iptables-save'], ['ipv6', 'ip6tables-save']];

// `berth nat ls` (nat.text, see NatTextParams): one new reading, written to
// `sink` while iptables-save still prints. Its lines are handled as they come:
// raw without --owner are copied out with their table and nothing else (no
// rule is parsed); otherwise parsed, then classified and written once the
// whole save is in, because an owner can hang on a rule further on (a
// hairpin MASQUERADE is its DNAT's owner's, docs/decisions.md "Owners").
// IPv6's save runs beside IPv4's and is written after it; nft's rules last.
export async function streamNatText(p: Params, sink: NatSink): Promise<z.input<typeof NatTextResult>> {
  const errors: string[] = [];
  const copyOnly = p.format === 'raw' && !p.owner;
  const keep = (table: string, family: string) => (!p.table || tableMatches(table, p.table)) && (!p.family || family === p.family);
  // each piece goes out after the one before it has been read
  let written = Promise.resolve();
  const emit = (text: string) => {
    if (text && !sink.signal.aborted) written = written.then(() => (sink.signal.aborted ? undefined : sink.write(text)));
  };
  let matched = 0;
  const parsed: FirewallRule[][] = [];
  const side = readFirewallRaw({ ipv4: false, ipv6: false, nft: true, links: !copyOnly });

  // one save's pieces: copied out (raw) or parsed; each piece cut at its last line end
  const reader = (family: Family) => {
    if (!copyOnly) {
      const parser = iptablesSaveParser(family);
      const rules: FirewallRule[] = [];
      parsed.push(rules);
      const add = (got: FirewallRule[]) => {
        for (const r of got) rules.push(r);
      };
      return { push: (c: string) => add(parser.push(c)), end: () => add(parser.end()) };
    }
    let table = '';
    let rest = '';
    const copy = (text: string) => {
      const lines: string[] = [];
      table = scanSave(text, (l) => {
        if (l.kind === 'rule' && keep(l.table, family)) lines.push(`*${l.table} ${l.text}`);
      }, table);
      matched += lines.length;
      emit(lines.join('\n'));
    };
    return {
      push: (c: string) => {
        const nl = c.lastIndexOf('\n');
        if (nl < 0) return void (rest += c);
        copy(rest + c.slice(0, nl + 1));
        rest = c.slice(nl + 1);
      },
      end: () => rest && copy(rest),
    };
  };

  // IPv4's save is handled as it comes; IPv6's pieces wait for it (the output's order)
  let ipv4Done = !!p.family && p.family !== 'ipv4';
  const held: (() => void)[] = [];
  const reads = SAVES.filter(([family]) => !p.family || p.family === family).map(async ([family, tool]) => {
    const r = reader(family);
    const inTurn = (f: () => void) => (family === 'ipv4' || ipv4Done ? f() : held.push(f));
    try {
      await streamIptablesSave(tool, (c) => inTurn(() => r.push(c)), sink.signal);
    } catch (e) {
      if (!sink.signal.aborted) errors.push(`${tool}: ${(e as Error).message}`);
    }
    inTurn(() => r.end());
    if (family === 'ipv4') {
      ipv4Done = true;
      for (const f of held.splice(0)) f();
    }
  });
  await Promise.all(reads);
  const raw = await side;
  errors.push(...raw.errors);
  const nft = raw.nft ? parseNftRuleset(raw.nft).rules : [];

  if (copyOnly) {
    const rules = nft.filter((r) => keep(r.table, r.family));
    matched += rules.length;
    emit(natText(rules, 0, rules.length, 'raw').text);
  } else {
    const rules = [...parsed.flat(), ...nft];
    const links = raw.links.map((l) => {
      const v = linkNameOwner(l.ifname, l.ifalias ?? null);
      return { name: l.ifname, owner: v?.owner ?? 'unknown', ownerEvidence: v?.evidence ?? '' } as const;
    });
    classifyRules(rules, linkOwnerMap(links));
    await nameEngineRules(rules, errors);
    const all = rules.filter((r) => keep(r.table, r.family) && (!p.owner || r.owner === p.owner));
    matched = all.length;
    for (let offset = 0; offset < all.length || offset === 0; offset += PAGE) emit(natText(all, offset, PAGE, p.format).text);
  }
  await written;
  return { matched, errors };
}
