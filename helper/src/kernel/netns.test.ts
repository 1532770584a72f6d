import { describe, expect, it } from 'vitest';
import { SandboxRef } from '../../../src/shared/network';
import { ip, ipBatch, listLinks } from './links';
import { checkNetnsName, deleteNetns, isNetnsName } from './netns';

// A netns name reaches `ip` as an argument (`ip netns delete NAME`, `ip -n
// NAME`) or inside a batch line (`netns NAME`), whether a client sent it or
// the helper read it from /run/netns: one that could be an option, a path or
// more than one word never gets there (src/shared/netns-name.ts).
const refused = ['-all', '-n', '--help', '.', '..', '.hidden', 'a b', 'a\nlink del dev eth0', 'x/y', '', 'a'.repeat(65), 'é'];
const taken = ['berth-0123456789ab', 'cni-1f0e6a2b-7c1d-4e8f-9a0b-1c2d3e4f5a6b', 'my_ns.1', 'blue', '0', 'a'.repeat(64)];

describe('netns names', () => {
  it('takes the names ip and the engines make, refuses any other', () => {
    for (const n of taken) expect(isNetnsName(n), n).toBe(true);
    for (const n of refused) {
      expect(isNetnsName(n), n).toBe(false);
      expect(() => checkNetnsName(n)).toThrow(`invalid network namespace name ${JSON.stringify(n)}`);
    }
  });

  it('the contract refuses them from a client (--netns)', () => {
    for (const n of refused) expect(SandboxRef.safeParse({ netns: n }).success, n).toBe(false);
    expect(SandboxRef.safeParse({ netns: 'blue' }).success).toBe(true);
  });

  it('refused before any program runs, wherever a name reaches ip', async () => {
    // no root needed: each refuses before it execs (an exec would fail differently here)
    for (const n of ['-all', '-force', 'a b']) {
      await expect(deleteNetns(n)).rejects.toThrow(`invalid network namespace name ${JSON.stringify(n)}`);
      await expect(ip(n, ['link'])).rejects.toThrow('invalid network namespace name');
      await expect(ipBatch(n, ['link set lo up'])).rejects.toThrow('invalid network namespace name');
      await expect(listLinks(n)).rejects.toThrow('invalid network namespace name');
    }
  });
});
