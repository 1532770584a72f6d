import { BerthError, notFound } from '../../../src/shared/errors';
import type { BerthEvent } from '../../../src/shared/events';
import { parseIptablesSave } from '../inspect/iptables-parse';
import { iptablesRestore, iptablesSave, type Family as IpFamily } from '../kernel/iptables';
import { ipBatch, listLinks } from '../kernel/links';
import { isNetnsName, listNetns } from '../kernel/netns';
import { createNetns } from '../kernel/sandbox-ns';
import { insertLines, recreateLinkLines, restoreText } from './restore-text';
import { chainKey, latestSnapshot, writeManifest, type Snapshot } from './snapshot';

const conflict = (why: string[]) =>
  new BerthError('conflict', `cannot undo exactly, the host changed since the cleanup: ${why.join('; ')}`, { why });

// Every check before any change: chains must be as the apply left them,
// removed links and namespaces must not have come back, masters and peer
// namespaces must exist.
async function validate(snap: Snapshot): Promise<void> {
  const why: string[] = [];
  // names read back from the snapshot reach `ip` (a batch line's `netns NAME`, `ip -n NAME`): checked as a client's are
  for (const n of [...snap.netns.map((x) => x.name), ...snap.links.flatMap((l) => (l.peer?.netns && !/^pid:\d+$/.test(l.peer.netns) ? [l.peer.netns] : []))])
    if (!isNetnsName(n)) why.push(`namespace name ${JSON.stringify(n)} is not one Berth hands to ip`);
  const touched = new Map<string, Set<string>>();
  for (const r of snap.rules) touched.set(r.family, (touched.get(r.family) ?? new Set()).add(r.table));
  for (const [family, tables] of touched) {
    for (const table of tables) {
      const now = parseIptablesSave(await iptablesSave(family as IpFamily, { table }), family as IpFamily);
      for (const [key, before] of Object.entries(snap.chainsBefore)) {
        const [f, t, chain] = key.split('/');
        if (f !== family || t !== table) continue;
        const removedPos = new Set(snap.rules.filter((r) => chainKey(r.family, r.table, r.chain) === key).map((r) => r.position));
        const expected = before.filter((_, i) => !removedPos.has(i + 1));
        const actual = now.filter((r) => r.chain === chain).map((r) => r.text);
        if (expected.join('\n') !== actual.join('\n')) why.push(`${family} ${table} chain ${chain} was changed`);
      }
    }
  }
  const links = new Set((await listLinks()).map((l) => l.ifname));
  const spaces = new Set(await listNetns());
  for (const l of snap.links) {
    if (links.has(l.name)) why.push(`link ${l.name} exists again`);
    if (l.master && !links.has(l.master) && !snap.links.some((x) => x.name === l.master)) why.push(`bridge ${l.master} of ${l.name} is gone`);
    const ns = l.peer?.netns;
    if (ns && !ns.startsWith('pid:') && !spaces.has(ns) && !snap.netns.some((n) => n.name === ns)) why.push(`namespace ${ns} of ${l.name}'s peer is gone`);
    if (l.peer && l.peer.netns === null && links.has(l.peer.name)) why.push(`link ${l.peer.name} exists again`);
  }
  for (const n of snap.netns) if (spaces.has(n.name)) why.push(`namespace ${n.name} exists again`);
  if (why.length) throw conflict(why);
}

export async function undoLast(dataRoot: string, emit?: (e: BerthEvent) => void): Promise<{ snapshotId: string; restored: string[] }> {
  const last = await latestSnapshot(dataRoot);
  if (!last) throw notFound('no cleanup to undo: no snapshot was saved');
  const { dir, snap } = last;
  if (snap.undone) throw new BerthError('conflict', `the last cleanup (${snap.id}) was already undone`);
  await validate(snap);

  const restored: string[] = [];
  for (const n of snap.netns) {
    await createNetns(n.name);
    if (n.loUp) await ipBatch(n.name, ['link set lo up']);
    restored.push(`netns ${n.name}`);
  }
  const { host, peers, skipped } = recreateLinkLines(snap.links);
  await ipBatch(undefined, host);
  for (const [ns, lines] of peers) await ipBatch(ns, lines);
  for (const l of snap.links) if (!skipped.includes(l.name)) restored.push(`link ${l.name}`);
  for (const family of new Set(snap.rules.map((r) => r.family))) {
    const mine = snap.rules.filter((r) => r.family === family);
    await iptablesRestore(restoreText(insertLines(mine)), family);
    restored.push(...mine.map((r) => `${family} ${r.table} -A ${r.chain} ${r.spec}`));
  }
  snap.undone = true;
  await writeManifest(dir, snap);
  emit?.({ type: 'cleanup.undone', snapshotId: snap.id });
  return { snapshotId: snap.id, restored };
}
