import type { FirewallBackend } from './backend';
import type { FirewallModel } from './model';
import { iptablesRestore, iptablesSave } from '../kernel/iptables';
import { nftApply, nftListRuleset } from '../kernel/nft';
import { NFT_TABLE } from './nft-render';
import { BERTH_TAG_RE } from './rule-line';
import { parseSave } from './save-parse';

// Berth as a guest in the host's other firewalls (README, "Beside other firewalls").
//
// Every base chain on a netfilter hook runs, and an accept only ends its own
// chain: Berth's accepts cannot overrule another firewall's drop. So where
// another firewall drops forwarded traffic by default — an iptables or
// ip6tables FORWARD policy DROP (Docker, ufw), or an nft forward chain with
// policy drop or a final drop/reject (nftables.conf, firewalld) — Berth
// puts two rules per bridge at the head of that chain: accept in from the
// bridge, accept out to it. Berth's own chains still decide what is allowed (isolation, published
// ports only); the other firewall just stops dropping Berth's traffic. Each
// rule carries Berth's tag (`berth:<network id12>`), is found by that tag
// alone, is put back after a firewall reload by the drift check, and is
// removed when its network goes, when the other firewall no longer drops,
// and by `berth system reset`.

export interface GuestBridge {
  id: string;
  bridge: string;
}
export interface GuestReport {
  done: string[]; // what Berth did in other firewalls, for info/doctor/status bar
  warnings: string[]; // where it could not, with the exact fix
}

interface NftRuleRef {
  handle: number;
  key: string; // "iifname berth0 berth:<id>"
}
interface ForeignChain {
  family: string;
  table: string;
  name: string;
  why: string; // "policy drop" or "ends in reject"
  ours: NftRuleRef[];
}
interface IptablesForward {
  forwardDrop: boolean;
  ours: string[]; // the specs of Berth's tagged rules in FORWARD
}
export interface GuestView {
  // filter FORWARD of iptables and ip6tables (nft or legacy): null when not read or unreadable
  iptables: IptablesForward | null;
  ip6tables?: IptablesForward | null;
  nft: ForeignChain[]; // other tables' forward chains that drop by default
  firewalld: boolean;
  errors: string[];
}

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const IPT_TABLES = new Set(['filter', 'nat', 'raw', 'mangle', 'security']);
const tag = (id: string) => `berth:${id.slice(0, 12)}`;
const iptSpecs = (b: GuestBridge) => [
  `-i ${b.bridge} -m comment --comment "${tag(b.id)}" -j ACCEPT`,
  `-o ${b.bridge} -m comment --comment "${tag(b.id)}" -j ACCEPT`,
];
const nftKeys = (b: GuestBridge) => [`iifname ${b.bridge} ${tag(b.id)}`, `oifname ${b.bridge} ${tag(b.id)}`];

type Obj = Record<string, any>;

// `iptables` false: Berth's own rules are iptables (the iptables backend
// sits in FORWARD itself), so only nft chains are looked at.
export async function readGuestView(withIptables: boolean): Promise<GuestView> {
  const errors: string[] = [];
  const readForward = async (family: 'ipv4' | 'ipv6'): Promise<IptablesForward | null> => {
    try {
      const filter = parseSave(await iptablesSave(family, { table: 'filter' })).get('filter');
      return {
        forwardDrop: filter?.chains.get('FORWARD') === 'DROP',
        ours: (filter?.rules ?? []).filter((r) => r.chain === 'FORWARD' && BERTH_TAG_RE.test(r.spec)).map((r) => r.spec),
      };
    } catch (e) {
      errors.push(`${family === 'ipv6' ? 'ip6tables' : 'iptables'}: ${(e as Error).message}`);
      return null;
    }
  };
  const iptables = withIptables ? await readForward('ipv4') : null;
  const ip6tables = withIptables ? await readForward('ipv6') : null;
  const nft: ForeignChain[] = [];
  let firewalld = false;
  try {
    const objs = (await nftListRuleset()).nftables as Obj[];
    const chains = new Map<string, ForeignChain & { last: Obj[] | null; base: Obj }>();
    for (const o of objs) {
      if (o.table?.name === 'firewalld') firewalld = true;
      const c = o.chain as Obj | undefined;
      if (c?.hook === 'forward' && !isBerthOrIptables(c)) chains.set(`${c.family} ${c.table} ${c.name}`, { family: c.family, table: c.table, name: c.name, why: '', ours: [], last: null, base: c });
      const r = o.rule as Obj | undefined;
      if (!r) continue;
      const ch = chains.get(`${r.family} ${r.table} ${r.chain}`);
      if (!ch) continue;
      ch.last = r.expr as Obj[];
      const key = ourKey(r);
      if (key) ch.ours.push({ handle: r.handle, key });
    }
    for (const ch of chains.values()) {
      const finalDrop = ch.last?.every((e) => 'counter' in e || 'drop' in e || 'reject' in e) && ch.last.some((e) => 'drop' in e || 'reject' in e);
      ch.why = ch.base.policy === 'drop' ? 'policy drop' : finalDrop ? 'ends in drop/reject' : '';
      if (ch.why || ch.ours.length) nft.push({ family: ch.family, table: ch.table, name: ch.name, why: ch.why, ours: ch.ours });
    }
  } catch (e) {
    errors.push(`nft: ${(e as Error).message}`);
  }
  return { iptables, ip6tables, nft, firewalld, errors };
}

