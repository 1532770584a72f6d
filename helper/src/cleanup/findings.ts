import type { Finding, HostInspect } from '../../../src/shared/inspect';
import type { BerthOwned } from './berth-owned';
import { findLinkIssues, findMissing } from './find-links';
import { findRuleIssues } from './find-rules';
import { Liveness } from './liveness';
import { publicFinding, type Planned } from './planned';

export type { BerthOwned } from './berth-owned';

// Everything stale on the host, each with the target apply will act on.
export function planStale(host: HostInspect, berth: BerthOwned): Planned[] {
  const live = new Liveness(host);
  return [...findRuleIssues(host.rules, berth, live), ...findLinkIssues(host, berth), ...findMissing(host, berth)];
}

export function findStale(host: HostInspect, berth: BerthOwned): Finding[] {
  return planStale(host, berth).map(publicFinding);
}
