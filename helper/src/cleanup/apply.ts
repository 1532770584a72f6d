import type { BerthEvent } from '../../../src/shared/events';
import type { HostInspect } from '../../../src/shared/inspect';
import { deleteConntrack } from '../kernel/conntrack';
import type { OrphanPort } from '../portmap/allocator';
import { removeLinks, removeNetns } from './apply-links';
import { errText, ofKind, settleTogether, type Outcome } from './apply-outcome';
import { removeRules, saveRulesNow } from './apply-rules';
import type { Planned } from './planned';
import { copyStore, createSnapshotDir, newSnapshotId, writeManifest, type Snapshot } from './snapshot';

export interface ApplyDeps {
  dataRoot: string;
  storePath?: string;
  emit?: (e: BerthEvent) => void;
  // the engine drops store entries whose kernel objects vanished; without it those findings fail
  releaseMissing?: (targets: { what: 'network' | 'endpoint' | 'netns'; id: string }[]) => Promise<void>;
  // the engine frees host ports it holds with no mapping and rewrites its chains from the store
  releaseOrphans?: (ports: OrphanPort[]) => Promise<void>;
}
export interface ApplyResult {
  snapshotId: string;
  applied: string[];
  failed: { id: string; error: string }[];
}

// Apply chosen findings from one reading of the host. Snapshot first; then
// by kind: one iptables-restore per family (apply-rules.ts), one ip -batch
// for links and the namespaces (apply-links.ts), what the engine holds
// (store entries, host ports) through the engine, conntrack entries last.
export async function applyFindings(host: HostInspect, chosen: Planned[], deps: ApplyDeps): Promise<ApplyResult> {
  const id = newSnapshotId();
  const dir = await createSnapshotDir(deps.dataRoot, id);
  const out: Outcome = { applied: [], failed: [] };
  const snap: Snapshot = {
    id, takenAt: new Date().toISOString(), undone: false, findings: [], rules: [], chainsBefore: {}, links: [], netns: [], storeCopy: null,
  };

  const progress = (done: number, message: string) =>
    deps.emit?.({ type: 'progress', op: 'cleanup.apply', done, total: 4, message });
  progress(0, 'saving a snapshot');
  const goneSincePlan = await saveRulesNow(dir, chosen);
  if (deps.storePath) snap.storeCopy = await copyStore(dir, deps.storePath);
  await writeManifest(dir, snap);

  progress(1, 'removing rules');
  await removeRules(host, chosen, goneSincePlan, snap, out);

  progress(2, 'removing links and namespaces');
  await removeLinks(host, chosen, snap, out);
  await removeNetns(chosen, snap, out);

  await releaseThroughEngine(chosen, deps, out);

  // Conntrack entries cannot be put back (undo skips them); entries that
  // expired since the plan are not a failure.
  for (const { id: fid, target } of ofKind(chosen, 'conntrack')) {
    try {
      for (const argv of target.argv) await deleteConntrack(argv.slice(2));
      out.applied.push(fid);
    } catch (e) {
      out.failed.push({ id: fid, error: errText(e) });
    }
  }

  snap.findings = out.applied;
  await writeManifest(dir, snap);
  progress(4, `${out.applied.length} applied, ${out.failed.length} failed`);
  deps.emit?.({ type: 'cleanup.applied', snapshotId: id, count: out.applied.length });
  return { snapshotId: id, applied: out.applied, failed: out.failed };
}

// Store entries whose kernel objects vanished, and host ports Berth holds
// with no mapping: the engine releases them (and rewrites its chains); a
// helper without those hooks fails them with the way out.
async function releaseThroughEngine(chosen: Planned[], deps: ApplyDeps, out: Outcome): Promise<void> {
  const store = ofKind(chosen, 'store');
  if (store.length) {
    const ids = store.map((p) => p.id);
    if (!deps.releaseMissing) out.failed.push(...ids.map((id) => ({ id, error: 'the engine releases this state: run berth doctor' })));
    else await settleTogether(out, ids, () => deps.releaseMissing!(store.map(({ target: t }) => ({ what: t.what, id: t.id }))));
  }
  const ports = ofKind(chosen, 'port');
  if (ports.length) {
    const ids = ports.map((p) => p.id);
    if (!deps.releaseOrphans) out.failed.push(...ids.map((id) => ({ id, error: 'the engine releases this port: run berth doctor' })));
    else await settleTogether(out, ids, () => deps.releaseOrphans!(ports.map(({ target: t }) => ({ hostIp: t.hostIp, hostPort: t.hostPort, proto: t.proto }))));
  }
}