// Berth's own table, and iptables-nft's tables (handled through iptables).
function isBerthOrIptables(c: Obj): boolean {
  if ((c.family === 'ip' || c.family === 'ip6') && c.table === NFT_TABLE) return true; // ip berth, ip6 berth
  return (c.family === 'ip' || c.family === 'ip6') && IPT_TABLES.has(c.table) && /^[A-Z]+$/.test(c.name);
}

// One of Berth's guest rules: `iifname|oifname "X" accept comment "berth:…"`.
function ourKey(r: Obj): string | null {
  if (typeof r.comment !== 'string' || !/^berth:\S+$/.test(r.comment)) return null;
  const [m, v] = r.expr as Obj[];
  const key = m?.match?.left?.meta?.key;
  // another shape is not one Berth writes: left alone
  if ((r.expr as Obj[]).length !== 2 || !v || !('accept' in v) || (key !== 'iifname' && key !== 'oifname') || typeof m.match.right !== 'string') return null;
  return `${key} ${m.match.right} ${r.comment}`;
}

export interface GuestPlan {
  iptablesScript: string;
  ip6tablesScript: string;
  nftScript: string;
  missing: string[];
  extra: string[];
  report: GuestReport;
}

// What to add and remove so that exactly the chains that drop by default
// hold exactly one accept in and one out per Berth bridge.
export function planGuest(view: GuestView, bridges: GuestBridge[]): GuestPlan {
  const missing: string[] = [];
  const extra: string[] = [];
  const done: string[] = [];
  const warnings: string[] = [];
  const names = bridges.map((b) => b.bridge).sort().join(', ');
  const ok = bridges.filter((b) => NAME.test(b.bridge));

  // iptables and ip6tables alike; an IPv6 drift reads "ip6tables filter -A FORWARD …"
  const planIptables = (fw: IptablesForward | null | undefined, prog: 'iptables' | 'ip6tables'): string => {
    if (!fw) return '';
    const want = fw.forwardDrop ? ok.flatMap(iptSpecs) : [];
    const lines: string[] = [];
    const where = prog === 'iptables' ? 'filter' : 'ip6tables filter';
    for (const s of fw.ours.filter((x) => !want.includes(x))) {
      lines.push(`-D FORWARD ${s}`);
      extra.push(`${where} -A FORWARD ${s}`);
    }
    for (const s of want.filter((x) => !fw.ours.includes(x))) {
      lines.push(`-I FORWARD 1 ${s}`);
      missing.push(`${where} -A FORWARD ${s}`);
    }
    if (want.length)
      done.push(`${prog} filter FORWARD drops by default (policy DROP, as Docker and ufw set it): Berth accepts its bridges there (${names}), tagged berth:<network>; berth system reset removes them`);
    return lines.length ? ['*filter', ...lines, 'COMMIT', ''].join('\n') : '';
  };
  const iptablesScript = planIptables(view.iptables, 'iptables');
  const ip6tablesScript = planIptables(view.ip6tables, 'ip6tables');

  const nftLines: string[] = [];
  for (const ch of view.nft) {
    const where = `${ch.family} ${ch.table} ${ch.name}`;
    if (![ch.family, ch.table, ch.name].every((x) => NAME.test(x))) {
      if (ch.why) warnings.push(`nft chain ${where} (${ch.why}) may drop Berth's traffic; its name is too unusual for Berth to edit`);
      continue;
    }
    const want = ch.why ? ok.flatMap(nftKeys) : [];
    const have = new Set<string>();
    for (const r of ch.ours) {
      if (want.includes(r.key) && !have.has(r.key)) {
        have.add(r.key);
        continue;
      }
      nftLines.push(`delete rule ${where} handle ${r.handle}`);
      extra.push(`${where} ${r.key}`);
    }
    for (const k of want) {
      if (have.has(k)) continue;
      const [dir, ifname, t] = k.split(' ');
      nftLines.push(`insert rule ${where} ${dir} "${ifname}" accept comment "${t}"`);
      missing.push(`${where} ${k}`);
    }
    if (want.length) done.push(`nft chain ${where} (${ch.why}): Berth accepts its bridges there (${names}), tagged berth:<network>; berth system reset removes them`);
  }
  if (view.firewalld)
    warnings.push(
      `firewalld is running: a firewalld reload removes Berth's accepts and Berth puts them back within seconds; to keep them across reloads: ${bridges
        .map((b) => `firewall-cmd --permanent --zone=trusted --add-interface=${b.bridge}`)
        .join(' && ')} && firewall-cmd --reload`,
    );
  for (const e of view.errors) warnings.push(`could not check the host's other firewalls (${e})`);
  return { iptablesScript, ip6tablesScript, nftScript: nftLines.length ? nftLines.join('\n') + '\n' : '', missing, extra, report: { done, warnings } };
}

