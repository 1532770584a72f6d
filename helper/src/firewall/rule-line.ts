// A rule in Berth's firewall model is one `iptables-save` line, written
// exactly as iptables-save prints it, so desired and actual rules compare as
// strings. `spec` is everything after `-A <chain> `.
export type Table = 'filter' | 'nat' | 'raw' | 'mangle';
export interface RuleLine {
  table: Table;
  chain: string;
  spec: string;
}
export const ruleText = (r: RuleLine) => `-A ${r.chain} ${r.spec}`;
export const ruleKey = (r: RuleLine) => `${r.table} ${ruleText(r)}`;

// Rules Berth writes outside its own chains carry this comment, so Berth can
// always find its own rules and nothing else (docs/decisions.md).
export const berthComment = (ownerId: string) => `-m comment --comment "berth:${ownerId}"`;
export const BERTH_TAG_RE = /-m comment --comment "?berth:([^" ]+)"?/;
