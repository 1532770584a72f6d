import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TestHost } from './harness';

// The data root's uts/ is a mount of itself (kernel/uts.ts) that holds each
// container's hostname. A clean stop with no container left takes it off,
// so a stopped Berth leaves the mount table as it found it; with containers
// running it stays for the next start, which takes the directory either way
// (docs/decisions.md, "Root boundary").
describe("the uts/ directory's mount across helper stops", () => {
  let h: TestHost;
  beforeEach(async () => {
    h = await TestHost.create();
    await h.startHelper();
  });
  afterEach(async () => h?.destroy());

  const uts = () => `${h.dataRoot}/uts`;
  const mounted = async () => (await h.shOk(['cat', '/proc/self/mountinfo'])).split('\n').map((l) => l.split(' ')[4]).includes(uts());
  const hostname = async (name: string) => (await h.berthOk(['exec', name, 'hostname'])).trim();

  it('stays while a container runs, goes on the clean stop after it is removed, and comes back on the next start', async () => {
    await h.berthOk(['run', '-d', '--name', 'web', '--hostname', 'webhost', 'sleep', '600']);
    await h.stopHelper('SIGTERM');
    expect(await mounted()).toBe(true);
    await h.startHelper();
    expect(await hostname('web')).toBe('webhost');
    await h.berthOk(['rm', '-f', 'web']);
    await h.stopHelper('SIGTERM');
    expect(await mounted()).toBe(false);
    expect(h.helperLog).not.toContain('stays mounted');
    await h.startHelper();
    expect(await mounted()).toBe(true);
    await h.berthOk(['run', '-d', '--name', 'again', '--hostname', 'againhost', 'sleep', '600']);
    expect(await hostname('again')).toBe('againhost');
  });
});
