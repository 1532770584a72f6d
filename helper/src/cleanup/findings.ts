import type { Finding, HostInspect } from '../../../src/shared/inspect';
import type { BerthOwned } from './berth-owned';
import { findLinkIssues, findMissing } from './find-links';
import { findOrphanPorts, findStaleConntrack } from './find-ports';
import { findRuleIssues } from './find-rules';
import type { ConntrackEntry } from '../kernel/conntrack-parse';
import { Liveness } from './liveness';
import { publicFinding, type Planned } from './planned';
import type { RuleVerdicts } from './rule-verdicts';

export type { BerthOwned } from './berth-owned';

// Everything stale on the host, each with the target apply will act on.
// `conntrack` is read apart from the host (it is not part of host.inspect).
// `verdicts`: the rules' verdicts of the plans before, for the plan shown (rule-verdicts.ts).
export function planStale(host: HostInspect, berth: BerthOwned, conntrack: ConntrackEntry[] = [], verdicts?: RuleVerdicts): Planned[] {
  const live = new Liveness(host);
  return [
    ...findRuleIssues(host.rules, berth, live, verdicts),
    ...findLinkIssues(host, berth),
    ...findMissing(host, berth),
    ...findOrphanPorts(host, berth),
    ...findStaleConntrack(host, berth, conntrack, live),
  ];
}

export function findStale(host: HostInspect, berth: BerthOwned, conntrack: ConntrackEntry[] = []): Finding[] {
  return planStale(host, berth, conntrack).map(publicFinding);
}
