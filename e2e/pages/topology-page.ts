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
  // The viewport once nothing is moving it, judged by the canvas's state, not
  // by time: every node measured (React Flow fits the first view when its
  // nodes have sizes), no d3-zoom gesture open on the zoom pane (a drag, or a
  // wheel until its end timer; `__zooming`), no transition scheduled or
  // running there (an animated zoom or fit; `__transition`), and the drawn
  // transform equal to the zoom behaviour's own (`__zoom`). That must hold
  // on two animation frames in a row with the same transform, so work React
  // queued for the next render (a Fit View click queues its fit) has run.
  // A loaded machine only makes this take longer; `ms` bounds it.
  async settledViewport(ms = 30_000): Promise<string | null> {
    const viewport = this.canvas().locator('.react-flow__viewport');
    await viewport.waitFor({ state: 'attached', timeout: ms });
    const r = await viewport.evaluate(
      (el, bound) =>
        new Promise<{ settled: boolean; style: string | null; why: string }>((done) => {
          type Zoomed = HTMLElement & { __zoom?: { k: number; x: number; y: number }; __zooming?: unknown; __transition?: unknown };
          const pane = el.closest('.react-flow__renderer') as Zoomed | null;
          const drawn = (): string | null => el.getAttribute('style');
          // why the viewport may still move, or '' when nothing can
          const moving = (): string => {
            if (!pane) return 'no zoom pane';
            if (pane.__zooming) return 'a zoom or pan gesture is open';
            if (pane.__transition) return 'a zoom transition is scheduled or running';
            const hidden = [...el.querySelectorAll<HTMLElement>('.react-flow__node')].filter((n) => n.style.visibility === 'hidden');
            if (hidden.length) return `${hidden.length} node(s) not measured yet`;
            const z = pane.__zoom;
            if (!z) return 'the zoom behaviour is not attached yet';
            const m = /translate\(([-\d.e]+)px, ?([-\d.e]+)px\) scale\(([-\d.e]+)\)/.exec(el.style.transform);
            if (!m) return `unreadable transform ${el.style.transform}`;
            // the style's numbers are CSS-serialised (rounded): near, not equal
            const near = (a: string, b: number) => Math.abs(Number(a) - b) <= 1e-3 * Math.max(1, Math.abs(b));
            if (!near(m[1], z.x) || !near(m[2], z.y) || !near(m[3], z.k)) return 'the drawn transform is behind the zoom behaviour';
            return '';
          };
          let last: string | null = null;
          let why = 'no frame drawn';
          const stop = setTimeout(() => done({ settled: false, style: drawn(), why }), bound);
          const frame = () => {
            why = moving();
            const now = drawn();
            if (!why && last === now) {
              clearTimeout(stop);
              done({ settled: true, style: now, why });
              return;
            }
            last = why ? null : now;
            requestAnimationFrame(frame);
          };
          requestAnimationFrame(frame);
        }),
      ms,
    );
    if (!r.settled) throw new Error(`the topology viewport had not settled after ${ms / 1000} s: ${r.why} (last: ${r.style})`);
    return r.style;
  }
  async select(node: Locator): Promise<Locator> {
    await node.click();
    await this.details().waitFor();
    return this.details();
  }
}
