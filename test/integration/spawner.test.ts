import { readFile, readdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectHelper } from '../../helper/src/client/unix-client';
import { TestHost, waitFor } from './harness';

// The helper starts its kernel programs from its small spawner and keeps one
// long-lived ip for its own namespace; both end with the helper, however it ends.
describe('spawner and ip co-process', () => {
  let h: TestHost;
  beforeEach(async () => {
    h = await TestHost.create();
  });
  afterEach(async () => h?.destroy());

  const stat = async (pid: number) => {
    try {
      const s = await readFile(`/proc/${pid}/stat`, 'utf8');
      return { ppid: Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]), cmd: (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').filter(Boolean) };
    } catch {
      return null; // gone meanwhile
    }
  };
  const childrenOf = async (pid: number) => {
    const out: { pid: number; cmd: string[] }[] = [];
    for (const d of await readdir('/proc')) {
      if (!/^\d+$/.test(d)) continue;
      const s = await stat(Number(d));
      if (s?.ppid === pid) out.push({ pid: Number(d), cmd: s.cmd });
    }
    return out;
  };

  it('runs programs from the spawner, and the spawner and ip end when the helper is killed', async () => {
    await h.startHelper();
    const c = await connectHelper(h.socket);
    await c.call('network.create', { name: 'n1', driver: 'bridge', subnet: '10.77.0.0/24' });
    await c.call('network.remove', { name: 'n1' });
    c.close();
    const kids = await childrenOf(h.helperHostPid); // the runner reads its own /proc: PIDs as it sees them
    const spawner = kids.find((k) => k.cmd.some((a) => a.endsWith('/spawner.mjs')));
    const ip = kids.find((k) => k.cmd.join(' ').endsWith('ip -force -batch -'));
    expect(spawner, JSON.stringify(kids)).toBeDefined();
    expect(ip, JSON.stringify(kids)).toBeDefined();
    await h.stopHelper('SIGKILL');
    await waitFor(async () => (await stat(spawner!.pid)) === null && (await stat(ip!.pid)) === null, 60_000, 'the spawner and ip to end with the killed helper');
  });
});
