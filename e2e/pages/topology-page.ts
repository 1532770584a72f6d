import type { Locator, Page } from 'playwright-core';

// The Topology view: a React Flow canvas of host, networks, containers and ports.
export class TopologyPage {
  constructor(readonly page: Page) {}
  canvas(): Locator {
    return this.page.getByRole('region', { name: 'Network topology' });
  }
  // nodes carry an aria-label that starts with their kind and name
  node(label: string | RegExp): Locator {
    const name = typeof label === 'string' ? new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) : label;
    return this.canvas().getByRole('group', { name });
  }
  host(): Locator {
    return this.node(/^Host/);
  }
  network(name: string): Locator {
    return this.node(`Network ${name},`);
  }
  container(name: string): Locator {
    return this.node(`Container ${name},`);
  }
  foreign(name: string): Locator {
    return this.node(`Foreign sandbox ${name} `);
  }
  port(hostPort: number, proto = 'tcp'): Locator {
    return this.canvas().locator('.react-flow__node-port').filter({ hasText: `${hostPort}/${proto}` });
  }
  nodes(): Locator {
    return this.canvas().locator('.react-flow__node');
  }
  // edges are not focusable: <g role="img"> with the layout's aria-label
  edge(label: string | RegExp): Locator {
    return this.canvas().locator('.react-flow__edges').getByRole('img', { name: label });
  }
  edges(): Locator {
    return this.canvas().locator('.react-flow__edge');
  }
  edgeLabels(): Locator {
    return this.canvas().locator('.topo-elabel');
  }
  details(): Locator {
    return this.page.locator('aside.topo-details');
  }
  viewport(): Promise<string | null> {
    return this.canvas().locator('.react-flow__viewport').getAttribute('style');
  }
  // The viewport once a zoom, pan or fit animation is over: the same
  // transform before and after 250 ms in which the page also drew at least
  // 10 frames (a loaded machine may stretch an animation well past its
  // nominal length, so no fixed wait would do; and a starved page that drew
  // no frame has not moved its animation on, so time alone proves nothing).
  async settledViewport(ms = 30_000): Promise<string | null> {
    const end = Date.now() + ms;
    for (;;) {
      const r = await this.canvas().locator('.react-flow__viewport').evaluate(
        (el) =>
          new Promise<{ before: string | null; after: string | null }>((done) => {
            const before = el.getAttribute('style');
            // no frame in 10 s: not settled, and the caller's bound decides
            setTimeout(() => done({ before, after: null }), 10_000);
            const t0 = performance.now();
            let frames = 0;
            const tick = () => {
              frames++;
              if (frames >= 10 && performance.now() - t0 >= 250) done({ before, after: el.getAttribute('style') });
              else requestAnimationFrame(tick);
            };
            requestAnimationFrame(tick);
          }),
      );
      if (r.after !== null && r.before === r.after) return r.after;
      if (Date.now() > end) throw new Error(`the topology viewport was still moving after ${ms / 1000} s (last: ${r.after})`);
    }
  }
  async select(node: Locator): Promise<Locator> {
    await node.click();
    await this.details().waitFor();
    return this.details();
  }
}