// Applies a plan; a failure becomes a warning with the exact commands to run by hand.
export async function applyGuest(p: GuestPlan, bridges: GuestBridge[]): Promise<GuestReport> {
  const report = { done: [...p.report.done], warnings: [...p.report.warnings] };
  const manual = bridges.flatMap((b) => [`-i ${b.bridge} -j ACCEPT`, `-o ${b.bridge} -j ACCEPT`]);
  for (const [prog, script] of [['iptables', p.iptablesScript], ['ip6tables', p.ip6tablesScript]] as const) {
    if (!script) continue;
    try {
      await iptablesRestore(script, prog === 'iptables' ? 'ipv4' : 'ipv6');
    } catch (e) {
      report.done = report.done.filter((d) => !d.startsWith(`${prog} `));
      report.warnings.push(`${prog} FORWARD drops Berth's traffic and Berth could not add its accepts (${(e as Error).message}); fix: ${manual.map((m) => `${prog} -I FORWARD ${m}`).join('; ')}`);
    }
  }
  if (p.nftScript) {
    try {
      await nftApply(p.nftScript);
    } catch (e) {
      report.done = report.done.filter((d) => !d.startsWith('nft'));
      report.warnings.push(`another nft forward chain drops Berth's traffic and Berth could not add its accepts (${(e as Error).message}); fix: nft insert rule FAMILY TABLE CHAIN iifname "BRIDGE" accept, and oifname likewise, for ${bridges.map((b) => b.bridge).join(', ')}`);
    }
  }
  return report;
}

// A reading where no other firewall drops forwarded traffic and Berth has
// no accepts anywhere: any set of bridges plans to nothing against it.
const dropsNothing = (v: GuestView) =>
  !v.errors.length && !v.firewalld && [v.iptables, v.ip6tables].every((f) => !f?.forwardDrop && !f?.ours.length) && v.nft.every((c) => !c.why && !c.ours.length);

// A backend that also keeps Berth's guest accepts in the host's other
// firewalls. Reading them costs an iptables-save and an nft listing, so an
// apply only does it when the set of bridges changed or the last drift
// check found something to heal; the drift check (diff) always reads.
export function withGuest(inner: FirewallBackend): FirewallBackend {
  const withIptables = inner.name === 'nftables';
  const bridgesOf = (m: FirewallModel): GuestBridge[] => m.networks.map((n) => ({ id: n.id, bridge: n.bridge }));
  let synced: string | null = null;
  let dirty = true;
  let report: GuestReport = { done: [], warnings: [] };
  let lastView: GuestView | null = null;
  return {
    name: inner.name,
    ruleCount: (m) => inner.ruleCount(m),
    async apply(m, opts) {
      const diff = await inner.apply(m, opts);
      const bridges = bridgesOf(m);
      const key = JSON.stringify(bridges);
      if (dirty || key !== synced) {
        // New bridges where the last reading found no firewall that drops
        // and no accepts of Berth's: nothing to add or remove, so nothing is
        // read per network create/remove; the drift check's reading finds
        // a firewall that started dropping since (and marks this dirty).
        const view = !dirty && lastView && dropsNothing(lastView) ? lastView : await readGuestView(withIptables);
        lastView = view;
        report = await applyGuest(planGuest(view, bridges), bridges);
        synced = key;
        dirty = false;
      }
      return diff;
    },
    async diff(m) {
      const diff = await inner.diff(m);
      const view = (lastView = await readGuestView(withIptables));
      const p = planGuest(view, bridgesOf(m));
      report = p.report;
      if (p.missing.length || p.extra.length) dirty = true;
      return { missing: [...diff.missing, ...p.missing], extra: [...diff.extra, ...p.extra] };
    },
    neighbours: () => report,
    async removeGuests() {
      await applyGuest(planGuest(await readGuestView(withIptables), []), []);
      synced = null;
      dirty = true;
    },
    ...(inner.reset ? { reset: inner.reset.bind(inner) } : {}),
    // deletions committing in the background (write-queue.ts): without these
    // the engine's readers and address reuse would not wait for them
    ...(inner.settled ? { settled: inner.settled.bind(inner) } : {}),
    ...(inner.pending ? { pending: inner.pending.bind(inner) } : {}),
  };
}
