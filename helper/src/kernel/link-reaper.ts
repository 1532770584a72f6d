import { IpSession, hostIp } from './ip-session';

// Deleting a link is slow in the kernel (a bridge ~40 ms, a veth ~20 ms on
// a small machine, most of it waiting for RCU grace periods) and creating
// one is fast. So a removal unplugs the link at once (`link set down`: no
// traffic, no routes, so a freed subnet looks free) and a second long-lived
// ip deletes it off the operation's path; the caller's commit and reply do
// not wait for it (docs/decisions.md, "Links deleted in the background").
//
// Crash safety comes from what is already there: the link keeps its Berth
// mark (MAC and alias) while it waits, the store no longer names it, and
// restore deletes such links at the next start. A killed helper's reaper
// ip finishes the lines in its pipe under the generation lock
// (program-generation.ts), so the next helper waits for them.
//
// Whoever makes a link under a name still being deleted (a network's chosen
// bridge name, an interface in the same sandbox) waits for that deletion
// first: `settled`.

const log = (m: string): void => void process.stderr.write(`${new Date().toISOString()} links: ${m}\n`);

interface Pending {
  scope: string | undefined; // the sandbox the link's peer is in, when it has one
  done: Promise<void>;
}

// How long a reaped name is still reported as leaving after its deletion:
// longer than any reading of the host that may have seen it (leaving()).
const LEAVING_MS = 60_000;

export class LinkReaper {
  private readonly ip = new IpSession();
  private readonly pending = new Map<string, Pending>();
  private readonly recent = new Map<string, number>(); // name → when it was unplugged

  // Unplugs `names` in the helper's namespace now and deletes them in the
  // background. A name already gone counts as deleted; a link that cannot be
  // set down is an error (nothing is left half-done: it is still plugged in).
  async reap(names: string[], scope?: string): Promise<void> {
    if (!names.length) return;
    const downs = await hostIp.run(names.map((n) => `link set dev ${n} down`));
    const failed = downs.flatMap((r, i) => (r.ok || r.error.startsWith(`Cannot find device "${names[i]}"`) ? [] : [`${names[i]}: ${r.error}`]));
    if (failed.length) throw new Error(`ip link set down: ${failed.join(' / ')}`);
    for (const [i, name] of names.entries()) {
      if (!downs[i].ok) continue;
      this.recent.set(name, Date.now());
      const done = this.ip
        .run([`link del dev ${name}`])
        .then(([r]) => {
          if (!r.ok && !r.error.startsWith(`Cannot find device "${name}"`)) log(`deleting ${name} failed (the next start removes it): ${r.error}`);
        })
        .catch((e: Error) => log(`deleting ${name} failed (the next start removes it): ${e.message}`))
        .finally(() => {
          if (this.pending.get(name)?.done === done) this.pending.delete(name);
        });
      this.pending.set(name, { scope, done });
    }
  }

  // Waits for the pending deletions of `names` and of links in `scope`;
  // with neither, for all of them (a helper that stops leaves none behind).
  async settled(which: { names?: string[]; scope?: string } = {}): Promise<void> {
    const all = which.names === undefined && which.scope === undefined;
    const waits = [...this.pending].filter(([n, p]) => all || which.names?.includes(n) || (which.scope !== undefined && p.scope === which.scope));
    await Promise.all(waits.map(([, p]) => p.done));
  }

  // Names being deleted, or deleted in the last minute: a reading of the
  // host that began before a removal may still hold such a link while the
  // store read after it no longer names it, so cleanup takes these as
  // Berth's own, never as strays for the user to remove.
  leaving(): string[] {
    const old = Date.now() - LEAVING_MS;
    for (const [n, t] of this.recent) if (t < old && !this.pending.has(n)) this.recent.delete(n);
    return [...new Set([...this.pending.keys(), ...this.recent.keys()])];
  }
}

export const hostReaper = new LinkReaper();
export const reapLinks = (names: string[], scope?: string) => hostReaper.reap(names, scope);
export const linksReaped = (which?: { names?: string[]; scope?: string }) => hostReaper.settled(which);
export const linksLeaving = () => hostReaper.leaving();
