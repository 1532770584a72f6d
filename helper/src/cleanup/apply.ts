import type { BerthEvent } from '../../../src/shared/events';
import type { HostInspect } from '../../../src/shared/inspect';
import { ruleSpec } from '../inspect/iptables-parse';
import { deleteConntrack } from '../kernel/conntrack';
import { iptablesRestore, iptablesSave, type Family as IpFamily } from '../kernel/iptables';
import { deleteLinks } from '../kernel/links';
import { scanSave } from '../kernel/save-lines';
import { deleteNetns, listNetns } from '../kernel/netns';
import type { OrphanPort } from '../portmap/allocator';
import type { HostLink, Planned } from './planned';
import { deleteLines, restoreText } from './restore-text';
import {
  chainKey, copyStore, createSnapshotDir, newSnapshotId, saveFile, writeManifest,
  type RemovedLink, type RemovedRule, type Snapshot,
} from './snapshot';

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

const errText = (e: unknown) => (e instanceof Error ? e.message : String(e));

function describeLink(l: HostLink, host: HostInspect): RemovedLink {
  let peer: RemovedLink['peer'] = null;
  if (l.peer) {
    const at = l.peer.lastIndexOf('@');
    const name = l.peer.slice(0, at);
    const where = l.peer.slice(at + 1);
    const ns = where === 'host' ? null : where;
    const addrs =
      ns === null
        ? host.links.find((x) => x.name === name)?.addresses ?? []
        : host.netns.find((n) => (n.name ?? n.path) === ns || `pid:${n.pids[0]}` === ns)?.links.find((x) => x.name === name)?.addresses ?? [];
    const up = ns === null ? host.links.find((x) => x.name === name)?.state !== 'DOWN' : addrs.length > 0;
    peer = { name, netns: ns, addresses: addrs, up };
  }
  return { name: l.name, kind: l.kind, mac: l.mac, mtu: l.mtu, master: l.master, alias: l.alias, addresses: l.addresses, up: l.state !== 'DOWN', peer };
}

