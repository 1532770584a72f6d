import { dropEmptyIptablesTables, readForwardPolicy } from '../firewall/reset';
import type { State } from '../store/state';
import { deadForeign } from './connect';
import { finalizeExit, finishRemovals, isUp } from './containers';
import { allEndpoints, type Engine } from './engine';
import { detachEndpoint } from './endpoints';
import { LINK_ALIAS_PREFIX, shortId } from './naming';
import { ensurePredefined, ensureV6Forwarding } from './networks';
import { sandboxOf } from './sandbox-lifecycle';
import { hasBerthMac } from '../../../src/shared/link-mark';
import { BERTH_NETNS_RE } from '../../../src/shared/netns-name';

// At helper start (after a reboot or a crash): the store is the truth;
// bridges, endpoints and rules are put back, dead containers' endpoints
// released, and Berth-tagged kernel objects nobody owns removed.
export async function restore(eng: Engine): Promise<void> {
  // before Berth writes anything: which nft tables were there (iptables-nft makes some on first use)
  const k = eng.kernel;
  if (eng.originals && !eng.originals.get().nftTables) eng.originals.recordNftTables(await k.nftTableNames().catch(() => []));
  const forwardBefore = await k.readSysctl('net.ipv4.ip_forward');
  if (await k.ensureSysctl('net.ipv4.ip_forward', '1')) {
    eng.originals?.recordSysctl('net.ipv4.ip_forward', forwardBefore ?? '0');
    if (eng.opts.firewall.name === 'iptables') eng.originals?.recordForwardPolicy(await readForwardPolicy('ipv4'));
    eng.hostChanges.push(
      eng.opts.firewall.name === 'nftables'
        ? 'net.ipv4.ip_forward set to 1; forward chain of nft table ip berth has policy drop'
        : 'net.ipv4.ip_forward set to 1; filter FORWARD policy set to DROP',
    );
    eng.forwardPolicyDrop = true;
  }
  if (Object.values(eng.state.networks).some((n) => n.enableIPv6)) await ensureV6Forwarding(eng);
  eng.rebuildIpam(eng.state);
  const exited: { id: string; pid: number; shimPid?: number; shimStartTime?: string }[] = [];
  await eng.tx(async (s) => {
    for (const c of Object.values(s.containers)) {
      if (!isUp(c)) continue;
      const sb = sandboxOf(s, c);
      const nsOk = c.networkMode === 'host' || (sb !== null && (await k.listNetns()).includes(sb.ns));
      if (nsOk && (await k.isAlive(c.state.pid, c.state.startTime))) eng.adopt(c.id, c.state);
      else exited.push({ id: c.id, pid: c.state.pid, shimPid: c.state.shimPid, shimStartTime: c.state.shimStartTime });
    }
    for (const id of await deadForeign(eng, s)) {
      for (const ep of s.foreign[id].endpoints) await detachEndpoint(eng, s, ep, null);
      delete s.foreign[id];
    }
    for (const n of Object.values(s.networks)) await eng.driver(n).ensureNetwork(n);
    await rejoinMissingEndpoints(eng, s);
    await removeOrphans(eng, s, exited.map((e) => e.id));
    await eng.recordForwardPolicy6();
    await eng.opts.firewall.apply(eng.firewallModel(s), { forwardPolicyDrop: eng.forwardPolicyDrop, forwardPolicyDrop6: eng.forwardPolicyDrop6, pruneUnknown: true });
    eng.forwardPolicyDrop6 = false;
  });
  // an empty raw table the last run left (it ended before its idle drop, engine.ts)
  if (eng.opts.firewall.name === 'iptables' && !allEndpoints(eng.state).length)
    await dropEmptyIptablesTables(eng.originals?.get().nftTables, ['raw']).catch(() => []);
  // the status the container's shim recorded while the helper was away (kernel/shim.ts)
  for (const e of exited) {
    const r = e.shimPid && (await k.isAlive(e.shimPid, e.shimStartTime ?? '')) ? await waitRecord(eng, e.id, e.pid) : await eng.exitRecord(e.id, e.pid);
    if (r) await finalizeExit(eng, e.id, e.pid, r.exitCode, r.error, r.finishedAt);
    else await finalizeExit(eng, e.id, e.pid, 255, 'the process ended while the helper was not running; exit status unknown');
  }
  await ensurePredefined(eng);
  // a removal the helper's end interrupted: its intent was saved, finish it
  eng.warnings.push(...(await finishRemovals(eng)).failed);
}

