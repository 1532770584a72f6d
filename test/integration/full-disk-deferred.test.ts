import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostPerTest, waitFor, type TestHost } from './harness';

const save = (h: TestHost) => h.shOk(['iptables-save']);

// The disk under the store fills while a detach's rules are being deleted
// in the background: the store's commit fails, the operation is undone
// (its rules written back behind the deletion), and store and kernel agree
// once the disk has room again.
describe('a full disk during a background deletion', () => {
  const host = hostPerTest(async (h) => {
    await h.shOk(['mkdir', '-p', h.dataRoot]);
    await h.shOk(['mount', '-t', 'tmpfs', '-o', 'size=8m,mode=0755', 'berth-full', h.dataRoot]);
    await h.startHelper(['--drift-interval', '600000']);
  });

  it('a detach that cannot be stored leaves store and kernel in agreement', async () => {
    const h = host();
    const baseline = await h.snapshot();
    await h.berthOk(['network', 'create', '--subnet', '10.99.2.0/24', 'full']);
    await h.shOk(['ip', 'netns', 'add', 'ffull']);
    await h.berthOk(['network', 'connect', 'full', '--netns', 'ffull']);
    const ip = (await h.shOk(['ip', '-n', 'ffull', '-4', '-br', 'addr', 'show', 'dev', 'eth0'])).split(/\s+/)[2].split('/')[0];
    const hasRule = async () => (await save(h)).includes(`-d ${ip}/32`);
    expect(await hasRule()).toBe(true);
    const fill = join(h.dataRoot, 'fill');
    await h.sh(['dd', 'if=/dev/zero', `of=${fill}`, 'bs=64k']); // until the disk is full (dd then exits 1)
    let r: Awaited<ReturnType<TestHost['berth']>>;
    try {
      r = await h.berth(['network', 'disconnect', 'full', '--netns', 'ffull']);
    } finally {
      await h.shOk(['rm', '-f', fill]);
    }
    // not stored: the endpoint is still connected, its link made again and its rules written back by the undo
    expect(r.code).not.toBe(0);
    expect(await hasRule()).toBe(true);
    expect(await h.shOk(['ip', '-n', 'ffull', '-br', 'link'])).toContain('eth0');
    await h.berthOk(['network', 'disconnect', 'full', '--netns', 'ffull']);
    await waitFor(async () => !(await hasRule()), 60_000, `the raw rule of ${ip} to be deleted`); // (in the background)
    await h.shOk(['ip', 'netns', 'delete', 'ffull']); // (empty now: cleanup would name it)
    expect((await h.berthOk(['cleanup'])).trim()).toBe('Nothing stale found.');
    await h.clearBerth();
    expect(await h.snapshot()).toEqual(baseline);
  });
});