// Apply chosen findings from one reading of the host. Snapshot first; then
// one iptables-restore per family, one ip -batch for links, netns deletes.
export async function applyFindings(host: HostInspect, chosen: Planned[], deps: ApplyDeps): Promise<ApplyResult> {
  const id = newSnapshotId();
  const dir = await createSnapshotDir(deps.dataRoot, id);
  const applied: string[] = [];
  const failed: ApplyResult['failed'] = [];
  const snap: Snapshot = {
    id, takenAt: new Date().toISOString(), undone: false, findings: [], rules: [], chainsBefore: {}, links: [], netns: [], storeCopy: null,
  };

  const progress = (done: number, message: string) =>
    deps.emit?.({ type: 'progress', op: 'cleanup.apply', done, total: 4, message });
  progress(0, 'saving a snapshot');
  const ruleF = chosen.filter((p) => p.target.type === 'rule');
  const families = new Set(ruleF.map((p) => (p.target.type === 'rule' ? p.target.rule.family : 'ipv4')));
  // The snapshot's reading is also what the rules look like now: a rule the
  // plan named that is no longer there went on its own (CNI's DEL: done).
  const now = new Map<string, Set<string>>(); // chainKey -> rule lines; only tables that could be read
  for (const family of families)
    for (const table of ['filter', 'nat', 'raw', 'mangle']) {
      let text: string;
      try {
        text = await iptablesSave(family, { table });
        scanSave(text, (l) => {
          const k = chainKey(family as IpFamily, table, l.kind === 'table' ? '' : l.chain);
          if (l.kind === 'chain') now.set(k, now.get(k) ?? new Set());
          else if (l.kind === 'rule') now.set(k, (now.get(k) ?? new Set()).add(l.text));
        });
        now.set(chainKey(family as IpFamily, table, ''), new Set()); // this table was read
      } catch (e) {
        text = `# unreadable: ${errText(e)}\n`;
      }
      await saveFile(dir, `${family}-${table}.rules`, text);
    }
  const goneSincePlan = (r: { family: string; table: string; chain: string; text: string }) =>
    now.has(chainKey(r.family as IpFamily, r.table, '')) && !now.get(chainKey(r.family as IpFamily, r.table, r.chain))?.has(r.text);
  if (deps.storePath) snap.storeCopy = await copyStore(dir, deps.storePath);
  await writeManifest(dir, snap);

  progress(1, 'removing rules');
  // Rules: one atomic restore per family; the same rule named by two findings is removed once.
  for (const family of families) {
    const mine = ruleF.filter((p) => p.target.type === 'rule' && p.target.rule.family === family);
    const byRule = new Map<string, RemovedRule>();
    for (const p of mine) {
      if (p.target.type !== 'rule') continue;
      const r = p.target.rule;
      if (goneSincePlan(r)) continue; // nothing to delete, nothing for undo to put back
      const earlierCopy = host.rules.some(
        (x) => x.source === 'iptables' && x.family === r.family && x.table === r.table && x.chain === r.chain && x.position < r.position && x.text === r.text,
      );
      byRule.set(r.id, { family: family as IpFamily, table: r.table, chain: r.chain, position: r.position, spec: ruleSpec(r), ...(earlierCopy ? { byPosition: true } : {}) });
    }
    const removed = [...byRule.values()];
    try {
      if (removed.length) await iptablesRestore(restoreText(deleteLines(removed)), family as IpFamily);
      snap.rules.push(...removed);
      for (const r of removed) {
        const k = chainKey(r.family, r.table, r.chain);
        snap.chainsBefore[k] ??= host.rules
          .filter((x) => x.source === 'iptables' && x.family === r.family && x.table === r.table && x.chain === r.chain)
          .map((x) => x.text);
      }
      applied.push(...mine.map((p) => p.id));
    } catch (e) {
      for (const p of mine) failed.push({ id: p.id, error: errText(e) });
    }
  }

  progress(2, 'removing links and namespaces');
  // Links: one idempotent batch. A link that vanished on its own since the
  // plan (its peer's namespace went, the engine tore it down) is what the
  // finding asked for: done, not failed. Only a link still there failed.
  const linkF = chosen.filter((p) => p.target.type === 'link');
  if (linkF.length) {
    const links = linkF.map((p) => (p.target.type === 'link' ? p.target.link : (null as never)));
    let left = new Set<string>();
    let alreadyGone = new Set<string>();
    let error = '';
    try {
      alreadyGone = new Set(await deleteLinks(links.map((l) => l.name)));
    } catch (e) {
      error = errText(e);
      const named = (e as { details?: { left?: unknown } }).details?.left;
      left = new Set(Array.isArray(named) ? named.map(String) : links.map((l) => l.name));
    }
    linkF.forEach((p, i) => {
      if (left.has(links[i].name)) failed.push({ id: p.id, error });
      else {
        applied.push(p.id);
        // undo puts back only what this apply removed
        if (!alreadyGone.has(links[i].name)) snap.links.push(describeLink(links[i], host));
      }
    });
  }

  for (const p of chosen) {
    if (p.target.type !== 'netns') continue;
    const ns = p.target.netns;
    try {
      const deleted = await deleteNetns(ns.name as string);
      if ((await listNetns()).includes(ns.name as string)) throw new Error(`ip netns delete ${ns.name} left it in place`);
      // gone before we got to it: done, but nothing of ours for undo to put back
      if (deleted) snap.netns.push({ name: ns.name as string, loUp: ns.links.some((l) => l.name === 'lo' && l.addresses.length > 0) });
      applied.push(p.id);
    } catch (e) {
      failed.push({ id: p.id, error: errText(e) });
    }
  }

  const store = chosen.filter((p) => p.target.type === 'store');
  if (store.length) {
    if (!deps.releaseMissing) {
      for (const p of store) failed.push({ id: p.id, error: 'the engine releases this state: run berth doctor' });
    } else {
      try {
        await deps.releaseMissing(store.map((p) => (p.target.type === 'store' ? { what: p.target.what, id: p.target.id } : (null as never))));
        applied.push(...store.map((p) => p.id));
      } catch (e) {
        for (const p of store) failed.push({ id: p.id, error: errText(e) });
      }
    }
  }

  const ports = chosen.filter((p) => p.target.type === 'port');
  if (ports.length) {
    if (!deps.releaseOrphans) {
      for (const p of ports) failed.push({ id: p.id, error: 'the engine releases this port: run berth doctor' });
    } else {
      try {
        await deps.releaseOrphans(ports.map((p) => (p.target.type === 'port' ? { hostIp: p.target.hostIp, hostPort: p.target.hostPort, proto: p.target.proto } : (null as never))));
        applied.push(...ports.map((p) => p.id));
      } catch (e) {
        for (const p of ports) failed.push({ id: p.id, error: errText(e) });
      }
    }
  }

  // Conntrack entries cannot be put back (undo skips them); entries that
  // expired since the plan are not a failure.
  for (const p of chosen) {
    if (p.target.type !== 'conntrack') continue;
    try {
      for (const argv of p.target.argv) await deleteConntrack(argv.slice(2));
      applied.push(p.id);
    } catch (e) {
      failed.push({ id: p.id, error: errText(e) });
    }
  }

  snap.findings = applied;
  await writeManifest(dir, snap);
  progress(4, `${applied.length} applied, ${failed.length} failed`);
  deps.emit?.({ type: 'cleanup.applied', snapshotId: id, count: applied.length });
  return { snapshotId: id, applied, failed };
}
