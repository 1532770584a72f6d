import type { BerthEvent } from '../../../src/shared/events';
import { BerthError } from '../../../src/shared/errors';
import type {
  CleanupApplyParams, CleanupPlanParams, NatConntrackParams, NatCountersParams, NatQueryParams, NatTextParams,
} from '../../../src/shared/inspect';
import type { MethodHandlers, ResultOf } from '../../../src/shared/methods';
import type { z } from 'zod';
import { inspectAnswer, inspectHost, ruleMemo } from '../inspect/host';
import { classifyRules, linkOwnerMap, parseRules } from '../inspect/build';
import { nameEngineRules } from '../inspect/engine-names';
import { countersSince, makeSnapshot, queryRules, SnapshotCache, sourcesOf } from '../inspect/nat-query';
import { streamNatText } from '../inspect/nat-stream';
import { linkNameOwner } from '../inspect/owner';
import { memoryMark, releaseMemorySoon } from '../inspect/release-memory';
import { readConntrack, readConntrackTo, readFirewallRaw, type FirewallSources } from '../kernel/host-readers';
import { restoreCount } from '../kernel/iptables';
import { nftApplyCount } from '../kernel/nft';
import type { OrphanPort } from '../portmap/allocator';
import { applyFindings } from './apply';
import type { BerthOwned } from './berth-owned';
import { planStale } from './findings';
import { KeptPlan } from './kept-plan';
import { publicFinding } from './planned';
import { RuleVerdicts } from './rule-verdicts';
import { selectFindings } from './select';
import { undoLast } from './undo-last';

export interface InspectDeps {
  dataRoot: string;
  berthOwned: () => Promise<BerthOwned>;
  storePath?: string;
  emit?: (e: BerthEvent) => void;
  // optional: lets cleanup.apply drop store entries whose kernel objects vanished
  releaseMissing?: (targets: { what: 'network' | 'endpoint' | 'netns'; id: string }[]) => Promise<void>;
  // optional: lets cleanup.apply release host ports Berth holds with no mapping
  releaseOrphans?: (ports: OrphanPort[]) => Promise<void>;
  // how many changes Berth has announced (its events): with it, a plan read a moment ago
  // with none since may answer cleanup.plan (cleanup/kept-plan.ts); without it, none does
  changes?: () => number;
  // the helper reads a plan ahead once this settles (its start), so the app finds it
  planAheadAfter?: () => Promise<void>;
}

// How long a plan is kept: the age the app accepts for the one it shows (Cleanup view's
// PLAN_FRESH_MS); its memory goes back after that.
export const PLAN_KEEP_MS = 60_000;

// One reading of everything the plan compares: the host, its conntrack
// table (unreadable is named in host.errors) and what the store owns.
// `join` for the plan shown (kernel/host-readers.ts); never for apply, whose liveness is read after it was asked for.
async function readForPlan(deps: InspectDeps, join: boolean, verdicts?: RuleVerdicts) {
  // conntrack is read beside the host, not after it: two independent
  // programs, and the plan's wait is the longer of them, not their sum
  const ctErrors: string[] = [];
  const [host, conntrack] = await Promise.all([inspectHost({ join, named: true }), readConntrack(ctErrors)]);
  host.errors.push(...ctErrors);
  // the store last: a mapping added meanwhile is known, so its rules are not flagged
  const berth = await deps.berthOwned();
  return { host, plan: planStale(host, berth, conntrack, verdicts) };
}

// The NAT views' readings start from the last whole reading of any kind (inspect/rule-memo.ts,
// the one host.inspect, the cleanup plan and `berth nat ls` keep): the next one parses only the
// lines that changed, and a rule that did not change is the same object (a NAT row made of it
// may be kept per object). One memo, not one for the NAT views beside it: two held two
// readings' rules (~5 MB each at 10,000 rules) whenever the NAT view and Cleanup were both used;
// a rule whose owner a NAT reading (link names only) judges otherwise is a copy (writableRule).
const natMemo = ruleMemo;

// The firewall alone (cheaper than the whole host), owners by link names,
// other engines' rules named by their API: what the NAT views list. Without
// links only texts and counters matter (nothing is classified: not kept in the memo).
async function readNatRules(from?: FirewallSources) {
  releaseMemorySoon();
  const raw = await readFirewallRaw(from);
  const { rules, baseChains } = parseRules(raw, {}, natMemo);
  if (!from || from.links) {
    const links = raw.links.map((l) => {
      const v = linkNameOwner(l.ifname, l.ifalias ?? null);
      return { name: l.ifname, owner: v?.owner ?? 'unknown', ownerEvidence: v?.evidence ?? '' } as const;
    });
    classifyRules(rules, linkOwnerMap(links));
    await nameEngineRules(rules, raw.errors);
    natMemo.settle(rules);
  }
  return { rules, baseChains, errors: raw.errors };
}

// How long nat.text waits for its client to read before it stops.
const NAT_STALL_MS = 60_000;

// What a streaming method needs of its connection (server/rpc-server.ts CallContext).
export interface StreamContext {
  notify(e: BerthEvent): void;
  sendBytes(stream: string, parts: readonly Uint8Array[]): void;
  drained(): Promise<void>;
  closed: Promise<void>;
}

