import type { BerthEvent } from '../../../src/shared/events';
import type { CleanupApplyParams, FirewallRule, HostInspect, NatListParams } from '../../../src/shared/inspect';
import type { ResultOf } from '../../../src/shared/methods';
import type { z } from 'zod';
import { buildHostInspect, classifyRules, linkOwnerMap, parseRules } from '../inspect/build';
import { linkNameOwner } from '../inspect/owner';
import { readConntrack, readFirewallRaw, readHostRaw } from '../kernel/host-read';
import { applyFindings, type OrphanPort } from './apply';
import type { BerthOwned } from './berth-owned';
import { planStale } from './findings';
import { publicFinding } from './planned';
import { selectFindings } from './select';
import { undoLast } from './undo';

export interface InspectDeps {
  dataRoot: string;
  berthOwned: () => Promise<BerthOwned>;
  storePath?: string;
  emit?: (e: BerthEvent) => void;
  // optional: lets cleanup.apply drop store entries whose kernel objects vanished
  releaseMissing?: (targets: { what: 'network' | 'endpoint' | 'netns'; id: string }[]) => Promise<void>;
  // optional: lets cleanup.apply release host ports Berth holds with no mapping
  releaseOrphans?: (ports: OrphanPort[]) => Promise<void>;
}

// One reading of everything the plan compares: the host, its conntrack
// table (unreadable is named in host.errors) and what the store owns.
async function readForPlan(deps: InspectDeps) {
  const host = await inspectHost();
  const conntrack = await readConntrack(host.errors);
  // the store last: a mapping added meanwhile is known, so its rules are not flagged
  const berth = await deps.berthOwned();
  return { host, plan: planStale(host, berth, conntrack) };
}

export async function inspectHost(): Promise<HostInspect> {
  return buildHostInspect(await readHostRaw());
}

// Methods host.inspect, nat.list and cleanup.*; params arrive zod-parsed.
export function makeInspectHandlers(deps: InspectDeps) {
  return {
    'host.inspect': async (_p?: unknown): Promise<ResultOf<'host.inspect'>> => inspectHost(),

    'nat.list': async (p: z.infer<typeof NatListParams>): Promise<ResultOf<'nat.list'>> => {
      const raw = await readFirewallRaw();
      const { rules } = parseRules(raw);
      const links = raw.links.map((l) => {
        const v = linkNameOwner(l.ifname, l.ifalias ?? null);
        return { name: l.ifname, owner: v?.owner ?? 'unknown', ownerEvidence: v?.evidence ?? '' } as const;
      });
      classifyRules(rules, linkOwnerMap(links));
      return rules.filter(
        (r: FirewallRule) =>
          (!p.table || r.table === p.table || r.table.endsWith(` ${p.table}`)) &&
          (!p.owner || r.owner === p.owner) &&
          (!p.family || r.family === p.family),
      );
    },

    'cleanup.plan': async (_p?: unknown): Promise<ResultOf<'cleanup.plan'>> => {
      const { host, plan } = await readForPlan(deps);
      return { takenAt: host.takenAt, findings: plan.map(publicFinding) };
    },

    'cleanup.apply': async (p: z.infer<typeof CleanupApplyParams>): Promise<ResultOf<'cleanup.apply'>> => {
      const { host, plan } = await readForPlan(deps);
      const chosen = selectFindings(plan, p);
      return applyFindings(host, chosen, deps);
    },

    'cleanup.undo': async (_p?: unknown): Promise<ResultOf<'cleanup.undo'>> => undoLast(deps.dataRoot, deps.emit),
  };
}
export type InspectHandlers = ReturnType<typeof makeInspectHandlers>;
