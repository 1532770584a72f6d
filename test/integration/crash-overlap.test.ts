import { describe, expect, it } from 'vitest';
import { connectHelper } from '../../helper/src/client/unix-client';
import { consistent } from './consistency';
import { hostPerTest, type TestHost } from './harness';
import { KillPoints } from './kill-point';

// Attaches of bare namespaces sent at once are one batch whose members
// overlap: a member's in-namespace step (address, route) runs while the next
// member starts (docs/architecture.md, group commit). The helper is SIGKILLed
// at steps across such a batch (kill-point.ts counts the ip lines and runs,
// those inside the namespaces too): after the next start the store and the
// kernel agree, a namespace the store calls attached is wired and one it does
// not holds no Berth link, every attach then succeeds, and removing
// everything leaves the host as it was (docs/decisions.md, State).
const NO_DRIFT = ['--drift-interval', '600000'];
const NS = ['ov0', 'ov1', 'ov2', 'ov3'];

async function setup(h: TestHost): Promise<void> {
  await h.berthOk(['network', 'create', '--subnet', '10.95.0.0/24', 'ov']);
  for (const n of NS) await h.shOk(['ip', 'netns', 'add', n]);
}

// One connection each, the calls sent at once: they reach the helper together (one batch)
async function attachAll(h: TestHost): Promise<PromiseSettledResult<unknown>[]> {
  const clients = await Promise.all(NS.map(() => connectHelper(h.socket)));
  try {
    return await Promise.allSettled(NS.map((n, i) => clients[i].call('network.connect', { network: 'ov', target: { netns: n } })));
  } finally {
    for (const c of clients) c.close();
  }
}

// The namespaces the store holds on network ov (a named namespace's id is netns:NAME)
async function attachedInStore(h: TestHost): Promise<string[]> {
  const containers = JSON.parse(await h.berthOk(['network', 'inspect', 'ov']))[0].Containers as Record<string, unknown>;
  return NS.filter((n) => `netns:${n}` in containers);
}

// Detaches every namespace, then back to a bare helper (a network with endpoints is not pruned)
async function clear(h: TestHost): Promise<void> {
  for (const n of await attachedInStore(h)) await h.berthOk(['network', 'disconnect', 'ov', '--netns', n]);
  await h.clearBerth();
}

async function wired(h: TestHost, n: string): Promise<boolean> {
  const r = await h.sh(['ip', '-n', n, '-br', 'addr', 'show', 'eth0']);
  return r.code === 0 && /10\.95\.0\.\d+\/24/.test(r.stdout) && (await h.shOk(['ip', '-n', n, 'route', 'show', 'default'])).includes('via 10.95.0.1 dev eth0');
}

describe('SIGKILL amid a batch of overlapping namespace attaches', () => {
  let kp: KillPoints;
  const host = hostPerTest(async (h) => {
    kp = await KillPoints.install(h);
    await h.startHelper(NO_DRIFT);
  });

  it('killed at steps across the batch: consistent after the restart, each namespace wired exactly when the store says so, then every attach succeeds', async () => {
    const h = host();
    const baseline = await h.snapshot();
    // a batch without a kill counts its steps
    await setup(h);
    await kp.arm();
    expect((await attachAll(h)).map((r) => r.status)).toEqual(NS.map(() => 'fulfilled'));
    // the batch's own steps (all answered: its work is done); a reading's steps follow
    const steps = await kp.steps();
    await h.settled();
    expect(steps.length, steps.join('\n')).toBeGreaterThan(NS.length);
    for (const n of NS) expect(await wired(h, n), n).toBe(true);
    await clear(h);
    expect(await h.snapshot()).toEqual(baseline);

    // one step among the links, one among the in-namespace steps, the last
    const q = (f: number) => Math.max(1, Math.round(steps.length * f));
    for (const at of [...new Set([q(1 / 3), q(2 / 3), steps.length])]) {
      const where = `killed at step ${at} of ${steps.length} (${steps[at - 1]})`;
      await setup(h);
      await kp.crashAt(at, where, () => attachAll(h), NO_DRIFT); // some may have answered before the kill
      const found = await consistent(h, NS);
      const inStore = await attachedInStore(h);
      for (const n of NS) expect(await wired(h, n), `${where}: ${n} wired exactly when the store holds it (${inStore})`).toBe(inStore.includes(n));
      for (const n of NS.filter((x) => !inStore.includes(x))) await h.berthOk(['network', 'connect', 'ov', '--netns', n]);
      for (const n of NS) expect(await wired(h, n), `${where}: ${n} after its attach`).toBe(true);
      await consistent(h, NS);
      await clear(h);
      expect(await h.snapshot(), `${where}; found after the restart: ${found.join(' | ')}`).toEqual(baseline);
    }
  }, 1_800_000); // ~12 minutes at load 30
});