// Methods host.inspect, nat.*, and cleanup.*; params arrive zod-parsed.
export function makeInspectHandlers(deps: InspectDeps) {
  const snapshots = new SnapshotCache();
  // every firewall write the helper starts and every change it announces moves it;
  // without a count of changes each reading is its own generation (nothing is reused)
  let unique = 0;
  const generation = () => `${restoreCount('ipv4')}.${restoreCount('ipv6')}.${nftApplyCount()}.${deps.changes ? deps.changes() : `once-${unique++}`}`;
  // the plans shown judge a rule line once while its context holds (rule-verdicts.ts)
  const verdicts = new RuleVerdicts();
  // a cold reading (every line new) shares no line's parse with them: not held beside it;
  // nor the NAT views' readings, whose rows it says are gone (an open view's next
  // counters ask names them changed and the view reads again, as it would have then)
  natMemo.onCold(() => {
    verdicts.forget();
    snapshots.clear();
  });
  const plans = new KeptPlan(async (): Promise<ResultOf<'cleanup.plan'>> => {
    memoryMark('cleanup.plan: reading');
    const { host, plan } = await readForPlan(deps, true, verdicts);
    memoryMark('cleanup.plan: read and planned');
    return { takenAt: host.takenAt, findings: plan.map(publicFinding) };
  }, generation, PLAN_KEEP_MS);
  if (deps.planAheadAfter) void deps.planAheadAfter().then(() => plans.refresh()).catch(() => {}); // a failed reading is the next ask's to report
  // the reading `id` names while it is kept, else a new one
  const reading = async (id: string | undefined) => {
    const kept = snapshots.get(id);
    if (kept) return kept;
    verdicts.forget(); // not held beside a NAT reading (rule-verdicts.ts)
    const { rules, baseChains, errors } = await readNatRules();
    return snapshots.put(makeSnapshot(rules, errors, undefined, baseChains));
  };
  return {
    'host.inspect': async (_p?: unknown): Promise<ResultOf<'host.inspect'>> => {
      // other engines' bridges, veths, namespaces and rules by their names
      return inspectAnswer(await inspectHost({ join: true, named: true }));
    },

    'nat.query': async (p: z.infer<typeof NatQueryParams>): Promise<ResultOf<'nat.query'>> => queryRules(await reading(p.snapshot), p),

    // `berth nat ls`: a new reading, its output sent to this connection while it is read
    'nat.text': async (p: z.infer<typeof NatTextParams>, ctx: StreamContext): Promise<ResultOf<'nat.text'>> => {
      verdicts.forget(); // not held beside a NAT listing (rule-verdicts.ts)
      plans.clear(); // nor the kept plan (docs/decisions.md, "The helper reads a plan ahead")
      const gone = new AbortController();
      void ctx.closed.then(() => gone.abort());
      const res = await streamNatText(p, {
        signal: gone.signal,
        write: async (bytes) => {
          ctx.sendBytes(p.stream, bytes);
          // a client that stays connected but stops reading ends the listing, not the helper's patience
          let stall: NodeJS.Timeout | undefined;
          const stalled = new Promise<boolean>((r) => (stall = setTimeout(() => r(true), NAT_STALL_MS)));
          if (await Promise.race([ctx.drained().then(() => false), stalled])) gone.abort();
          clearTimeout(stall);
        },
      });
      if (gone.signal.aborted) throw new BerthError('unavailable', `the listing stopped: its client read nothing for ${NAT_STALL_MS / 1000} s or went away`);
      return res;
    },

    'nat.counters': async (p: z.infer<typeof NatCountersParams>): Promise<ResultOf<'nat.counters'>> => {
      const snap = snapshots.get(p.snapshot);
      // only the programs the asked rows came from: rows of iptables' IPv4
      // tables (a Kubernetes node's view) cost one iptables-save, not four programs
      const { rules } = await readNatRules({ links: false, ...sourcesOf(p.ids) });
      const now = new Map(rules.map((r) => [r.id, r]));
      return countersSince(snap, p.ids, now);
    },

    'nat.conntrack': async (p: z.infer<typeof NatConntrackParams>): Promise<ResultOf<'nat.conntrack'>> => {
      const errors: string[] = [];
      const entries = await readConntrackTo(p.dst, p.port, p.proto, errors);
      const flows = entries.slice(0, 50).map((e) => ({ src: e.orig.src, sport: e.orig.sport, to: e.reply.src, toPort: e.reply.sport, state: e.state }));
      return { total: entries.length, flows, errors };
    },

    'cleanup.plan': async (p?: z.infer<typeof CleanupPlanParams>): Promise<ResultOf<'cleanup.plan'>> => plans.get(p?.maxAgeMs),

    // never a kept plan: what is applied is proven dead by a reading made after the ask
    'cleanup.apply': async (p: z.infer<typeof CleanupApplyParams>): Promise<ResultOf<'cleanup.apply'>> => {
      plans.clear();
      const { host, plan } = await readForPlan(deps, false);
      const chosen = selectFindings(plan, p);
      return applyFindings(host, chosen, deps);
    },

    'cleanup.undo': async (_p?: unknown): Promise<ResultOf<'cleanup.undo'>> => {
      plans.clear();
      return undoLast(deps.dataRoot, deps.emit);
    },
  } satisfies Partial<MethodHandlers<StreamContext>>;
}
