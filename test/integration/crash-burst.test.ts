import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { hostPerTest, waitFor, type TestHost } from './harness';

// The helper's `ip -batch` co-process (kernel/ip-session.ts), by the runner's PID.
async function ipCoProcess(helperPid: number): Promise<number> {
  const kids = (await readFile(`/proc/${helperPid}/task/${helperPid}/children`, 'utf8')).trim().split(' ').filter(Boolean);
  for (const k of kids) if ((await readFile(`/proc/${k}/cmdline`, 'utf8').catch(() => '')).includes('-batch')) return Number(k);
  throw new Error(`no ip -batch child of ${helperPid}`);
}

// Bytes waiting to be read on a process's stdin (Node gives a child a socket
// pair, whose receive queue ss shows), by its PID inside the test host.
async function stdinQueued(h: TestHost, innerPid: number): Promise<number> {
  for (const line of (await h.shOk(['ss', '-xpH'])).split('\n'))
    if (line.includes(`pid=${innerPid},fd=0)`)) return Number(line.trim().split(/\s+/)[2]);
  throw new Error(`no socket on fd 0 of ${innerPid}`);
}

// The helper is SIGKILLed while a burst of concurrent mutations (creates,
// runs with published ports, connects) is in flight: whatever it had not
// committed is undone at the next start, so nothing is half-made - no stray
// bridge, veth, namespace, route or rule - and removing what the store holds
// leaves the host exactly as it was (docs/decisions.md, State).
describe('crash amid concurrent mutations', () => {
  const host = hostPerTest((h) => h.startHelper());

  it('a SIGKILL amid creates, runs and connects leaves nothing stale, and the host clean after removal', async () => {
    const h = host();
    const baseline = await h.snapshot();
    await h.berthOk(['network', 'create', '--subnet', '10.93.0.0/24', 'base']);
    await h.berthOk(['run', '-d', '--name', 'first', '--network', 'base', 'sleep', '600']);
    let acked = 0;
    const count = (r: { code: number }) => void (r.code === 0 && acked++);
    const ops = [
      ...Array.from({ length: 5 }, (_, i) => h.berth(['network', 'create', `k${i}`]).then(count)),
      ...Array.from({ length: 5 }, (_, i) => h.berth(['run', '-d', '--name', `r${i}`, '--network', 'base', '-p', `${9100 + i}:80`, 'sleep', '600']).then(count)),
      h.berth(['network', 'connect', 'k0', 'first']).then(count),
    ];
    // the kill lands once the first of them is acknowledged: the rest are in flight or queued
    await waitFor(async () => acked > 0, 120_000, 'the first acknowledged operation of the burst');
    await h.stopHelper('SIGKILL');
    await Promise.all(ops);

    await h.startHelper();
    expect((await h.berthOk(['cleanup'])).trim()).toBe('Nothing stale found.');
    // every veth on the host is an endpoint the store knows
    const veths = (await h.shOk(['ip', '-br', 'link', 'show', 'type', 'veth'])).split('\n').filter(Boolean).length;
    let endpoints = 0;
    for (const id of (await h.berthOk(['ps', '-q'])).split('\n').filter(Boolean))
      endpoints += Object.keys((await h.inspect(id)).NetworkSettings.Networks).length;
    expect(veths).toBe(endpoints);

    await h.clearBerth();
    expect(await h.snapshot()).toEqual(baseline);
  });

  // The killed helper's ip goes on with the lines already in its pipe: a
  // helper started meanwhile waits for it before it restores, then removes
  // what it made (kernel/program-generation.ts). The ip is held with SIGSTOP.
  it('a helper started while the killed one\'s kernel programs still run waits for them, then removes what they made', async () => {
    const h = host();
    const baseline = await h.snapshot();
    await h.berthOk(['network', 'create', '--subnet', '10.94.0.0/24', 'first']);
    const ip = await ipCoProcess(h.helperHostPid);
    const ipInner = Number(/^NSpid:.*\s(\d+)\s*$/m.exec(await readFile(`/proc/${ip}/status`, 'utf8'))?.[1]);
    process.kill(ip, 'SIGSTOP');
    let starting: Promise<void> | null = null;
    try {
      const late = h.berth(['network', 'create', 'late']);
      await waitFor(async () => (await stdinQueued(h, ipInner)) > 0, 60_000, "the create's lines in the stopped ip's pipe", 20);
      await h.stopHelper('SIGKILL');
      expect((await late).code).not.toBe(0);
      starting = h.startHelper();
      await waitFor(async () => h.helperLog.includes("waiting for the previous helper's kernel programs"), 120_000, 'the new helper to wait for the old ip');
    } finally {
      try {
        process.kill(ip, 'SIGCONT');
      } catch {
        /* gone: the failure above says why */
      }
    }
    await starting;
    expect(h.helperLog).toContain("the previous helper's kernel programs have ended");
    expect((await h.berthOk(['cleanup'])).trim()).toBe('Nothing stale found.');
    expect(await h.berthOk(['network', 'ls', '--format', '{{.Name}}'])).not.toContain('late');
    await h.clearBerth();
    expect(await h.snapshot()).toEqual(baseline);
  });
});

