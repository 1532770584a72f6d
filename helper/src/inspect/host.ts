import type { BaseChain, FirewallRule, HostInspect, HostInspectAnswer, HostRule } from '../../../src/shared/inspect';
import { writtenAs } from '../../../src/shared/json-written-as';
import { readHostRaw, readSaveText } from '../kernel/host-readers';
import { buildHostInspect, type ParsedSave } from './build';
import { nameEngineObjects } from './engine-host-names';
import { iptablesSaveParser, type Family } from './iptables-parse';
import { releaseMemorySoon } from './release-memory';
import { RuleMemo } from './rule-memo';

// The last whole reading's rules (host.inspect's, the cleanup plan's): the next one
// parses only the lines that changed and answers unchanged rules as the same objects.
// Once it is dropped (a while after the last reading) the heap it held goes back.
const memo = new RuleMemo(() => releaseMemorySoon(0));
// `berth nat ls` parses from it and settles it too (inspect/nat-stream.ts)
export { memo as ruleMemo };

// One reading of the host: links, namespaces, routes, sockets, rules, each with its owner.
// `join`: a firewall reading already running is shared (kernel/host-readers.ts).
// `named`: other engines' bridges, veths, namespaces and rules named by their APIs
// (engine-host-names.ts); such a reading is whole, and the next one starts from it
// (inspect/rule-memo.ts): its rules are frozen from then on.
// Each iptables-save is parsed while it still prints (it prints the second half
// of its run): the helper parses on one core while the program runs on another,
// and host.inspect waits for the longer of the two, not for their sum.
export async function inspectHost(opts: { join?: boolean; named?: boolean } = {}): Promise<HostInspect> {
  releaseMemorySoon();
  const saves = { ipv4: new SaveReading('ipv4'), ipv6: new SaveReading('ipv6') };
  const raw = await readHostRaw({ join: opts.join, onSave: (family, text) => saves[family].push(text) });
  const parsed = { ipv4: saves.ipv4.end(), ipv6: saves.ipv6.end() };
  // a save whose pieces did not parse is parsed whole (its text is not kept: read again)
  for (const family of ['ipv4', 'ipv6'] as const) if (!parsed[family] && raw.iptables[family] === '') raw.iptables[family] = await readSaveText(family);
  const host = buildHostInspect(raw, parsed, memo);
  if (opts.named) {
    await nameEngineObjects(host);
    memo.settle(host.rules);
  }
  return host;
}

// host.inspect's answer of a reading: its rules without their parse (src/shared/inspect.ts
// HostRule), each copied as it is written (src/shared/json-written-as.ts), so the reading's
// rules, kept by the memo, are neither copied nor changed.
export const inspectAnswer = (host: HostInspect): HostInspectAnswer => ({ ...host, rules: writtenAs(host.rules, hostRule) });
const hostRule = (r: FirewallRule): HostRule => ({
  id: r.id, family: r.family, source: r.source, table: r.table, chain: r.chain, position: r.position, text: r.text,
  target: r.target, packets: r.packets, bytes: r.bytes, comment: r.comment, owner: r.owner, ownerEvidence: r.ownerEvidence,
  ownerObject: r.ownerObject, mapping: r.mapping,
});

// A save's pieces (cut anywhere) parsed as they come. Should a piece not
// parse, `end` says so (undefined) and the whole text is parsed after.
// A class, not closures made per reading: V8 compiled those again in every
// reading (iptables-parse.ts, SPECS, says why).
class SaveReading {
  private readonly baseChains: BaseChain[] = [];
  private readonly parser;
  private readonly rules: FirewallRule[] = [];
  private failed = false;
  constructor(family: Family) {
    this.parser = iptablesSaveParser(family, this.baseChains, memo, true); // classified and named through writableRule
  }

  push(text: string): void {
    if (this.failed) return;
    try {
      this.take(this.parser.push(text));
    } catch {
      this.failed = true;
    }
  }

  end(): ParsedSave | undefined {
    if (!this.failed) {
      try {
        this.take(this.parser.end());
      } catch {
        this.failed = true;
      }
    }
    return this.failed ? undefined : { rules: this.rules, baseChains: this.baseChains };
  }

  private take(more: FirewallRule[]): void {
    for (let i = 0; i < more.length; i++) this.rules.push(more[i]);
  }
}
