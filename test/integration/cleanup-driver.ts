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
import { deleteLinks } from '../../helper/src/kernel/links';
import { methods } from '../../src/shared/methods';

export interface DriverRequest {
  dataRoot: string;
  berth: BerthOwned;
  method: 'host.inspect' | 'nat.query' | 'cleanup.plan' | 'cleanup.apply' | 'cleanup.undo' | 'apply-after' | 'deleteLinks';
  params?: Record<string, unknown>;
  // apply-after: commands run between reading the plan and applying it (the host changing meanwhile)
  meanwhile?: string[][];
}

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
  // params parsed by the contract, as the RPC server does before a handler runs
  return (handlers[req.method] as (p: unknown) => Promise<unknown>)(methods[req.method].params.parse(req.params ?? {}));
}

main().then(
  (result) => process.stdout.write(JSON.stringify({ result })),
  (e: { kind?: string; message?: string }) => process.stdout.write(JSON.stringify({ error: { kind: e.kind ?? 'crash', message: e.message ?? String(e) } })),
);
