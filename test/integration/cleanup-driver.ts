// The cleanup handlers (and the link adapter under them) as a one-shot program, so a test can run them inside
// its own throwaway host (`TestHost.sh` enters its namespaces) instead of the
// test runner's namespace. Reads one JSON request on stdin, writes one JSON
// answer on stdout: { result } or { error: { kind, message } }.
import { applyFindings } from '../../helper/src/cleanup/apply';
import type { BerthOwned } from '../../helper/src/cleanup/berth-owned';
import { planStale } from '../../helper/src/cleanup/findings';
import { makeInspectHandlers } from '../../helper/src/cleanup/handlers';
import { inspectHost } from '../../helper/src/inspect/host';
import { selectFindings } from '../../helper/src/cleanup/select';
import { run } from '../../helper/src/kernel/exec';
import { iptablesRestore } from '../../helper/src/kernel/iptables';
import { deleteLinks } from '../../helper/src/kernel/links';
import { methods } from '../../src/shared/methods';

export interface DriverRequest {
  dataRoot: string;
  berth: BerthOwned;
  method: 'host.inspect' | 'nat.query' | 'cleanup.plan' | 'cleanup.apply' | 'cleanup.undo' | 'apply-after' | 'deleteLinks' | 'steps';
  params?: Record<string, unknown>;
  // apply-after: commands run between reading the plan and applying it (the host changing meanwhile)
  meanwhile?: string[][];
  // steps: one helper's handlers asked in turn (what a handler keeps between calls), with
  // programs run between them (another tool) and firewall writes made the way Berth makes them
  steps?: DriverStep[];
}
export type DriverStep =
  // idsOf: apply takes the ids of the findings in the last plan whose evidence has this text
  | { call: 'cleanup.plan' | 'cleanup.apply'; params?: Record<string, unknown>; idsOf?: string }
  | { run: string[] }
  | { berthRestore: string };

async function main(): Promise<unknown> {
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  const req = JSON.parse(text) as DriverRequest;
  const handlers = makeInspectHandlers({ dataRoot: req.dataRoot, berthOwned: async () => req.berth });
  if (req.method === 'apply-after') {
    const host = await inspectHost();
    const chosen = selectFindings(planStale(host, req.berth), req.params ?? {});
    for (const [f, ...a] of req.meanwhile ?? []) await run(f, a);
    return applyFindings(host, chosen, { dataRoot: req.dataRoot });
  }
  if (req.method === 'deleteLinks') return deleteLinks((req.params as { names: string[] }).names);
  if (req.method === 'steps') {
    // no engine here: no change is announced, so the firewall writes alone move the plan's generation
    const kept = makeInspectHandlers({ dataRoot: req.dataRoot, berthOwned: async () => req.berth, changes: () => 0 });
    const out: unknown[] = [];
    for (const step of req.steps ?? []) {
      if ('run' in step) out.push(await run(step.run[0], step.run.slice(1)).then((r) => r.stdout));
      else if ('berthRestore' in step) out.push(await iptablesRestore(step.berthRestore));
      else {
        const handler = kept[step.call] as (p: unknown) => Promise<unknown>;
        const last = out.findLast((r): r is { findings: { id: string; evidence: string[] }[] } => !!r && typeof r === 'object' && 'findings' in r);
        const ids = step.idsOf === undefined ? {} : { ids: (last?.findings ?? []).filter((f) => f.evidence.join(' ').includes(step.idsOf!)).map((f) => f.id) };
        out.push(await handler(methods[step.call].params.parse({ ...step.params, ...ids })).catch((e: { kind?: string; message?: string }) => ({ error: { kind: e.kind ?? 'crash', message: e.message } })));
      }
    }
    return out;
  }
  // params parsed by the contract, as the RPC server does before a handler runs
  return (handlers[req.method] as (p: unknown) => Promise<unknown>)(methods[req.method].params.parse(req.params ?? {}));
}

main().then(
  (result) => process.stdout.write(JSON.stringify({ result })),
  (e: { kind?: string; message?: string }) => process.stdout.write(JSON.stringify({ error: { kind: e.kind ?? 'crash', message: e.message ?? String(e) } })),
);
