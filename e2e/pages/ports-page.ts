import type { Locator, Page } from 'playwright-core';

export class PortsPage {
  constructor(readonly page: Page) {}
  card(container: string): Locator {
    return this.page.locator(`section.port-card[data-container="${container}"]`);
  }
  rows(container: string): Locator {
    return this.card(container).getByRole('table').locator('tbody tr');
  }
  row(container: string, spec: string): Locator {
    return this.card(container).locator(`tr[data-spec="${spec}"]`);
  }
  addForm(container: string): Locator {
    return this.page.getByRole('form', { name: `Add a port mapping to ${container}` });
  }
  async fill(container: string, d: { hostIp?: string; hostPort?: string; containerPort?: string; proto?: string }): Promise<void> {
    const f = this.addForm(container);
    if (d.hostIp !== undefined) await f.getByLabel('Host IP').fill(d.hostIp);
    if (d.hostPort !== undefined) await f.getByLabel('Host port').fill(d.hostPort);
    if (d.containerPort !== undefined) await f.getByLabel('Container port').fill(d.containerPort);
    if (d.proto !== undefined) await f.getByLabel('Protocol').selectOption(d.proto);
  }
  messages(container: string): Locator {
    return this.addForm(container).locator('.add-mapping-msgs');
  }
  addButton(container: string): Locator {
    return this.addForm(container).getByRole('button', { name: /Add/ });
  }
  // "Could not refresh …" notes: a refresh failed, the last list stays
  refreshErrors(): Locator {
    return this.page.locator('.refresh-error');
  }
  toasts(): Locator {
    return this.page.getByRole('region', { name: 'Notifications' });
  }
  // The pointer is on the next notice holding `text` from the moment it shows: a notice lives
  // 10 s unless the pointer or focus is on it, and a test process starved that long on a loaded
  // machine (between seeing it and hovering it, two round trips) lost it. Inside the page, a
  // MutationObserver's callback runs before any timer of the page can, so there is no race; the
  // synthetic mouseover (from outside the window) is what React reads as the pointer entering.
  async holdNextToast(text: string): Promise<void> {
    await this.page.evaluate((want) => {
      const region = document.querySelector('[role="region"][aria-label="Notifications"]');
      if (!region) throw new Error('no Notifications region in the page');
      const hold = (n: Node): boolean => {
        if (!(n instanceof HTMLLIElement) || !n.textContent?.includes(want)) return false;
        n.dispatchEvent(new MouseEvent('mouseover', { bubbles: true, relatedTarget: null }));
        return true;
      };
      const seen = new MutationObserver((records) => {
        for (const r of records) for (const n of r.addedNodes) if (hold(n)) return seen.disconnect();
      });
      seen.observe(region, { childList: true, subtree: true });
    }, text);
  }
}