// A removed network's bridge is unplugged (down) before the reply and
// deleted afterwards by a second ip (kernel/link-reaper.ts). A helper killed
// before that deletion ran leaves the bridge down, still tagged as Berth's,
// with no store record: the next start removes it (docs/decisions.md,
// "Links deleted in the background").
describe('crash between a removal\'s reply and its background deletion', () => {
  const host = hostPerTest((h) => h.startHelper());

  it('the unplugged bridge of a removed network is gone after the next start', async () => {
    const h = host();
    const baseline = await h.snapshot();
    const before = new Set(await batchChildren(h.helperHostPid));
    // the first removal starts the reaper's ip
    const warm = `br-${(await h.berthOk(['network', 'create', 'warm'])).trim().slice(0, 12)}`;
    await h.berthOk(['network', 'rm', 'warm']);
    // cleanup waits for the deletion: a bridge on its way out is not a stray
    expect((await h.berthOk(['cleanup'])).trim()).toBe('Nothing stale found.');
    const reaper = (await batchChildren(h.helperHostPid)).find((p) => !before.has(p));
    expect(reaper, 'a second ip -batch, the reaper').toBeDefined();
    await waitFor(async () => (await h.sh(['ip', 'link', 'show', 'dev', warm])).code !== 0, 60_000, `the background deletion of ${warm}`);
    process.kill(reaper!, 'SIGSTOP');
    try {
      const id = (await h.berthOk(['network', 'create', '--subnet', '10.95.0.0/24', 'doomed'])).trim();
      const bridge = `br-${id.slice(0, 12)}`;
      await h.berthOk(['network', 'rm', 'doomed']);
      // replied with the bridge still there, unplugged
      const shown = await h.shOk(['ip', '-br', 'link', 'show', 'dev', bridge]);
      expect(shown).toContain('DOWN');
      await h.stopHelper('SIGKILL');
    } finally {
      process.kill(reaper!, 'SIGKILL'); // its pending deletion never runs
    }
    await h.startHelper();
    expect((await h.berthOk(['cleanup'])).trim()).toBe('Nothing stale found.');
    await h.clearBerth();
    expect(await h.snapshot()).toEqual(baseline);
  });
});

// The helper's `ip -batch` children, by PID.
async function batchChildren(helperPid: number): Promise<number[]> {
  const kids = (await readFile(`/proc/${helperPid}/task/${helperPid}/children`, 'utf8')).trim().split(' ').filter(Boolean);
  const out: number[] = [];
  for (const k of kids) if ((await readFile(`/proc/${k}/cmdline`, 'utf8').catch(() => '')).includes('-batch')) out.push(Number(k));
  return out;
}

// A disconnect unplugs the veth (host end down) before the reply and the
// reaper deletes it afterwards (kernel/link-reaper.ts). A helper killed
// before that deletion ran leaves a down veth that still carries Berth's
// mark while no record names it: the next start removes it, and a readout
// of the host meanwhile never proposes it twice.
describe('crash between a disconnect\'s reply and its background veth deletion', () => {
  const host = hostPerTest((h) => h.startHelper());

  it('the unplugged veth of a disconnected endpoint is gone after the next start', async () => {
    const h = host();
    const baseline = await h.snapshot();
    await h.berthOk(['network', 'create', '--subnet', '10.96.0.0/24', 'stay']);
    await h.berthOk(['network', 'create', '--subnet', '10.97.0.0/24', 'leave']);
    await h.berthOk(['run', '-d', '--name', 'c', '--network', 'stay', 'sleep', '600']);
    const before = new Set(await batchChildren(h.helperHostPid));
    // the first disconnect starts the reaper's ip; a connect at once after it meets no eth1 on its way out
    await h.berthOk(['network', 'connect', 'leave', 'c']);
    await h.berthOk(['network', 'disconnect', 'leave', 'c']);
    await h.berthOk(['network', 'connect', 'leave', 'c']);
    expect(Object.keys((await h.inspect('c')).NetworkSettings.Networks).sort()).toEqual(['leave', 'stay']);
    const reaper = (await batchChildren(h.helperHostPid)).find((p) => !before.has(p));
    expect(reaper, 'a second ip -batch, the reaper').toBeDefined();
    process.kill(reaper!, 'SIGSTOP');
    try {
      await h.berthOk(['network', 'disconnect', 'leave', 'c']);
      // replied with the veth still there, unplugged
      const veths = await hostVeths(h);
      expect(veths, 'both veths, one of them down').toHaveLength(2);
      expect(veths.filter((l) => /\bDOWN\b/.test(l))).toHaveLength(1);
      await h.stopHelper('SIGKILL');
    } finally {
      process.kill(reaper!, 'SIGKILL'); // its pending deletion never runs
    }
    await h.startHelper();
    expect((await h.berthOk(['cleanup'])).trim()).toBe('Nothing stale found.');
    expect(await hostVeths(h), 'only the endpoint on stay').toHaveLength(1);
    await h.clearBerth();
    expect(await h.snapshot()).toEqual(baseline);
  });
});

// The host's veths, one `ip -br` line each.
async function hostVeths(h: TestHost): Promise<string[]> {
  return (await h.shOk(['ip', '-br', 'link', 'show', 'type', 'veth'])).split('\n').filter(Boolean);
}
