import { existsSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { z } from 'zod';
import { createFresh } from '../kernel/safe-files';

// What the host looked like before Berth changed it, kept in the data root
// across helper restarts so `berth system reset` can put back exactly what
// Berth changed and nothing it did not: a setting is recorded only at the
// moment Berth changes it (the first time), never overwritten after.
// Validated on load as narrowly as what Berth writes: reset hands these to
// root programs and /proc/sys (a sysctl key is dotted words, kernel/sysctl.ts).
const Policy = z.string().regex(/^[A-Z]{1,16}$/); // ACCEPT, DROP: a target name, one word
const Originals = z.object({
  // sysctl key -> value before Berth set it (net.ipv4.ip_forward, …)
  sysctls: z.record(z.string().regex(/^[a-z0-9_-]+(\.[a-z0-9_-]+)+$/), z.string().regex(/^[^\n\0]{0,256}$/)).default({}),
  // iptables filter FORWARD policy before Berth set DROP; null: the table did not exist
  forwardPolicy: Policy.nullable().optional(),
  // the same for ip6tables, when Berth turned IPv6 forwarding on (docs/ipv6.md)
  forwardPolicy6: Policy.nullable().optional(),
  // nft tables ("ip filter", …) present before Berth first wrote a rule: the
  // ones Berth's iptables rules brought into being are removed when empty
  nftTables: z.array(z.string()).optional(),
});
export type Originals = z.infer<typeof Originals>;

export class HostOriginals {
  private readonly path: string;
  private data: Originals;

  constructor(dataRoot: string) {
    this.path = `${dataRoot}/host-originals.json`;
    this.data = this.load();
  }

  private load(): Originals {
    if (!existsSync(this.path)) return { sysctls: {} };
    try {
      return Originals.parse(JSON.parse(readFileSync(this.path, 'utf8')));
    } catch {
      // unreadable: know nothing, so reset puts nothing back (never guesses)
      return { sysctls: {} };
    }
  }

  get(): Readonly<Originals> {
    return this.data;
  }

  recordSysctl(key: string, before: string): void {
    if (key in this.data.sysctls) return;
    this.data.sysctls[key] = before;
    this.save();
  }
  recordForwardPolicy(before: string | null): void {
    if (this.data.forwardPolicy !== undefined) return;
    this.data.forwardPolicy = before;
    this.save();
  }
  recordForwardPolicy6(before: string | null): void {
    if (this.data.forwardPolicy6 !== undefined) return;
    this.data.forwardPolicy6 = before;
    this.save();
  }
  recordNftTables(tables: string[]): void {
    if (this.data.nftTables) return;
    this.data.nftTables = tables;
    this.save();
  }

  // the host is as it was found: nothing left to put back
  clear(): void {
    this.data = { sysctls: {} };
    rmSync(this.path, { force: true });
  }

  private save(): void {
    const tmp = `${this.path}.tmp`;
    // as every file root creates: O_EXCL|O_NOFOLLOW (kernel/safe-files.ts), fsync'd before the rename
    createFresh(tmp, JSON.stringify(this.data, null, 2) + '\n', { mode: 0o600 });
    renameSync(tmp, this.path);
  }
}
