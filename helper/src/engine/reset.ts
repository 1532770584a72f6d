import { BerthError } from '../../../src/shared/errors';
import { dropEmptyIptablesTables, resetIptables, resetNftables } from '../firewall/reset';
import type { Engine } from './engine';

export interface ResetResult {
  removed: string[];
  restored: string[];
  kept: string[]; // what Berth changed but leaves, and why
  userRules: string[]; // the user's rules that went with BERTH-USER / berth-user
}

// Other engines' bridges: while one exists, forwarding is theirs too.
const FOREIGN_BRIDGE_RE = /^(docker0|br-[0-9a-f]{12}|cni\d+|cni-podman\d+|podman\d+|virbr\d+)$/;

// `berth system reset`: with no container and no network of the user's
// left, takes away what Berth made on the host (berth0, its chains and
// table, its accepts in other firewalls, tables iptables made for it) and
// puts back what it changed (ip_forward, the FORWARD policy,
// bridge-nf-call-iptables) — only what Berth itself changed, as recorded in
// host-originals.json when it changed it. The helper stops afterwards
// (helper-main), so nothing puts berth0 back until it is started again.
export async function systemReset(eng: Engine): Promise<ResetResult> {
  return eng.serial(async () => {
    const s = eng.state;
    const containers = Object.values(s.containers).map((c) => c.name);
    const foreign = Object.keys(s.foreign).map((id) => id.slice(0, 12));
    const nets = Object.values(s.networks).filter((n) => !n.predefined).map((n) => n.name);
    if (containers.length || foreign.length || nets.length) {
      const what = [
        containers.length && `containers ${containers.join(', ')} (berth rm -f)`,
        foreign.length && `attached namespaces ${foreign.join(', ')} (berth network disconnect)`,
        nets.length && `networks ${nets.join(', ')} (berth network rm)`,
      ].filter(Boolean);
      throw new BerthError('conflict', `berth system reset needs an empty Berth: remove ${what.join('; ')} first`);
    }
    const out: ResetResult = { removed: [], restored: [], kept: [], userRules: [] };
    const orig = eng.originals?.get() ?? { sysctls: {} };
    const fw = eng.opts.firewall;
    const k = eng.kernel;
    await eng.settled(); // deletions still committing in the background go first

    await fw.removeGuests?.();
    if (fw.neighbours?.().done.length) out.removed.push("Berth's accepts in the host's other firewalls");
    const r = fw.name === 'iptables' ? await resetIptables(orig.forwardPolicy, orig.forwardPolicy6) : fw.name === 'nftables' ? await resetNftables() : null;
    if (r) {
      out.removed.push(...r.removed);
      out.restored.push(...r.restored);
      out.userRules.push(...r.userRules);
    }
    for (const n of Object.values(s.networks)) {
      if (n.driver !== 'bridge') continue;
      await eng.driver(n).deleteNetwork(n);
      out.removed.push(`bridge ${n.bridge} (network ${n.name})`);
    }
    // the bridges are gone when reset answers (and are not taken for other engines' below)
    await k.linksReaped();
    out.removed.push(...(await dropEmptyIptablesTables(orig.nftTables).catch(() => [])));
    try {
      const r = await k.releaseUtsDir(eng.opts.utsDir);
      if (r === 'released') out.removed.push(`the mount of ${eng.opts.utsDir} (containers' hostnames)`);
      else if (r === 'in use') out.kept.push(`the mount of ${eng.opts.utsDir}: a container's hostname file is still mounted in it`);
    } catch (e) {
      out.kept.push(`the mount of ${eng.opts.utsDir}: ${(e as Error).message}; remove it with: umount ${eng.opts.utsDir}`);
    }

    const others = (await k.listLinks()).map((l) => l.ifname).filter((n) => FOREIGN_BRIDGE_RE.test(n));
    for (const [key, before] of Object.entries(orig.sysctls)) {
      const now = await k.readSysctl(key);
      if (now === null || now === before) continue;
      if (key === 'net.ipv4.ip_forward' && others.length) {
        out.kept.push(`${key} = ${now} (was ${before}): ${others.join(', ')} may need forwarding; set it back with: sysctl -w ${key}=${before}`);
        continue;
      }
      await k.ensureSysctl(key, before);
      out.restored.push(`${key} = ${before} (Berth had set ${now})`);
    }
    eng.originals?.clear();
    return out;
  });
}
