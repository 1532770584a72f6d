// The GUI in Chromium (`berth ui --web`) against the REAL helper running in a
// throwaway network namespace (test/integration/harness.ts). A user creates a
// network (after an invalid subnet is refused), runs two containers, connects
// one to a second network, removes everything; the kernel is checked at each
// step with the CLI and `ip -j` inside the test namespace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { BerthApp } from './pages/app-page';
import { watchPage } from './support/browser';
import { fullCycle } from './support/flow';
import { realHelperMissing, startRealHelperGui, type Host, type RealHelperGui } from './support/real-helper';
import type { RunningUi } from './support/web-ui-process';

const missing = realHelperMissing('gui-real-helper');
interface Link { ifname: string; master?: string; linkinfo?: { info_kind?: string } }

describe.skipIf(missing.length > 0)('GUI in Chromium, real helper in a throwaway netns', () => {
  let gui: RealHelperGui;
  let host: Host;
  let ui: RunningUi;
  let browser: Browser;
  let baseline: Awaited<ReturnType<Host['snapshot']>>;

  const links = async (): Promise<Link[]> => JSON.parse(await host.shOk(['ip', '-j', '-d', 'link', 'show']));
  const bridgeOf = async (net: string): Promise<string> => {
    const n = JSON.parse(await host.berthOk(['network', 'inspect', net]))[0];
    const fromOpt = n.Options?.['com.docker.network.bridge.name'];
    if (fromOpt) return fromOpt;
    const subnet = n.IPAM.Config[0].Subnet as string;
    const gw = n.IPAM.Config[0].Gateway as string;
    const addrs = JSON.parse(await host.shOk(['ip', '-j', 'addr', 'show'])) as { ifname: string; addr_info: { local: string }[] }[];
    const br = addrs.find((a) => a.addr_info.some((i) => i.local === gw));
    if (!br) throw new Error(`no bridge holds ${gw} (${subnet})`);
    return br.ifname;
  };

  beforeAll(async () => {
    gui = await startRealHelperGui('gui-real-helper', { setUp: async (h) => void (baseline = await h.snapshot()) });
    ({ host, ui, browser } = gui);
  });
  afterAll(() => gui?.stop());

  it('creates, runs, connects and removes through the GUI; the kernel follows', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1360, height: 820 }, colorScheme: 'dark' });
    const page = await ctx.newPage();
    const problems = watchPage(page);
    const app = await new BerthApp(page).open(ui.url);
    await app.statusBar().getByText(/iptables|nftables|none/).waitFor();
    await app.shot('real-00-status-bar');

    let bridges: { a: string; b: string } = { a: '', b: '' };
    await fullCycle(
      app,
      { prefix: 'e2e', subnetA: '10.77.0.0/24', subnetB: '10.78.0.0/24', shots: 'real' },
      {
        async afterCreate({ a, b }) {
          bridges = { a: await bridgeOf(a), b: await bridgeOf(b) };
          const l = await links();
          for (const br of [bridges.a, bridges.b]) expect(l.find((x) => x.ifname === br)?.linkinfo?.info_kind).toBe('bridge');
          const addrs = await host.shOk(['ip', '-j', 'addr', 'show', 'dev', bridges.a]);
          expect(addrs).toContain('10.77.0.1');
          expect(await host.berthOk(['network', 'ls'])).toContain(a);
        },
        async afterRun({ c1, c2 }) {
          const ps = await host.berthOk(['ps']);
          expect(ps).toContain(c1);
          expect(ps).toContain(c2);
          const ports = (await links()).filter((x) => x.master === bridges.a);
          expect(ports.length).toBe(2); // one veth per container on the first bridge
          const inC = await host.inContainer(c1, ['ip', '-j', 'addr', 'show']);
          expect(inC.stdout).toMatch(/10\.77\.0\.\d+/);
        },
        async afterConnect() {
          expect((await links()).filter((x) => x.master === bridges.b).length).toBe(1);
          const inC = await host.inContainer('e2e-web', ['ip', '-j', 'addr', 'show']);
          expect(inC.stdout).toMatch(/10\.78\.0\.\d+/);
        },
        async afterRemove() {
          // first: the snapshot waits for the links the removals delete after answering
          const now = await host.snapshot();
          const l = await links();
          expect(l.map((x) => x.ifname)).not.toContain(bridges.a);
          expect(l.map((x) => x.ifname)).not.toContain(bridges.b);
          expect(await host.berthOk(['ps', '-a'])).not.toMatch(/e2e-web|e2e-db/);
          expect(now.links).toEqual(baseline.links);
          expect(now.netns).toEqual(baseline.netns);
          expect(now.addrs).toEqual(baseline.addrs);
          expect(now.rules.join('\n')).not.toMatch(/10\.77\.0\.0|10\.78\.0\.0/);
        },
      },
    );
    expect(problems).toEqual([]);
    await ctx.close();
  });
});