// A shim still writing the last output of a process that just ended: its record comes within seconds.
async function waitRecord(eng: Engine, id: string, pid: number) {
  for (let i = 0; i < 100; i++) {
    const r = await eng.exitRecord(id, pid);
    if (r) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
  return null;
}

// A host veth someone deleted: the endpoint is joined again with its address.
async function rejoinMissingEndpoints(eng: Engine, s: State): Promise<void> {
  const have = new Set((await eng.kernel.listLinks()).map((l) => l.ifname));
  for (const c of Object.values(s.containers)) {
    const sb = sandboxOf(s, c);
    if (!isUp(c) || !sb) continue;
    for (const ep of c.endpoints) {
      if (have.has(ep.hostVeth)) continue;
      const net = s.networks[ep.networkId];
      try {
        await eng.driver(net).join(net, ep, sb);
      } catch (e) {
        c.state.status = 'degraded';
        c.state.error = `endpoint on ${net.name} could not be restored: ${(e as Error).message}`;
      }
    }
  }
}

async function removeOrphans(eng: Engine, s: State, exiting: string[]): Promise<void> {
  const k = eng.kernel;
  const known = new Set<string>();
  for (const n of Object.values(s.networks)) known.add(shortId(n.id));
  for (const ep of allEndpoints(s)) known.add(shortId(ep.id));
  // a link made by an operation the killed helper never saved: tagged with an
  // unknown id, or not tagged yet but carrying Berth's MAC mark (src/shared/link-mark.ts)
  const names = new Set([...Object.values(s.networks).map((n) => n.bridge), ...allEndpoints(s).map((ep) => ep.hostVeth)]);
  const orphans = (await k.listLinks())
    .filter((l) =>
      l.ifalias?.startsWith(LINK_ALIAS_PREFIX)
        ? !known.has(l.ifalias.slice(LINK_ALIAS_PREFIX.length))
        : hasBerthMac(l.ifname, l.address) && !names.has(l.ifname),
    )
    .map((l) => l.ifname);
  await k.deleteLinks(orphans);
  const wanted = new Set(
    Object.values(s.containers)
      .filter((c) => c.netns && (c.state.status !== 'exited' || exiting.includes(c.id)))
      .map((c) => c.netns!),
  );
  // only names Berth makes (berth-<id12>): anyone may add a file to a sticky
  // /run/netns, so one that is not a namespace of root's is a warning here,
  // never a helper that cannot start (docs/decisions.md, "Root boundary")
  for (const ns of await k.listNetns()) {
    if (!BERTH_NETNS_RE.test(ns) || wanted.has(ns)) continue;
    await k.deleteNetns(ns).catch((e: Error) => eng.warnings.push(`stray network namespace ${ns} left in place: ${e.message}`));
  }
  for (const f of await k.listUts(eng.opts.utsDir)) if (!wanted.has(`berth-${f}`)) await k.deleteUts(`${eng.opts.utsDir}/${f}`);
}

export interface DriftReport {
  healthy: string[];
  missing: string[];
  extra: string[];
  healed: boolean;
  warnings: string[];
}

// Compares the kernel with the store; with `heal`, puts back what is missing.
export async function checkDrift(eng: Engine, heal: boolean): Promise<DriftReport> {
  return eng.serial(async () => {
    const s = eng.state;
    const model = eng.firewallModel(s);
    const diff = await eng.opts.firewall.diff(model);
    const links = new Map((await eng.kernel.listLinks()).map((l) => [l.ifname, l]));
    const missing = [...diff.missing];
    const healthy: string[] = [];
    for (const n of Object.values(s.networks)) {
      if (n.driver !== 'bridge') continue;
      const l = links.get(n.bridge);
      if (!l) missing.push(`bridge ${n.bridge} of network ${n.name}`);
      else healthy.push(`network ${n.name}: bridge ${n.bridge} ${l.flags.includes('UP') ? 'up' : 'down'}`);
    }
    for (const ep of allEndpoints(s)) {
      if (!links.has(ep.hostVeth)) missing.push(`veth ${ep.hostVeth} of endpoint ${shortId(ep.id)}`);
    }
    const total = eng.opts.firewall.ruleCount(model);
    if (!diff.missing.length && !diff.extra.length) healthy.push(`firewall (${eng.opts.firewall.name}): ${total} Berth rules in place`);
    // Berth's accepts in the host's other firewalls (Docker's/ufw's FORWARD DROP, firewalld)
    const guest = eng.opts.firewall.neighbours?.();
    for (const d of guest?.done ?? []) healthy.push(d);

    let healed = false;
    if (heal && (missing.length || diff.extra.length)) {
      for (const n of Object.values(s.networks)) await eng.driver(n).ensureNetwork(n);
      await rejoinMissingEndpoints(eng, s);
      await eng.opts.firewall.apply(model);
      // a heal that only deletes answers before its commit (write-queue.ts):
      // `healed` is said once the extra rules are gone, not while they go
      await eng.opts.firewall.settled?.();
      healed = true;
    }
    return { healthy, missing, extra: diff.extra, healed, warnings: guest?.warnings ?? [] };
  });
}
